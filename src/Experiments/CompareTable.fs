namespace Research.Experiments

open System
open System.Globalization
open System.Text
open Research.Core.Mlflow

/// One compared run: its swept params and chosen metrics, aligned with the table's key lists.
type CompareRow =
    {
        /// The run id.
        RunId: string
        /// The run name (the id when the run has none).
        RunName: string
        /// FINISHED, FAILED, RUNNING, KILLED, ...
        Status: RunStatus
        /// Start time, ms since the Unix epoch (breaks ties in the order).
        StartTime: int64
        /// The value of each swept key (None when the run lacks the param).
        Params: string option list
        /// The latest value of each chosen metric (None when the run did not log it).
        Metrics: float option list
    }

/// A comparison: one row per run, sorted by the swept params (numerically where they are numbers).
type ComparisonTable =
    {
        /// What is compared (see SelectedRuns.Title).
        Title: string
        /// The swept config keys (dotted), first one = the plot's x axis.
        SweptKeys: string list
        /// The chosen metric keys, first one = the plotted metric.
        MetricKeys: string list
        /// The rows in order.
        Rows: CompareRow list
    }

/// Building the comparison table from selected runs, and writing it as aligned text, markdown and CSV.
module CompareTable =

    /// The metrics shown when none is asked for (those of them that some run logged).
    let defaultMetrics = [ "bbox/AP"; "bbox/AP50" ]

    /// A param value as a number, when it is one (invariant culture: "0.8", "2", "1e-4").
    let tryNumber (text: string) : float option =
        match Double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v when not (Double.IsNaN v) -> Some v
        | _ -> None

    /// Sort key of a param value: numbers first (by value), then text (ordinal), then missing.
    let paramSortKey (value: string option) : int * float * string =
        match value with
        | Some text ->
            match tryNumber text with
            | Some v -> (0, v, "")
            | None -> (1, 0.0, text)
        | None -> (2, 0.0, "")

    /// The params whose values differ among the runs (a param missing from some runs counts as differing),
    /// the one with most distinct values first (it becomes the x axis), then by key.
    let inferSweptKeys (runs: RunRecord list) : string list =
        let keys = runs |> Seq.collect (fun r -> r.Params.Keys) |> Seq.distinct |> Seq.toList
        keys
        |> List.choose (fun key ->
            let values =
                runs
                |> List.map (fun r ->
                    match r.Params.TryGetValue key with
                    | true, v -> Some v
                    | _ -> None)
                |> List.distinct
            if values.Length > 1 then Some(key, values.Length) else None)
        |> List.sortBy (fun (key, n) -> -n, key)
        |> List.map fst

    /// The keys listed in a research.swept_keys tag value.
    let parseSweptKeysTag (value: string) : string list =
        value.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> Array.toList |> List.distinct

    let private sweptKeysTagOf (run: RunRecord) =
        match run.Tags.TryGetValue CompareSelect.SweptKeysTag with
        | true, v when not (String.IsNullOrWhiteSpace v) -> Some(parseSweptKeysTag v)
        | _ -> None

    /// The swept keys, in the order of the research.swept_keys tag: the parent's, else the one every compared
    /// run carries; otherwise (no tag, or runs of several sweeps whose tags differ) the params that differ
    /// among the compared runs.
    let sweptKeys (selected: SelectedRuns) : string list =
        let fromParent = selected.Parent |> Option.bind sweptKeysTagOf
        let fromRuns =
            match selected.Runs |> List.map sweptKeysTagOf |> List.distinct with
            | [ Some keys ] -> Some keys
            | _ -> None
        match Option.orElse fromRuns fromParent with
        | Some keys -> keys
        | None -> inferSweptKeys selected.Runs

    /// The metrics to show: each asked-for key must be logged by at least one run (else an error listing the
    /// metrics that exist, with a did-you-mean); with none asked for, those of defaultMetrics that exist.
    let resolveMetrics (runs: RunRecord list) (requested: string list) : Result<string list, string> =
        let existing = runs |> Seq.collect (fun r -> r.Metrics.Keys) |> Seq.distinct |> Seq.sort |> Seq.toList
        let listing = if existing.IsEmpty then "none" else String.concat ", " existing
        match requested with
        | [] ->
            match defaultMetrics |> List.filter (fun m -> List.contains m existing) with
            | [] ->
                Error(sprintf "None of the compared runs logged the default metrics %s; metrics that exist: %s. Choose one with --metric KEY."
                          (String.concat ", " defaultMetrics) listing)
            | found -> Ok found
        | asked ->
            match asked |> List.filter (fun m -> not (List.contains m existing)) with
            | [] -> Ok(List.distinct asked)
            | missing :: _ ->
                Error(sprintf "Metric '%s' was logged by none of the %d compared runs%s; metrics that exist: %s."
                          missing runs.Length (CompareSelect.didYouMean missing existing) listing)

    let private rowOf (sweptKeys: string list) (metricKeys: string list) (run: RunRecord) =
        {
            RunId = run.Info.RunId
            RunName = run.Name |> Option.ofObj |> Option.defaultValue run.Info.RunId
            Status = run.Info.Status
            StartTime = run.Info.StartTime
            Params =
                sweptKeys
                |> List.map (fun k ->
                    match run.Params.TryGetValue k with
                    | true, v -> Some v
                    | _ -> None)
            Metrics =
                metricKeys
                |> List.map (fun k ->
                    match run.Metrics.TryGetValue k with
                    | true, p -> Some p.Value
                    | _ -> None)
        }

    /// The table of the selected runs with the asked-for metrics (empty list: the defaults), sorted by the swept
    /// params in key order (numbers numerically), then by start time.
    let build (selected: SelectedRuns) (metrics: string list) : Result<ComparisonTable, string> =
        resolveMetrics selected.Runs metrics
        |> Result.map (fun metricKeys ->
            let keys = sweptKeys selected
            let rows =
                selected.Runs
                |> List.map (rowOf keys metricKeys)
                |> List.sortBy (fun r -> List.map paramSortKey r.Params, r.StartTime, r.RunId)
            {
                Title = selected.Title
                SweptKeys = keys
                MetricKeys = metricKeys
                Rows = rows
            })

    /// A metric value for reading: 4 significant digits ("–" when missing).
    let formatMetric (value: float option) =
        match value with
        | Some v -> v.ToString("G4", CultureInfo.InvariantCulture)
        | None -> "–"

    let private headers (table: ComparisonTable) = [ "run"; "status" ] @ table.SweptKeys @ table.MetricKeys

    let private cells (row: CompareRow) =
        [ row.RunName; row.Status.ToMlflowName() ]
        @ (row.Params |> List.map (Option.defaultValue "–"))
        @ (row.Metrics |> List.map formatMetric)

    /// Index of the first column that is right-aligned (the metrics).
    let private firstMetricColumn (table: ComparisonTable) = 2 + table.SweptKeys.Length

    /// An aligned plain-text table (metrics right-aligned), one line per row, for the terminal.
    let toText (table: ComparisonTable) : string =
        let lines = headers table :: (table.Rows |> List.map cells)
        let widths = headers table |> List.mapi (fun i _ -> lines |> List.map (fun l -> l.[i].Length) |> List.max)
        let firstMetric = firstMetricColumn table
        let render (line: string list) =
            line
            |> List.mapi (fun i cell -> if i >= firstMetric then cell.PadLeft widths.[i] else cell.PadRight widths.[i])
            |> String.concat "  "
            |> fun s -> s.TrimEnd()
        let rule = widths |> List.map (fun w -> String('-', w)) |> String.concat "  "
        let sb = StringBuilder()
        sb.Append(render (headers table)).Append('\n').Append(rule).Append('\n') |> ignore
        for row in table.Rows do
            sb.Append(render (cells row)).Append('\n') |> ignore
        sb.ToString()

    let private markdownCell (text: string) = text.Replace("|", "\\|").Replace("\n", " ")

    /// A markdown document: a title line, the table (metrics right-aligned), and a note on runs that did not
    /// finish (they are left out of the plot).
    let toMarkdown (table: ComparisonTable) : string =
        let sb = StringBuilder()
        sb.Append("# Comparison: ").Append(markdownCell table.Title).Append("\n\n") |> ignore
        let hs = headers table
        let firstMetric = firstMetricColumn table
        sb.Append("| ").Append(hs |> List.map markdownCell |> String.concat " | ").Append(" |\n") |> ignore
        sb.Append('|').Append(hs |> List.mapi (fun i _ -> if i >= firstMetric then "---:|" else "---|") |> String.concat "") |> ignore
        sb.Append('\n') |> ignore
        for row in table.Rows do
            sb.Append("| ").Append(cells row |> List.map markdownCell |> String.concat " | ").Append(" |\n") |> ignore
        let unfinished = table.Rows |> List.filter (fun r -> r.Status <> RunStatus.Finished)
        if not unfinished.IsEmpty then
            let names = unfinished |> List.map (fun r -> sprintf "%s (%s)" r.RunName (r.Status.ToMlflowName())) |> String.concat ", "
            sb.Append("\nNot finished, left out of the plot: ").Append(markdownCell names).Append(".\n") |> ignore
        sb.ToString()

    let private csvField (text: string) =
        if text.IndexOfAny([| ','; '"'; '\n'; '\r' |]) >= 0 then "\"" + text.Replace("\"", "\"\"") + "\"" else text

    /// CSV (RFC 4180 quoting): run_id, run_name, status, the swept keys, the metrics at full precision
    /// (round-trip format; empty when missing).
    let toCsv (table: ComparisonTable) : string =
        let sb = StringBuilder()
        let header = [ "run_id"; "run_name"; "status" ] @ table.SweptKeys @ table.MetricKeys
        sb.Append(header |> List.map csvField |> String.concat ",").Append('\n') |> ignore
        for row in table.Rows do
            let fields =
                [ row.RunId; row.RunName; row.Status.ToMlflowName() ]
                @ (row.Params |> List.map (Option.defaultValue ""))
                @ (row.Metrics |> List.map (Option.map (fun v -> v.ToString("R", CultureInfo.InvariantCulture)) >> Option.defaultValue ""))
            sb.Append(fields |> List.map csvField |> String.concat ",").Append('\n') |> ignore
        sb.ToString()
