/// `evaluate GT.odgt DETS ...`: the CrowdHuman form of evaluate.fsx on the committed fixtures of the official tool
/// (tests/Core.Tests/Fixtures/evaluation/crowdhuman): outputs, notes and exit codes.
module Research.Experiments.Tests.CrowdHumanCommandTests

open System
open System.Globalization
open System.IO
open System.Text.Json
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private case name file = Path.Combine(repoRoot, "tests", "Core.Tests", "Fixtures", "evaluation", "crowdhuman", name, file)

let private report name (key: string) =
    use doc = JsonDocument.Parse(File.ReadAllText(case name "expected.json"))
    let o = doc.RootElement.GetProperty key
    o.GetProperty("ap").GetDouble(), o.GetProperty("mmr").GetDouble(), o.GetProperty("recall").GetDouble()

let private official name = report name "official"

let private evaluate (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = EvaluateCommand.run args out err
    code, out.ToString(), err.ToString()

let private lines (text: string) = text.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.TrimEnd '\r')

let private metricLine (name: string) (value: float) = sprintf "%-13s %s" name (value.ToString("0.0000", CultureInfo.InvariantCulture))

[<Tests>]
let tests =
    testList "CrowdHuman evaluate" [
        test "an odgt without sizes, a dt odgt and --images print the official AP50, mMR and recall" {
            let code, out, err = evaluate [ case "numeric_ids" "gt_nosize.odgt"; case "numeric_ids" "dt.odgt"; "--images"; case "numeric_ids" "images" ]
            Expect.equal code 0 (sprintf "exit 0 (stderr: %s)" err)
            Expect.equal err "" "no notes"
            let ap, mmr, recall = official "numeric_ids"
            let l = lines out
            Expect.equal l.Length 4 "a header and three metrics"
            Expect.equal l[0] "CrowdHuman evaluation, full-body boxes (fbox): 3 images, 4 persons, 6 detections (5 ranked, 1 on ignore regions)" "header"
            Expect.sequenceEqual l[1..] [ metricLine "crowd/AP50" ap; metricLine "crowd/mMR" mmr; metricLine "crowd/recall" recall ] "official 0.5, 0.25, 0.75"
        }

        test "COCO-style results with --json give the official AP50 and recall to the last bit" {
            let code, out, _ = evaluate [ case "random" "gt.odgt"; case "random" "dets.json"; "--json" ]
            Expect.equal code 0 "exit 0"
            Expect.equal (lines out).Length 1 "one line"
            use doc = JsonDocument.Parse out
            let ap, mmr, recall = official "random"
            Expect.equal (doc.RootElement.GetProperty("crowd/AP50").GetDouble()) ap "AP50"
            Expect.equal (doc.RootElement.GetProperty("crowd/recall").GetDouble()) recall "recall"
            Expect.floatClose { absolute = 0.0; relative = 1e-14 } (doc.RootElement.GetProperty("crowd/mMR").GetDouble()) mmr "mMR (numpy's log/exp may differ in the last bit)"
            Expect.equal (doc.RootElement.GetProperty("positives").GetInt32()) 141 "P"
        }

        test "--visible scores the vboxes, a case the official tool has no mode for" {
            let code, out, _ = evaluate [ case "visible_boxes" "gt.odgt"; case "visible_boxes" "dt.odgt"; "--visible" ]
            Expect.equal code 0 "exit 0"
            Expect.stringStarts (lines out).[0] "CrowdHuman evaluation, visible-body boxes (vbox):" "header"
            let ap, mmr, recall = report "visible_boxes" "official_on_equivalent_input"
            Expect.sequenceEqual (lines out).[1..] [ metricLine "crowd/AP50" ap; metricLine "crowd/mMR" mmr; metricLine "crowd/recall" recall ] "the official numbers on the vboxes written as fboxes"
        }

        test "where the official tool raises, the defined values are printed with a note" {
            let code, out, err = evaluate [ case "crash_no_detections" "gt.odgt"; case "crash_no_detections" "dt.odgt" ]
            Expect.equal code 0 "exit 0"
            Expect.sequenceEqual (lines out).[1..] [ metricLine "crowd/AP50" 0.0; metricLine "crowd/mMR" 1.0; metricLine "crowd/recall" 0.0 ] "AP 0, mMR 1, recall 0"
            let e = lines err
            Expect.equal e.Length 1 "one note"
            Expect.stringStarts e[0] "note: no detection was ranked (0 given, 0 on ignore regions): AP = 0, recall = 0, mMR = 1" "note"
        }

        test "errors are one line naming the file, line and ID, with exit 2" {
            let expectError args (start: string) =
                let code, _, err = evaluate args
                Expect.equal code 2 (sprintf "%A exits 2" args)
                Expect.stringStarts err start (sprintf "%A" args)
                Expect.equal (lines err).Length 1 (sprintf "%A: one line" args)
            let gt = case "numeric_ids" "gt_nosize.odgt"
            let dt = case "numeric_ids" "dt.odgt"
            expectError [ gt; dt ] (sprintf "error: %s: line 1 (ID 1): no width/height to clip its boxes with" gt)
            expectError [ gt; dt; "--images"; case "numeric_ids" "none" ] (sprintf "error: --images %s: not a directory" (case "numeric_ids" "none"))
            expectError [ gt; dt; "--images"; case "caltech_small" "" ] "error: --images "
            expectError [ dt; gt ] (sprintf "error: %s: line 1 (ID 2): missing required field 'gtboxes'" dt)
            expectError [ case "random" "gt.odgt"; case "numeric_ids" "dets.json" ] (sprintf "error: %s: detections[0]: image_id 2 is not an ID of the ground truth" (case "numeric_ids" "dets.json"))
            withFiles [ "bad.odgt", "{\"ID\": \"a\", \"gtboxes\": []}\n{\"ID\": \"b\", \"gtboxes\": [\n" ] (fun dir ->
                let bad = Path.Combine(dir, "bad.odgt")
                expectError [ bad; dt ] (sprintf "error: %s: line 2: corrupt JSON" bad))
        }

        test "bad arguments give the usage line and exit 2; --help the CrowdHuman help" {
            let code, _, err = evaluate [ case "random" "gt.odgt" ]
            Expect.equal code 2 "one file"
            Expect.stringStarts err "error: expected 2 files (GT.odgt DETS), got 1" "count"
            Expect.stringContains err CrowdHumanEvaluateCommand.usageLine "usage line"
            let code, _, err = evaluate [ case "random" "gt.odgt"; case "random" "dt.odgt"; "--box" ]
            Expect.equal code 2 "unknown option"
            Expect.stringStarts err "error: unknown option '--box'" "option"
            let code, out, _ = evaluate [ case "random" "gt.odgt"; "--"; "--help" ]
            Expect.equal code 0 "help"
            Expect.stringStarts out CrowdHumanEvaluateCommand.usageLine "CrowdHuman help"
        }
    ]
