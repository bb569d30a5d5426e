module Research.Experiments.Tests.CompareTableTests

open System
open System.IO
open Expecto
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.CompareFixture

[<Tests>]
let tableTests =
    testList "Compare.table" [
        test "rows sorted by alpha then tau numerically (10 after 2), values are the latest" {
            let t = alphaTau ()
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.tau" ] "swept keys from the tag, in its order"
            Expect.equal t.MetricKeys [ "bbox/AP"; "bbox/AP50" ] "default metrics"
            let expected =
                [ "0.2", "2"; "0.2", "10"; "0.5", "2"; "0.5", "10"; "0.8", "2"; "0.8", "10" ]
                |> List.map (fun (a, tau) ->
                    let failed = (a, tau) = ("0.5", "10")
                    let v = ap (float a) (float tau)
                    child a tau, sprintf "a%s-t%s" a tau, (if failed then RunStatus.Failed else RunStatus.Finished),
                    [ Some a; Some tau ], (if failed then [ None; None ] else [ Some v; Some(v + 0.2) ]))
            let actual = t.Rows |> List.map (fun r -> r.RunId, r.RunName, r.Status, r.Params, r.Metrics)
            Expect.equal actual expected "rows"
        }
        test "asked-for metrics replace the defaults, in the given order" {
            let t = tableOf (CompareSource.Parent (sweeps ()).AlphaTauParent) [ "bbox_nms/AP50"; "loss_cls" ]
            Expect.equal t.MetricKeys [ "bbox_nms/AP50"; "loss_cls" ] "order kept"
            let failed = t.Rows |> List.find (fun r -> r.Status = RunStatus.Failed)
            Expect.equal failed.Metrics [ None; Some 1.5 ] "the failed run's own metrics"
        }
        test "swept keys inferred without the tag: differing params, most values first" {
            let t = tableOf (CompareSource.Experiment("untagged", false)) []
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.tau" ] "alpha (3 values) before tau (2)"
            Expect.equal t.MetricKeys [ "bbox/AP" ] "the default that exists"
            Expect.equal (t.Rows |> List.map (fun r -> r.RunName)) [ "u1"; "u2"; "u0"; "u3" ] "(0.2,2) (0.5,0) (0.5,2) (0.8,0)"
            Expect.equal (tableOf (CompareSource.Experiment("baseline", false)) []).SweptKeys [ "seed" ] "baseline differs in seed only"
        }
        test "--all over runs of two sweeps with different tags infers the keys" {
            let t = tableOf (CompareSource.Experiment("ablation", true)) []
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.kernel_size"; "model.filter.tau" ] "alpha (3 values), then kernel and tau (2 each) by key"
            Expect.equal t.Rows.Length 7 "seven runs"
        }
        test "a malformed run id is an unknown run id, not a store failure" {
            let code, _, err = command [ "--uri"; (sweeps ()).Root; "--parent"; "../etc" ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "Unknown run id '../etc'" "message"
        }
        test "inferSweptKeys counts a param missing from some runs as differing" {
            let run id (ps: (string * string) list) =
                RunRecord(RunInfo(id, "1", id, "", RunStatus.Finished, 0L, Nullable(), "", "active"), readOnlyDict ps, readOnlyDict [], readOnlyDict [])
            let runs = [ run "a" [ "x", "1"; "y", "1" ]; run "b" [ "x", "1" ]; run "c" [ "x", "1"; "y", "1" ] ]
            Expect.equal (CompareTable.inferSweptKeys runs) [ "y" ] "y is absent from b"
        }
        test "aligned text table" {
            let expected =
                String.concat "\n" [
                    "run       status    model.poto.alpha  model.filter.tau  bbox/AP  bbox/AP50"
                    "--------  --------  ----------------  ----------------  -------  ---------"
                    "a0.2-t2   FINISHED  0.2               2                   0.322      0.522"
                    "a0.2-t10  FINISHED  0.2               10                   0.33       0.53"
                    "a0.5-t2   FINISHED  0.5               2                   0.352      0.552"
                    "a0.5-t10  FAILED    0.5               10                      –          –"
                    "a0.8-t2   FINISHED  0.8               2                   0.382      0.582"
                    "a0.8-t10  FINISHED  0.8               10                   0.39       0.59"
                    "" ]
            Expect.equal (CompareTable.toText (alphaTau ())) expected "text"
        }
        test "markdown table with the unfinished note" {
            let lines = (CompareTable.toMarkdown (alphaTau ())).Split('\n')
            Expect.equal lines.[0] (sprintf "# Comparison: sweep alpha-tau (%s), experiment ablation" (sweeps ()).AlphaTauParent) "title"
            Expect.equal lines.[2] "| run | status | model.poto.alpha | model.filter.tau | bbox/AP | bbox/AP50 |" "header"
            Expect.equal lines.[3] "|---|---|---|---|---:|---:|" "alignment"
            Expect.equal lines.[4] "| a0.2-t2 | FINISHED | 0.2 | 2 | 0.322 | 0.522 |" "first row"
            Expect.equal lines.[7] "| a0.5-t10 | FAILED | 0.5 | 10 | – | – |" "failed row"
            Expect.equal lines.[11] "Not finished, left out of the plot: a0.5-t10 (FAILED)." "note"
        }
        test "CSV rows at full precision" {
            let csv = CompareTable.toCsv (alphaTau ())
            let lines = csv.Split('\n')
            Expect.equal lines.[0] "run_id,run_name,status,model.poto.alpha,model.filter.tau,bbox/AP,bbox/AP50" "header"
            let v = ap 0.2 10.0
            Expect.equal lines.[2] (sprintf "%s,a0.2-t10,FINISHED,0.2,10,%s,%s" (child "0.2" "10") (v.ToString "R") ((v + 0.2).ToString "R")) "second row"
            Expect.equal (Double.Parse(lines.[2].Split(',').[5], Globalization.CultureInfo.InvariantCulture)) v "round-trips exactly"
            Expect.equal lines.[4] (sprintf "%s,a0.5-t10,FAILED,0.5,10,," (child "0.5" "10")) "failed row: empty metrics"
            Expect.equal lines.Length 8 "header + 6 rows + trailing newline"
        }
        test "CSV quotes fields with commas and quotes" {
            let t = { Title = "t"; SweptKeys = [ "k" ]; MetricKeys = [ "m" ]; Rows = [ { RunId = "r"; RunName = "a,\"b\""; Status = RunStatus.Killed; StartTime = 0L; Params = [ Some "x,y" ]; Metrics = [ Some 0.5 ] } ] }
            Expect.equal (CompareTable.toCsv t) "run_id,run_name,status,k,m\nr,\"a,\"\"b\"\"\",KILLED,\"x,y\",0.5\n" "csv"
        }
    ]
