/// The command lines of evaluate.fsx (GT.json DETS.json) and sync.fsx: outputs and exit codes.
module Research.Experiments.Tests.CommandTests

open System
open System.IO
open System.Text.Json
open Expecto
open Research.Core.Evaluation
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private case name = Path.Combine(repoRoot, "tests", "Core.Tests", "Fixtures", "evaluation", name)
let private gt = Path.Combine(case "absent_categories", "gt.json")
let private dets = Path.Combine(case "absent_categories", "dets.json")

let private evaluate (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = EvaluateCommand.run args out err
    code, out.ToString(), err.ToString()

let private lines (text: string) = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)

[<Tests>]
let tests =
    testList "Commands" [
        test "evaluate GT DETS prints the twelve stats and warns about a detection of an unknown category" {
            let code, out, err = evaluate [ gt; dets ]
            Expect.equal code 0 "exit 0"
            let l = lines out
            Expect.equal l.Length 13 "a header and 12 stats"
            Expect.equal l[0] "COCO bbox evaluation: 4 images, 4 categories, 4 detections evaluated" "header"
            Expect.isTrue (l[1].EndsWith "= 0.450") "AP of the fixture (pycocotools: 0.45)"
            Expect.stringContains err "1 detections have a category_id not in" "the category-7 detection is reported, as pycocotools drops it silently"
        }

        test "evaluate --json prints one object with the stats and per-category AP" {
            let code, out, _ = evaluate [ gt; dets; "--json" ]
            Expect.equal code 0 "exit 0"
            Expect.equal (lines out).Length 1 "one line"
            use doc = JsonDocument.Parse out
            let expected = CocoEvaluator.EvaluateFiles(gt, dets)
            Expect.sequenceEqual (doc.RootElement.GetProperty("stats").EnumerateArray() |> Seq.map (fun e -> e.GetDouble())) expected.Stats "stats"
            Expect.equal (doc.RootElement.GetProperty("per_category_ap").GetProperty("5").GetDouble()) -1.0 "an absent category is -1"
        }

        test "evaluate warns once about annotation id 0 and scores it as pycocotools does" {
            withTempDir "research-evaluate-tests" (fun dir ->
                // GT id 0 at A and id 1 at B (50x50), a detection on each: the one on id 0 is a false positive, as in
                // pycocotools. FP then TP, 2 GT: precision 0.5 up to recall 0.5 (51 of 101 thresholds), AP = 255/1010.
                let gtFile = Path.Combine(dir, "gt.json")
                File.WriteAllText(gtFile, """{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
                    {"id": 0, "image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "area": 2500},
                    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 0, 50, 50], "area": 2500}]}""")
                let detsFile = Path.Combine(dir, "dets.json")
                File.WriteAllText(detsFile, """[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "score": 0.9},
                    {"image_id": 1, "category_id": 1, "bbox": [100, 0, 50, 50], "score": 0.8}]""")
                let code, out, err = evaluate [ gtFile; detsFile; "--json" ]
                Expect.equal code 0 "exit 0"
                Expect.equal (lines err)
                    [| sprintf "warning: %s: annotation id 0 (image 1): pycocotools counts a detection matched to it as a false positive; this evaluator does the same, as papers report; renumber ids from 1 to score it" gtFile |]
                    "one warning line"
                use doc = JsonDocument.Parse out
                Expect.equal ((doc.RootElement.GetProperty "stats").Item(0).GetDouble()) (255.0 / 1010.0) "AP as pycocotools computes it")
        }

        test "evaluate help goes to stdout with exit 0, also after fsi's -- separator" {
            for first in [ "--help"; "--" ] do
                let code, out, _ = evaluate [ first; "--help" ]
                Expect.equal code 0 "exit 0"
                Expect.isTrue (out.StartsWith "usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]") "usage"
        }

        test "evaluate refuses bad arguments and files with exit 2 and one error line" {
            let code, _, _ = evaluate []
            Expect.equal code 2 "no arguments"
            let expectError args (start: string) =
                let code, _, err = evaluate args
                Expect.equal code 2 (sprintf "%A exits 2" args)
                Expect.isTrue (err.StartsWith start) (sprintf "%A: '%s' starts with '%s'" args err start)
            expectError [ gt ] "error: expected 2 files (GT.json DETS.json), got 1"
            expectError [ gt; dets; "--csv" ] "error: unknown option '--csv'"
            expectError [ gt; "/does/not/exist.json" ] "error: detections file '/does/not/exist.json' does not exist"
            expectError [ dets; gt ] (sprintf "error: %s: top level: expected a COCO instances object" dets)
        }

        test "sync refuses bad arguments with exit 2 and the usage" {
            for args in [ []; [ "./mlruns"; "ftp://host" ]; [ "/no/such/store"; "http://127.0.0.1:9" ] ] do
                use out = new StringWriter()
                Expect.equal (SyncCommand.run args out None) 2 (sprintf "%A exits 2" args)
                Expect.stringContains (out.ToString()) "usage: dotnet fsi scripts/sync.fsx" "usage"
        }
    ]
