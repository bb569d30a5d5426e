namespace Research.Experiments

open System
open System.IO
open System.Reflection
open System.Runtime.InteropServices
open System.Runtime.Loader
open Research.Core.Mlflow
open ScottPlot

/// One plotted line (or bar group): the runs sharing the values of the swept keys after the first.
type PlotSeries =
    {
        /// Legend text, e.g. "tau=2, kernel_size=3" (the metric's name when only one key is swept).
        Label: string
        /// (x value as logged, metric value), in table order.
        Points: (string * float) list
    }

/// What the comparison plot shows: the first metric against the first swept key.
type PlotData =
    {
        /// The x-axis key (the run name when no key is swept).
        XKey: string
        /// The plotted metric.
        Metric: string
        /// True when every x value is a number (a line plot); false gives grouped bars over categories.
        Numeric: bool
        /// The x values in order (categories of the bar plot).
        Categories: string list
        /// One series per combination of the other swept keys.
        Series: PlotSeries list
    }

/// The comparison plot: the first metric against the first swept key, one line per combination of the other
/// swept keys (e.g. AP vs α, one line per τ), bars over categories when the key is not numeric. Only FINISHED
/// runs are plotted.
module ComparePlot =

    /// Default image size in pixels.
    let defaultSize = (900, 560)

    /// Short names for keys: the last dotted segment, or the whole key when two keys share that segment.
    let shortNames (keys: string list) : string list =
        let last (k: string) = k.Substring(k.LastIndexOf '.' + 1)
        keys |> List.map (fun k -> if keys |> List.filter (fun o -> last o = last k) |> List.length > 1 then k else last k)

    /// The plotted data of a table, or an error saying why nothing can be plotted.
    let plotData (table: ComparisonTable) : Result<PlotData, string> =
        match table.MetricKeys with
        | [] -> Error "no metric chosen"
        | metric :: _ ->
            let finished =
                table.Rows
                |> List.filter (fun r -> r.Status = RunStatus.Finished)
                |> List.choose (fun r -> List.head r.Metrics |> Option.map (fun y -> r, y))
            if finished.IsEmpty then
                Error(sprintf "no FINISHED run logged %s" metric)
            else
                let xKey, xOf, others =
                    match table.SweptKeys with
                    | [] -> "run", (fun (r: CompareRow) -> r.RunName), []
                    | first :: rest -> first, (fun (r: CompareRow) -> List.head r.Params |> Option.defaultValue "–"), rest
                let otherNames = shortNames table.SweptKeys |> List.tail |> fun l -> if others.IsEmpty then [] else l
                let groupOf (r: CompareRow) = if others.IsEmpty then [] else List.tail r.Params
                let label (values: string option list) =
                    if values.IsEmpty then metric
                    else
                        List.zip otherNames values
                        |> List.map (fun (k, v) -> sprintf "%s=%s" k (Option.defaultValue "–" v))
                        |> String.concat ", "
                let series =
                    finished
                    |> List.groupBy (fun (r, _) -> groupOf r)
                    |> List.sortBy (fun (values, _) -> List.map CompareTable.paramSortKey values)
                    |> List.map (fun (values, rows) -> { Label = label values; Points = rows |> List.map (fun (r, y) -> xOf r, y) })
                let categories = finished |> List.map (fst >> xOf) |> List.distinct
                Ok
                    {
                        XKey = xKey
                        Metric = metric
                        Numeric = categories |> List.forall (fun x -> (CompareTable.tryNumber x).IsSome)
                        Categories = categories
                        Series = series
                    }

    let private lines (plot: Plot) (data: PlotData) =
        let palette = Palettes.Category10()
        data.Series
        |> List.iteri (fun i s ->
            let points = s.Points |> List.map (fun (x, y) -> (CompareTable.tryNumber x).Value, y) |> List.sortBy fst
            let line = plot.Add.Scatter(points |> List.map fst |> List.toArray, points |> List.map snd |> List.toArray)
            line.LegendText <- s.Label
            line.Color <- palette.GetColor i
            line.LineWidth <- 2.0f
            line.MarkerSize <- 8.0f)

    let private bars (plot: Plot) (data: PlotData) =
        let palette = Palettes.Category10()
        let groups = data.Series.Length
        let width = 0.8 / float groups
        data.Series
        |> List.iteri (fun i s ->
            let color = palette.GetColor i
            let offset = (float i - float (groups - 1) / 2.0) * width
            let items =
                s.Points
                |> List.map (fun (x, y) ->
                    Bar(Position = float (List.findIndex ((=) x) data.Categories) + offset, Value = y, Size = width * 0.9, FillColor = color))
            plot.Add.Bars(ResizeArray items) |> ignore
            plot.Legend.ManualItems.Add(LegendItem(LabelText = s.Label, FillColor = color)))
        let positions = data.Categories |> List.mapi (fun i _ -> float i) |> List.toArray
        plot.Axes.Bottom.TickGenerator <- TickGenerators.NumericManual(positions, List.toArray data.Categories)
        plot.Axes.Margins(bottom = 0.0) |> ignore

    /// Writes the PNG (width × height pixels) of the plot data; title is the comparison's title.
    let render (data: PlotData) (title: string) (path: string) (width: int, height: int) : unit =
        // Scripts load the library with Assembly.LoadFrom: SkiaSharp's natives need Core's resolver.
        Research.Core.Runtime.NativeAssets.EnsureResolver()
        use plot = new Plot()
        if data.Numeric then lines plot data else bars plot data
        plot.Title(sprintf "%s vs %s\n%s" data.Metric data.XKey title)
        plot.XLabel data.XKey
        plot.YLabel data.Metric
        if data.Series.Length > 1 then plot.ShowLegend(Edge.Right) |> ignore
        else plot.HideLegend() |> ignore
        plot.SavePng(path, width, height) |> ignore

    /// Writes the comparison plot of a table to path; Error (a warning, nothing written) when no FINISHED run
    /// logged the first metric.
    let write (table: ComparisonTable) (path: string) (size: int * int) : Result<unit, string> =
        plotData table |> Result.map (fun data -> render data table.Title path size)
