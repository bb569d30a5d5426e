/// `evaluate GT.odgt DETS [--images DIR] [--visible] [--json]`: the official CrowdHuman metrics (AP50, mMR, recall of
/// cvpods' crowdhumantools.py, as DeFCN reports them) of a results file; `EvaluateCommand.run` dispatches here when
/// the ground truth is an .odgt file. Output and exit codes are tested.
module Research.Experiments.CrowdHumanEvaluateCommand

open System
open System.IO
open Research.Core.Data
open Research.Core.Evaluation

/// The usage line.
let usageLine = "usage: dotnet fsi scripts/evaluate.fsx GT.odgt DETS [--images DIR] [--visible] [--json]"

/// The help text.
let usage =
    usageLine + """

CrowdHuman evaluation with the official tool's rules (cvpods crowdhumantools.py, mode 0): AP at IoU 0.5, mMR and recall.
  GT.odgt        CrowdHuman annotation file, one {"ID", "gtboxes": [{"tag", "fbox", "vbox", "extra": {"ignore"}}]} a line
  DETS           COCO-style results [{"image_id": ID, "bbox": [x,y,w,h], "score"}, ...] or a dt .odgt file
                 ({"ID", "dtboxes": [{"box": [x,y,w,h], "score"}]} a line); image_id is the ID (or an integer for numeric IDs)
  --images DIR   image files DIR/ID.jpg (or .jpeg, .png) whose headers give the sizes of records without width/height
                 (the released files have none; boxes are clipped to the image)
  --visible      score against the visible-body boxes (vbox) instead of the full-body boxes (fbox, the official mode)
  --json         print one JSON object (the three metrics, positives, images, detections, ranked, notes) instead
Prints crowd/AP50, crowd/mMR and crowd/recall (fractions; lower mMR is better). Exit code 0, or 2 for bad arguments or files."""

/// The upright (width, height) of the image of an ID in `dir`, from its file header.
let imageSize (dir: string) (id: string) : Nullable<struct (int * int)> =
    match CrowdHumanDataset.FindImage(dir, id) with
    | null -> raise (DatasetException(sprintf "--images %s: no image file for ID %s (looked for %s.jpg, .jpeg, .png)" dir id id))
    | path -> Nullable(ImageDecoder.ReadUprightSize path)

type private Options = { Files: string list; Images: string option; Visible: bool; Json: bool }

let rec private parse (options: Options) (args: string list) : Result<Options, string> =
    match args with
    | [] -> Ok { options with Files = List.rev options.Files }
    | "--images" :: dir :: rest when not (dir.StartsWith "--") -> parse { options with Images = Some dir } rest
    | "--images" :: _ -> Error "--images needs a directory"
    | "--visible" :: rest -> parse { options with Visible = true } rest
    | "--json" :: rest -> parse { options with Json = true } rest
    | option :: _ when option.StartsWith '-' -> Error(sprintf "unknown option '%s'" option)
    | file :: rest -> parse { options with Files = file :: options.Files } rest

/// Runs the command: the three metrics on `stdout` (one line each), notes and errors as single lines on `stderr`.
/// Returns 0, or 2 for bad arguments or unreadable/invalid files.
let run (argv: string list) (stdout: TextWriter) (stderr: TextWriter) : int =
    let fail (message: string) =
        stderr.WriteLine(sprintf "error: %s" message)
        2
    match parse { Files = []; Images = None; Visible = false; Json = false } argv with
    | Error message ->
        stderr.WriteLine(sprintf "error: %s" message)
        stderr.WriteLine(usageLine + "   (--help for more)")
        2
    | Ok { Files = files } when files.Length <> 2 ->
        stderr.WriteLine(sprintf "error: expected 2 files (GT.odgt DETS), got %d" files.Length)
        stderr.WriteLine(usageLine + "   (--help for more)")
        2
    | Ok { Images = Some dir } when not (Directory.Exists dir) -> fail (sprintf "--images %s: not a directory" dir)
    | Ok options ->
        let gt, dets = options.Files[0], options.Files[1]
        let mode = if options.Visible then CrowdHumanBoxMode.Visible else CrowdHumanBoxMode.FullBody
        let sizes = options.Images |> Option.map (fun dir -> Func<string, Nullable<struct (int * int)>>(imageSize dir)) |> Option.toObj
        let result =
            try Ok(CrowdHumanEvaluator.EvaluateFiles(gt, dets, mode, sizes))
            with
            | :? FileNotFoundException as e -> Error e.Message
            | :? InvalidDataException as e -> Error e.Message
            | :? DatasetException as e -> Error e.Message
        match result with
        | Error message -> fail message
        | Ok result ->
            for note in result.Notes do
                stderr.WriteLine(sprintf "note: %s" note)
            if options.Json then
                stdout.WriteLine(result.ToJson())
            else
                let boxes = if options.Visible then "visible-body boxes (vbox)" else "full-body boxes (fbox)"
                stdout.WriteLine(
                    sprintf "CrowdHuman evaluation, %s: %d images, %d persons, %d detections (%d ranked, %d on ignore regions)"
                        boxes result.ImageCount result.Positives result.DetectionCount result.Ranked.Count result.DroppedOnIgnore)
                let metrics = result.ToMetrics()
                for key in [ "crowd/AP50"; "crowd/mMR"; "crowd/recall" ] do
                    stdout.WriteLine(sprintf "%-13s %.4f" key metrics[key])
            0
