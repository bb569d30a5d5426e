namespace Research.Experiments

open System
open System.IO
open Research.Core.Mlflow

/// The settings of one comparison (the parsed command line of scripts/compare.fsx).
type CompareOptions =
    {
        /// Which runs to compare.
        Source: CompareSource
        /// The metrics to show, the first one plotted; empty: bbox/AP and bbox/AP50.
        Metrics: string list
        /// The tracking store; None: MLFLOW_TRACKING_URI, else ./mlruns.
        Uri: string option
        /// The output folder; None: outputs/compare/PARENT_ID (or the experiment's name).
        OutDir: string option
    }

/// What the command line asks for.
type CompareCommand =
    /// Print the usage text.
    | ShowHelp
    /// Run a comparison.
    | RunCompare of CompareOptions

/// The `compare` command: select runs, print the comparison table, write it as markdown and CSV and plot the
/// first metric against the first swept key (scripts/compare.fsx, Cli "compare").
module Compare =

    /// The markdown table's file name in the output folder.
    [<Literal>]
    let MarkdownFile = "table.md"

    /// The CSV table's file name in the output folder.
    [<Literal>]
    let CsvFile = "table.csv"

    /// The plot's file name in the output folder.
    [<Literal>]
    let PlotFile = "plot.png"

    /// The --help text.
    let usage =
        """Usage: dotnet fsi scripts/compare.fsx [--parent RUN_ID | --experiment NAME [--all]] [--metric KEY]...
                                  [--uri URI] [--out DIR]

Compares the runs of a sweep (or of an experiment): prints a table of the chosen metrics against the
swept params, writes it as markdown and CSV, and plots the first metric against the first swept key
(one line per combination of the other swept keys; runs that did not finish are listed, not plotted).

Which runs (default: the most recent sweep, i.e. the newest parent run, in the store):
  --parent RUN_ID      the children of this sweep's parent run
  --experiment NAME    the most recent sweep of this experiment, or all its runs when it has no sweep
  --all                with --experiment: every run of the experiment (sweep parents left out)

What and where:
  --metric KEY         a metric to show (repeatable; the first one is plotted).
                       Default: bbox/AP and bbox/AP50.
  --uri URI            the tracking store: a folder (MLflow file store) or http(s)://server.
                       Default: MLFLOW_TRACKING_URI, else ./mlruns.
  --out DIR            the output folder (default: outputs/compare/<parent run id or experiment>).
                       Files: table.md, table.csv, plot.png.
  -h, --help, help     this text (dotnet fsi answers --help itself, in any position: write
                       `dotnet fsi scripts/compare.fsx -- --help` or `... compare.fsx help`)

The swept keys come from the runs' research.swept_keys tag; without it, they are the params whose values
differ among the compared runs. Exit codes: 0 done, 2 bad arguments or nothing to compare, 1 the store
could not be read or the files could not be written.
"""

    type private Parsed =
        {
            Parent: string option
            Experiment: string option
            All: bool
            Metrics: string list
            Uri: string option
            Out: string option
            Help: bool
        }

    /// Parses the arguments after the command name; an error names the argument.
    let parseArgs (args: string[]) : Result<CompareCommand, string> =
        let rec loop (acc: Parsed) (rest: string list) =
            let value (flag: string) (tail: string list) (set: string -> Parsed) =
                match tail with
                | v :: tail' when not (v.StartsWith "--") && v.Trim() <> "" -> loop (set v) tail'
                | _ -> Error(sprintf "%s needs a value." flag)
            match rest with
            | [] -> Ok acc
            | ("-h" | "--help" | "help") :: tail -> loop { acc with Help = true } tail
            | "--all" :: tail -> loop { acc with All = true } tail
            | "--parent" :: tail when acc.Parent.IsSome -> Error "--parent is given twice."
            | "--parent" :: tail -> value "--parent" tail (fun v -> { acc with Parent = Some v })
            | "--experiment" :: tail when acc.Experiment.IsSome -> Error "--experiment is given twice."
            | "--experiment" :: tail -> value "--experiment" tail (fun v -> { acc with Experiment = Some v })
            | "--metric" :: tail -> value "--metric" tail (fun v -> { acc with Metrics = acc.Metrics @ [ v ] })
            | "--uri" :: tail -> value "--uri" tail (fun v -> { acc with Uri = Some v })
            | "--out" :: tail -> value "--out" tail (fun v -> { acc with Out = Some v })
            | arg :: _ ->
                let flags = [ "--parent"; "--experiment"; "--all"; "--metric"; "--uri"; "--out"; "--help" ]
                let hint = if arg.StartsWith "-" then CompareSelect.didYouMean arg flags else ""
                Error(sprintf "Unknown argument '%s'%s." arg hint)
        let empty = { Parent = None; Experiment = None; All = false; Metrics = []; Uri = None; Out = None; Help = false }
        loop empty (List.ofArray args)
        |> Result.bind (fun p ->
            if p.Help then Ok ShowHelp
            else
                let source =
                    match p.Parent, p.Experiment with
                    | Some _, Some _ -> Error "Give --parent or --experiment, not both."
                    | Some _, None when p.All -> Error "--all goes with --experiment, not --parent."
                    | Some id, None -> Ok(CompareSource.Parent id)
                    | None, Some name -> Ok(CompareSource.Experiment(name, p.All))
                    | None, None when p.All -> Error "--all goes with --experiment NAME."
                    | None, None -> Ok CompareSource.LatestSweep
                source |> Result.map (fun s -> RunCompare { Source = s; Metrics = p.Metrics; Uri = p.Uri; OutDir = p.Out }))

    /// A folder name made of letters, digits, '.', '-' and '_' only (an experiment name may hold '/' or spaces).
    let safeFolderName (label: string) =
        let chars = label |> String.map (fun c -> if Char.IsAsciiLetterOrDigit c || c = '.' || c = '-' || c = '_' then c else '_')
        if chars.Trim('.') = "" then "_" else chars

    /// The output folder of a comparison: the given one, else outputs/compare/LABEL under the current folder.
    let outputFolder (options: CompareOptions) (selected: SelectedRuns) =
        match options.OutDir with
        | Some dir -> dir
        | None -> Path.Combine("outputs", "compare", safeFolderName selected.Label)

    let private compareIn (out: TextWriter) (err: TextWriter) (tracker: MlflowTracker) (options: CompareOptions) =
        match CompareSelect.select tracker options.Source |> Result.bind (fun s -> CompareTable.build s options.Metrics |> Result.map (fun t -> s, t)) with
        | Error message ->
            err.WriteLine("error: " + message)
            2
        | Ok(selected, table) ->
            out.WriteLine(sprintf "Comparison: %s (store %s)" table.Title tracker.Uri)
            out.WriteLine()
            out.Write(CompareTable.toText table)
            let unfinished = table.Rows |> List.filter (fun r -> r.Status <> RunStatus.Finished)
            if not unfinished.IsEmpty then
                let names = unfinished |> List.map (fun r -> sprintf "%s (%s)" r.RunName (r.Status.ToMlflowName())) |> String.concat ", "
                out.WriteLine(sprintf "Not finished, left out of the plot: %s" names)
            let dir = outputFolder options selected
            try
                Directory.CreateDirectory dir |> ignore
                File.WriteAllText(Path.Combine(dir, MarkdownFile), CompareTable.toMarkdown table)
                File.WriteAllText(Path.Combine(dir, CsvFile), CompareTable.toCsv table)
                let plotPath = Path.Combine(dir, PlotFile)
                out.WriteLine()
                let plotted =
                    try
                        ComparePlot.write table plotPath ComparePlot.defaultSize
                    with e when not (e :? IOException || e :? UnauthorizedAccessException) ->
                        Error(sprintf "drawing it failed (%s: %s)" (e.GetType().Name) e.Message)
                match plotted with
                | Ok() -> out.WriteLine(sprintf "Wrote %s, %s and %s in %s" MarkdownFile CsvFile PlotFile dir)
                | Error why ->
                    if File.Exists plotPath then File.Delete plotPath // a plot from an earlier comparison would mislead
                    out.WriteLine(sprintf "Wrote %s and %s in %s" MarkdownFile CsvFile dir)
                    err.WriteLine(sprintf "warning: no plot: %s." why)
                0
            with :? IOException | :? UnauthorizedAccessException as e ->
                err.WriteLine(sprintf "error: could not write the comparison to '%s': %s" dir e.Message)
                1

    /// Runs a comparison: the table on out, messages on err; returns the exit code (0 done, 2 nothing to compare, a tracking URI that cannot be used
    /// or a metric no run logged, 1 the store could not be read or the files written).
    let run (out: TextWriter) (err: TextWriter) (options: CompareOptions) : int =
        try
            use tracker =
                match options.Uri with
                | Some uri -> new MlflowTracker(uri)
                | None -> MlflowTracker.FromEnvironment(null)
            compareIn out err tracker options
        with
        | :? TrackingException as e ->
            err.WriteLine(sprintf "error: reading the tracking store failed: %s" e.Message)
            1
        | :? ArgumentException as e ->
            // A URI this library cannot use (--uri or MLFLOW_TRACKING_URI): the user's to fix.
            err.WriteLine(sprintf "error: %s" e.Message)
            2

    /// The command with explicit writers (for tests): parses args, prints help or runs the comparison.
    let mainWith (out: TextWriter) (err: TextWriter) (args: string[]) : int =
        match parseArgs args with
        | Ok ShowHelp ->
            out.Write usage
            0
        | Ok(RunCompare options) -> run out err options
        | Error message ->
            err.WriteLine("error: " + message)
            err.WriteLine "Run with --help for the usage."
            2

    /// Entry point of the `compare` command (the arguments after the command name); returns the exit code.
    let main (args: string[]) : int = mainWith Console.Out Console.Error args
