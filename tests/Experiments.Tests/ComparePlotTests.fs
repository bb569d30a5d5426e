module Research.Experiments.Tests.ComparePlotTests

open System
open System.IO
open Expecto
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.CompareFixture

let private countColor (path: string) (hex: string) =
    use bmp = SkiaSharp.SKBitmap.Decode path
    let c = SkiaSharp.SKColor.Parse hex
    let mutable n = 0
    for y in 0 .. bmp.Height - 1 do
        for x in 0 .. bmp.Width - 1 do
            if bmp.GetPixel(x, y) = c then n <- n + 1
    n

[<Tests>]
let plotTests =
    testList "Compare.plot" [
        test "plot data: AP vs alpha, one line per tau, the failed run left out" {
            match ComparePlot.plotData (alphaTau ()) with
            | Ok d ->
                Expect.equal d.XKey "model.poto.alpha" "x"
                Expect.equal d.Metric "bbox/AP" "y"
                Expect.isTrue d.Numeric "numeric"
                Expect.equal d.Categories [ "0.2"; "0.5"; "0.8" ] "x values"
                Expect.equal d.Series [
                    { Label = "tau=2"; Points = [ "0.2", ap 0.2 2.0; "0.5", ap 0.5 2.0; "0.8", ap 0.8 2.0 ] }
                    { Label = "tau=10"; Points = [ "0.2", ap 0.2 10.0; "0.8", ap 0.8 10.0 ] } ] "series"
            | Error e -> failtest e
        }
        test "a text-valued key gives categories in order, one series named after the metric" {
            match ComparePlot.plotData (tableOf (CompareSource.Parent (sweeps ()).NormParent) []) with
            | Ok d ->
                Expect.isFalse d.Numeric "categorical"
                Expect.equal d.Categories [ "FrozenBN"; "GN" ] "ordinal order"
                Expect.equal d.Series [ { Label = "bbox/AP"; Points = [ "FrozenBN", 0.31; "GN", 0.3 ] } ] "series"
            | Error e -> failtest e
        }
        test "short legend names keep the full key when the last segment is shared" {
            Expect.equal (ComparePlot.shortNames [ "a.tau"; "b.tau"; "model.poto.alpha" ]) [ "a.tau"; "b.tau"; "alpha" ] "names"
        }
        test "the PNG decodes at the default size with one colour per tau line" {
            let path = Path.Combine(tempDir (), "plot.png")
            Expect.equal (ComparePlot.write (alphaTau ()) path ComparePlot.defaultSize) (Ok()) "written"
            use bmp = SkiaSharp.SKBitmap.Decode path
            Expect.equal (bmp.Width, bmp.Height) ComparePlot.defaultSize "size"
            Expect.isGreaterThan (countColor path "#1f77b4") 200 "first line (Category10 blue)"
            Expect.isGreaterThan (countColor path "#ff7f0e") 200 "second line (Category10 orange)"
            Expect.equal (countColor path "#2ca02c") 0 "no third line"
        }
        test "the bar plot of a text key decodes" {
            let path = Path.Combine(tempDir (), "bars.png")
            Expect.equal (ComparePlot.write (tableOf (CompareSource.Parent (sweeps ()).NormParent) []) path (400, 300)) (Ok()) "written"
            use bmp = SkiaSharp.SKBitmap.Decode path
            Expect.equal (bmp.Width, bmp.Height) (400, 300) "size"
            Expect.isGreaterThan (countColor path "#1f77b4") 1000 "filled bars"
        }
        test "no plot when no run finished" {
            let t = alphaTau ()
            let allFailed = { t with Rows = t.Rows |> List.map (fun r -> { r with Status = RunStatus.Failed }) }
            let path = Path.Combine(tempDir (), "none.png")
            Expect.equal (ComparePlot.write allFailed path (200, 100)) (Error "no FINISHED run logged bbox/AP") "error"
            Expect.isFalse (File.Exists path) "nothing written"
        }
    ]

[<Tests>]
let threeKeyTests =
    testList "Compare.plot3" [
        test "three swept keys: one line per (tau, kernel) pair, in sorted order" {
            let row name a t k y =
                { RunId = name; RunName = name; Status = RunStatus.Finished; StartTime = 0L; Params = [ Some a; Some t; Some k ]; Metrics = [ Some y ] }
            let table =
                {
                    Title = "t"
                    SweptKeys = [ "model.poto.alpha"; "model.filter.tau"; "model.filter.kernel_size" ]
                    MetricKeys = [ "bbox/AP" ]
                    Rows = [ row "r1" "0.5" "2" "5" 0.1; row "r2" "0.5" "0" "3" 0.2; row "r3" "1" "2" "5" 0.3; row "r4" "0.5" "2" "3" 0.4 ]
                }
            match ComparePlot.plotData table with
            | Ok d ->
                Expect.equal (d.Series |> List.map (fun s -> s.Label, s.Points)) [
                    "tau=0, kernel_size=3", [ "0.5", 0.2 ]
                    "tau=2, kernel_size=3", [ "0.5", 0.4 ]
                    "tau=2, kernel_size=5", [ "0.5", 0.1; "1", 0.3 ] ] "series"
            | Error e -> failtest e
        }
    ]
