/// `evaluate GT.json DETS.json [--json]`: pycocotools-exact COCO bbox evaluation of a results file (the form of
/// scripts/evaluate.fsx without a config; `Inspect.evaluate` dispatches here). A ground truth ending in .odgt goes to
/// the CrowdHuman evaluation (`CrowdHumanEvaluateCommand`). Output and exit codes are tested.
module Research.Experiments.EvaluateCommand

open System
open System.IO
open Research.Core.Evaluation

/// The help text (--help).
let usage =
    """usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]
       dotnet fsi scripts/evaluate.fsx GT.odgt DETS [--images DIR] [--visible] [--json]   (CrowdHuman: see GT.odgt --help)
       dotnet fsi scripts/evaluate.fsx CONFIG.yaml --checkpoint PATH [key=value ...] [--json]
           (a detector on the config's val set; PATH: our .ckpt, an official DeFCN / cvpods model_final.pth,
            .safetensors or .pth; strict on keys unless model.weights_strict=false)

COCO bbox evaluation with pycocotools' COCOeval semantics.
  GT.json     COCO instances file (images, annotations with bbox [x,y,w,h], area, iscrowd; categories)
  DETS.json   COCO results file: [{"image_id", "category_id", "bbox": [x,y,w,h], "score"}, ...]
  --json      print one JSON object {"stats": [12 numbers], "per_category_ap": {"id": ap}} instead of the table
  -h, --help  show this help (dotnet fsi takes --help for itself: write `evaluate.fsx -- --help`)
Exit code 0 on success, 2 for bad arguments or files."""

/// Runs the command: the 12 stats as a table (or one JSON object with `--json`) on `stdout`, errors and warnings
/// as single lines on `stderr`. Returns 0, or 2 for bad arguments or unreadable/invalid files.
let run (argv: string list) (stdout: TextWriter) (stderr: TextWriter) : int =
    let args = argv |> List.filter (fun a -> a <> "--") // `fsi script.fsx -- --help` may pass the separator on
    let crowdHuman = args |> List.tryFind (fun a -> not (a.StartsWith '-')) |> Option.exists (fun gt -> gt.EndsWith(".odgt", StringComparison.OrdinalIgnoreCase))
    if args |> List.exists (fun a -> a = "-h" || a = "--help") then
        stdout.WriteLine(if crowdHuman then CrowdHumanEvaluateCommand.usage else usage)
        0
    elif crowdHuman then
        CrowdHumanEvaluateCommand.run args stdout stderr
    elif args.IsEmpty then
        stderr.WriteLine usage
        2
    else
        let json = args |> List.contains "--json"
        let unknown = args |> List.tryFind (fun a -> a.StartsWith '-' && a <> "--json")
        let files = args |> List.filter (fun a -> not (a.StartsWith '-'))
        match unknown, files with
        | None, [ gt; dets ] ->
            let result =
                try Ok(CocoEvaluator.EvaluateFiles(gt, dets, warn = Action<string>(fun line -> stderr.WriteLine line)))
                with
                | :? FileNotFoundException as e -> Error e.Message
                | :? InvalidDataException as e -> Error e.Message
            match result with
            | Error message ->
                stderr.WriteLine(sprintf "error: %s" message)
                2
            | Ok result ->
                if result.DetectionsLeftOut > 0 then
                    stderr.WriteLine(sprintf "warning: %s: %d detections have a category_id not in %s and were left out (as pycocotools does)" dets result.DetectionsLeftOut gt)
                if result.AnnotationsLeftOut > 0 then
                    stderr.WriteLine(sprintf "warning: %s: %d annotations name an image or category not listed in the file and were left out (as pycocotools does)" gt result.AnnotationsLeftOut)
                if json then
                    stdout.WriteLine(result.ToJson())
                else
                    stdout.WriteLine(sprintf "COCO bbox evaluation: %d images, %d categories, %d detections evaluated" result.ImageCount result.CategoryIds.Count result.DetectionsEvaluated)
                    stdout.Write(result.ToTable())
                0
        | _ ->
            stderr.WriteLine(
                match unknown with
                | Some option -> sprintf "error: unknown option '%s'" option
                | None -> sprintf "error: expected 2 files (GT.json DETS.json), got %d" files.Length)
            stderr.WriteLine "usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]   (--help for more)"
            2
