/// Every kind of bad config a user can write, each with the message it must produce (file, line, key,
/// value, hint). Files are small deltas on the shipped quickstart.
module Research.Experiments.Tests.BadConfigTests

open System.IO
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

type private Case =
    { Name: string
      /// Files of the case; the first one is loaded.
      Files: (string * string) list
      Overrides: string list
      /// Substrings the error text must contain (`{dir}` stands for the case's folder).
      Expected: string list }

let private onQuickstart name (yaml: string) expected =
    { Name = name; Files = [ "bad.yaml", baseQuickstart + yaml ]; Overrides = []; Expected = expected }

let private overriding name overrides expected =
    { Name = name; Files = [ "ok.yaml", baseQuickstart ]; Overrides = overrides; Expected = expected }

/// The line of base.yaml that sets model.poto.alpha (messages name it; found, not hard-coded, so edits of
/// base.yaml elsewhere do not break the test).
let private alphaLine =
    (File.ReadAllLines(experiment "base.yaml") |> Array.findIndex (fun l -> l.TrimStart().StartsWith "alpha:")) + 1

let private cases : Case list =
    [ onQuickstart "unknown top-level key" "epocs: 3\n" [ "bad.yaml:2: unknown key 'epocs'" ]
      onQuickstart "unknown nested key with did-you-mean" "model:\n  poto:\n    alpah: 0.5\n"
          [ "bad.yaml:4: unknown key 'model.poto.alpah'; did you mean 'model.poto.alpha'?" ]
      onQuickstart "key in the wrong section" "model:\n  alpha: 0.5\n" [ "bad.yaml:3: unknown key 'model.alpha'; did you mean 'model.poto.alpha'?" ]
      onQuickstart "abbreviated key" "solver:\n  lr: 0.1\n" [ "bad.yaml:3: unknown key 'solver.lr'; did you mean 'solver.base_lr'?" ]
      onQuickstart "unknown key without a close match" "zzzzzz: 1\n" [ "bad.yaml:2: unknown key 'zzzzzz'" ]
      overriding "override of an unknown key" [ "model.poto.alpah=0.6" ]
          [ "override 'model.poto.alpah=0.6': unknown key 'model.poto.alpah'; did you mean 'model.poto.alpha'?" ]
      overriding "override of a valid key that is not in the config" [ "~eval.vis_images"; "eval.vis_images=3" ]
          [ "override 'eval.vis_images=3': key 'eval.vis_images' is not in the config"; "to add it, write +eval.vis_images=3" ]
      overriding "adding a key that is already set" [ "+model.poto.alpha=0.5" ]
          [ "override '+model.poto.alpha=0.5': 'model.poto.alpha' is already set to 0.8 (set at"; sprintf "base.yaml:%d)" alphaLine ]
      overriding "deleting a missing key" [ "~model.poto.beta" ] [ "override '~model.poto.beta': unknown key 'model.poto.beta'" ]
      overriding "deleting with a value that does not match" [ "~model.poto.alpha=0.5" ] [ "'model.poto.alpha' is 0.8 (set at"; "not 0.5" ]
      onQuickstart "alpha above 1" "model:\n  poto:\n    alpha: 1.5\n" [ "bad.yaml:4: model.poto.alpha = 1.5 must be in [0, 1]" ]
      overriding "negative alpha from the command line" [ "model.poto.alpha=-0.1" ]
          [ "override 'model.poto.alpha=-0.1': model.poto.alpha = -0.1 must be in [0, 1]" ]
      onQuickstart "odd tau" "model:\n  filter:\n    tau: 1\n"
          [ "bad.yaml:4: model.filter.tau = 1 must be an even integer >= 0 (odd tau fails in the official code" ]
      overriding "fractional tau" [ "model.filter.tau=2.5" ] [ "model.filter.tau must be an integer, got '2.5'" ]
      overriding "even kernel" [ "model.filter.kernel_size=4" ] [ "model.filter.kernel_size = 4 must be an odd integer >= 1" ]
      overriding "zero kernel" [ "model.filter.kernel_size=0" ] [ "model.filter.kernel_size = 0 must be an odd integer >= 1" ]
      overriding "zero learning rate" [ "solver.base_lr=0" ] [ "solver.base_lr = 0 must be > 0" ]
      onQuickstart "quoted number" "solver:\n  base_lr: \"0.01\"\n"
          [ "bad.yaml:3: solver.base_lr must be a number, got the quoted string \"0.01\" (remove the quotes)" ]
      overriding "negative batch size" [ "solver.batch_size=-2" ] [ "solver.batch_size = -2 must be > 0" ]
      overriding "too small synthetic images" [ "data.synthetic.image_size=16" ] [ "data.synthetic.image_size = 16 must be >= 32" ]
      overriding "unknown device" [ "device=tpu" ] [ "device must be one of auto, cpu, cuda, got 'tpu'" ]
      onQuickstart "yes is not a boolean" "input:\n  flip: yes\n" [ "bad.yaml:3: input.flip must be true or false, got 'yes'" ]
      overriding "pixel mean of the wrong length" [ "input.pixel_mean=[1,2]" ] [ "input.pixel_mean = [1, 2] must have exactly 3 values" ]
      overriding "zero pixel std" [ "input.pixel_std=[64,0,64]" ] [ "input.pixel_std[1] = 0 must be > 0" ]
      onQuickstart "scalar where a list is needed" "input:\n  min_size_train: 192\n"
          [ "bad.yaml:3: input.min_size_train must be a list like [1, 2], got 192" ]
      onQuickstart "scalar where a section is needed" "model: 5\n" [ "bad.yaml:2: model must be a mapping of keys, got 5" ]
      onQuickstart "duplicate key" "seed: 1\nseed: 2\n" [ "bad.yaml:3: duplicate key 'seed'"; "it is already set at"; "bad.yaml:2" ]
      onQuickstart "tab indentation" "model:\n\tnum_classes: 4\n" [ "bad.yaml:3: tab character in a config file"; "use spaces" ]
      onQuickstart "anchor and alias" "a: &x [1, 2]\nb: *x\n" [ "bad.yaml:2: YAML anchor '&x' is not allowed in config files"; "billions" ]
      { Name = "billion-laughs alias bomb"
        Files = [ "bomb.yaml", "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" ]
        Overrides = []
        Expected = [ "bomb.yaml:1: YAML anchor '&a' is not allowed" ] }
      { Name = "alias without anchor on the same line"; Files = [ "alias.yaml", "x: 1\ny: *undefined\n" ]; Overrides = []; Expected = [ "alias.yaml:2:" ] }
      { Name = "deeply nested values"; Files = [ "deep.yaml", "a: " + String.replicate 100000 "[" + String.replicate 100000 "]" + "\n" ]; Overrides = []; Expected = [ "deep.yaml:1: values nested deeper than 32 levels" ] }
      { Name = "huge file"; Files = [ "huge.yaml", "a: 1\n" + String.replicate 300000 "# pad\n" ]; Overrides = []; Expected = [ "huge.yaml: the config file is 1800005 bytes, more than 1048576" ] }
      { Name = "empty file"; Files = [ "empty.yaml", "" ]; Overrides = []; Expected = [ "empty.yaml: the config file is empty" ] }
      { Name = "comments only"; Files = [ "comments.yaml", "# nothing here\n# at all\n" ]; Overrides = []; Expected = [ "comments.yaml: the config file is empty" ] }
      { Name = "top level is a list"; Files = [ "list.yaml", "- a\n- b\n" ]; Overrides = []; Expected = [ "list.yaml:1: the top level of a config file must be a mapping of keys" ] }
      { Name = "two documents"; Files = [ "two.yaml", "a: 1\n---\nb: 2\n" ]; Overrides = []; Expected = [ "two.yaml:2: a config file must hold exactly one YAML document" ] }
      { Name = "broken YAML"; Files = [ "broken.yaml", "model: [1, 2\nseed: 3\n" ]; Overrides = []; Expected = [ "broken.yaml:"; "invalid YAML" ] }
      { Name = "missing base"; Files = [ "child.yaml", "_base_: nope.yaml\n" ]; Overrides = []; Expected = [ "child.yaml:1: _base_ file 'nope.yaml' not found"; "looked for {dir}" ] }
      { Name = "cycle of bases"
        Files = [ "a.yaml", "_base_: b.yaml\nseed: 1\n"; "b.yaml", "_base_: a.yaml\nseed: 2\n" ]
        Overrides = []
        Expected = [ "b.yaml:1: _base_ cycle: a.yaml -> b.yaml -> a.yaml" ] }
      { Name = "base is not a file name"; Files = [ "c.yaml", "_base_: {a: 1}\n" ]; Overrides = []; Expected = [ "c.yaml:1: _base_ must be a file name or a list of file names" ] }
      { Name = "config file not found"; Files = [ "x.yaml", "a: 1\n" ]; Overrides = []; Expected = [ "missing.yaml: config file not found" ] }
      onQuickstart "coco images folder missing" "data:\n  train: {kind: coco, images: missing/dir, annotations: ann.json}\n"
          [ "data.train.images = 'missing/dir': directory not found"; "looked at" ]
      onQuickstart "misspelt data kind" "data:\n  train: {kind: cocoo}\n" [ "bad.yaml:3: data.train.kind must be one of synthetic, coco, crowdhuman, synthetic_crowd, synthetic_sequences, sequences, got 'cocoo'" ]
      onQuickstart "coco without annotations" "data:\n  train:\n    _delete_: true\n    kind: coco\n    images: .\n"
          [ "missing key 'data.train.annotations'"; "+data.train.annotations=VALUE" ]
      onQuickstart "crowdhuman images folder missing" "data:\n  val: {kind: crowdhuman, images: no/Images, annotations: ann.odgt}\n"
          [ "bad.yaml:3: data.val.images = 'no/Images': directory not found"; "looked at {dir}" ]
      onQuickstart "crowdhuman annotation file missing" "data:\n  val: {kind: crowdhuman, images: ., annotations: no.odgt}\n"
          [ "data.val.annotations = 'no.odgt': file not found" ]
      overriding "crowdhuman box that does not exist" [ "data.train={kind: crowdhuman, images: ., annotations: a.odgt, box: torso}" ]
          [ "data.train.box must be one of full, visible, head, got 'torso'" ]
      overriding "crowdhuman without annotations" [ "data.train={kind: crowdhuman, images: .}" ] [ "missing key 'data.train.annotations'" ]
      overriding "crowdhuman error policy misspelt" [ "data.train={kind: crowdhuman, images: ., annotations: a.odgt, on_error: ignore}" ]
          [ "data.train.on_error must be one of fail, skip, got 'ignore'" ]
      overriding "a key of another kind on synthetic_crowd" [ "data.train={kind: synthetic_crowd, box: full}" ]
          [ "unknown key 'data.train.box' for data.train.kind = synthetic_crowd"; "only kind crowdhuman takes 'box'; did you mean 'data.synthetic_crowd.box'?" ]
      overriding "a path key on a generated kind" [ "data.val={kind: synthetic_crowd, images: ., annotations: a.odgt}" ]
          [ "unknown key 'data.val.images' for data.val.kind = synthetic_crowd"; "only kinds coco, crowdhuman take 'images'" ]
      overriding "data kind in the wrong case" [ "data.train={kind: CrowdHuman, images: ., annotations: a.odgt}" ]
          [ "data.train.kind must be one of synthetic, coco, crowdhuman, synthetic_crowd, synthetic_sequences, sequences, got 'CrowdHuman'; did you mean 'crowdhuman'?" ]
      overriding "data split given as a bare kind" [ "data.train=crowdhuman" ] [ "data.train must be a mapping, got crowdhuman" ]
      overriding "crowd ignore-region count negative" [ "data.synthetic_crowd.max_ignore_regions=-1" ]
          [ "data.synthetic_crowd.max_ignore_regions = -1 must be >= 0" ]
      overriding "crowd image size not a number" [ "data.synthetic_crowd.image_size=big" ] [ "data.synthetic_crowd.image_size must be an integer, got 'big'" ]
      overriding "ignore regions given as a boolean" [ "input.ignore_regions=true" ] [ "input.ignore_regions must be one of background, ignore, got 'true'" ]
      overriding "assignment rule in the wrong case" [ "model.assignment=Fcos" ]
          [ "model.assignment must be one of poto, poto_argmax, loss, center, anchor, fcos, atss, got 'Fcos'; did you mean 'fcos'?" ]
      overriding "assignment rule given as a list" [ "model.assignment=[fcos, atss]" ] [ "model.assignment must be one of poto"; "got a list" ]
      overriding "centerness yes" [ "model.head.centerness=yes" ] [ "model.head.centerness must be one of auto, true, false, got 'yes'" ]
      overriding "centerness null" [ "model.head.centerness=null" ] [ "model.head.centerness must be one of auto, true, false, got null" ]
      overriding "FCOS negative center sampling radius" [ "model.fcos.center_sampling_radius=-1" ] [ "model.fcos.center_sampling_radius = -1 must be >= 0" ]
      overriding "FCOS size bound of zero" [ "model.fcos.size_bounds=[0, 64]" ] [ "model.fcos.size_bounds[0] = 0 must be > 0" ]
      overriding "FCOS size bounds as a scalar" [ "model.fcos.size_bounds=64" ] [ "model.fcos.size_bounds must be a list like [1, 2], got 64" ]
      overriding "FCOS size bounds out of order" [ "model.assignment=fcos"; "model.filter.enabled=false"; "model.loss.aux=false"; "model.fcos.size_bounds=[128, 64]" ]
          [ "model.fcos.size_bounds = [128, 64] must be strictly increasing" ]
      overriding "FCOS regression weight not a number" [ "model.fcos.reg_weight=heavy" ] [ "model.fcos.reg_weight must be a number, got 'heavy'" ]
      overriding "ATSS top-k of zero" [ "model.atss.topk=0" ] [ "model.atss.topk = 0 must be > 0" ]
      overriding "ATSS fractional top-k" [ "model.atss.topk=2.5" ] [ "model.atss.topk must be an integer, got '2.5'" ]
      overriding "ATSS anchor scale zero" [ "model.atss.anchor_scale=0" ] [ "model.atss.anchor_scale = 0 must be > 0" ]
      overriding "ATSS negative regression weight" [ "model.atss.reg_weight=-0.5" ] [ "model.atss.reg_weight = -0.5 must be >= 0" ]
      overriding "no anchor sizes" [ "model.anchor.sizes=[]" ] [ "model.anchor.sizes = [] must not be empty" ]
      overriding "negative anchor size" [ "model.anchor.sizes=[32, -64, 128]" ] [ "model.anchor.sizes[1] = -64 must be > 0" ]
      overriding "anchor sizes that are words" [ "model.anchor.sizes=[small, medium, large]" ] [ "model.anchor.sizes[0] must be a number, got 'small'" ]
      overriding "ftp tracking URI" [ "tracking.uri=ftp://host/x" ]
          [ "override 'tracking.uri=ftp://host/x': tracking.uri = 'ftp://host/x': the ftp: scheme is not supported"
            "accepted: a local folder (./mlruns, /abs/mlruns), a file: URI (file:///abs/mlruns) or an http(s):// tracking server" ]
      overriding "s3 tracking URI" [ "tracking.uri=s3://bucket" ] [ "tracking.uri = 's3://bucket': the s3: scheme is not supported"; "accepted:" ]
      overriding "databricks tracking URI" [ "tracking.uri=databricks" ]
          [ "tracking.uri = 'databricks': MLflow reads 'databricks' as a Databricks workspace"; "write ./databricks"; "accepted:" ]
      overriding "mlflow-artifacts tracking URI" [ "tracking.uri=mlflow-artifacts:/x" ] [ "tracking.uri = 'mlflow-artifacts:/x': the mlflow-artifacts: scheme is not supported" ]
      onQuickstart "tracking URI in the file" "tracking:\n  uri: sqlite:///mlflow.db\n"
          [ "bad.yaml:3: tracking.uri = 'sqlite:///mlflow.db': the sqlite: scheme is not supported" ]
      overriding "ignore regions mode misspelt" [ "input.ignore_regions=drop" ] [ "input.ignore_regions must be one of background, ignore, got 'drop'" ]
      overriding "crowd spacing range reversed" [ "data.synthetic_crowd.max_spacing=0.05" ]
          [ "data.synthetic_crowd.max_spacing = 0.05 is below min_spacing = 0.1" ]
      overriding "crowd people range reversed" [ "data.synthetic_crowd.max_people=4" ] [ "data.synthetic_crowd.max_people = 4 is below min_people = 8" ]
      overriding "crowd heights reversed" [ "data.synthetic_crowd.max_height=0.05" ] [ "data.synthetic_crowd.max_height = 0.05 is below min_height = 0.0833" ]
      overriding "crowd figures too small" [ "data.synthetic_crowd.min_height=0.03" ]
          [ "data.synthetic_crowd.min_height = 0.03 gives 5.8 px at image_size 192"; "at least 8 px" ]
      overriding "crowd aspect out of range" [ "data.synthetic_crowd.aspect=1.5" ] [ "data.synthetic_crowd.aspect = 1.5 must be in [0.2, 1]" ]
      overriding "crowd box misspelt" [ "data.synthetic_crowd.box=body" ] [ "data.synthetic_crowd.box must be one of full, visible, head, got 'body'" ]
      overriding "crowd preset in a tracking task" [ "task=tracking"; "model.num_classes=1"; "data.train={kind: synthetic_crowd}"; "data.val={kind: synthetic_sequences}" ]
          [ "task = tracking needs data.train of kind synthetic_sequences or sequences" ]
      { Name = "a required key missing"; Files = [ "min.yaml", "name: x\n" ]; Overrides = []; Expected = [ "min.yaml:1: missing key 'seed'" ] }
      overriding "lr step beyond the schedule" [ "solver.lr_schedule=step"; "solver.steps=[100,5000]" ] [ "solver.steps has 5000, not below max_iter = 2400" ]
      overriding "steps out of order" [ "solver.lr_schedule=step"; "solver.steps=[900,300]" ] [ "solver.steps = [900, 300] must be strictly increasing" ]
      overriding "warm-up longer than training" [ "solver.warmup_iters=5000" ] [ "solver.warmup_iters = 5000 is above max_iter = 2400" ]
      overriding "fewer model classes than data classes" [ "model.num_classes=2" ] [ "model.num_classes = 2 is below data.synthetic.num_classes = 4" ]
      overriding "FPN width not divisible by GN groups" [ "model.fpn.out_channels=48" ] [ "model.fpn.out_channels = 48 is not divisible by the 32 GroupNorm groups" ]
      overriding "several values outside a sweep" [ "model.poto.alpha=0.2,0.8" ] [ "several values for 'model.poto.alpha' (a multirun sweep)"; "scripts/sweep.fsx" ]
      overriding "override without a value" [ "model.poto.alpha" ] [ "override 'model.poto.alpha': missing '=value'" ]
      overriding "override with a malformed key" [ "model..alpha=1" ] [ "'model..alpha' is not a dotted key" ]
      overriding "unclosed quote" [ "name='abc" ] [ "override 'name='abc': unclosed ' quote" ]
      overriding "deeply nested override" [ "input.min_size_train=" + String.replicate 100000 "[" ] [ "values nested deeper than 32 levels" ]
      overriding "unclosed list" [ "input.min_size_train=[1,2" ] [ "expected ',' or ']'" ]
      overriding "tracking task on detection data" [ "task=tracking"; "model.num_classes=1" ]
          [ "task = tracking needs data.train of kind synthetic_sequences or sequences"; "{kind: synthetic_sequences}" ]
      overriding "tracking sequences in a detection task" [ "data.val={kind: synthetic_sequences}" ]
          [ "data.val is a tracking source but task = detection"; "set task: tracking" ]
      overriding "tracking with more than one class"
          [ "task=tracking"; "data.train={kind: synthetic_sequences}"; "data.val={kind: synthetic_sequences}" ]
          [ "model.num_classes = 4, but tracking trains one class (the target)"; "model.num_classes=1" ]
      overriding "sequence folder that does not exist"
          [ "task=tracking"; "model.num_classes=1"; "data.train={kind: synthetic_sequences}"; "data.val={kind: sequences, dir: no/such/sequences}" ]
          [ "data.val.dir = 'no/such/sequences': directory not found"; "looked at {dir}" ]
      overriding "sequences without a folder" [ "task=tracking"; "model.num_classes=1"; "data.train={kind: sequences}" ]
          [ "missing key 'data.train.dir'" ]
      overriding "unknown task" [ "task=segmentation" ] [ "task"; "segmentation"; "detection"; "tracking" ]
      overriding "synthetic target too large for its frame"
          [ "task=tracking"; "model.num_classes=1"; "data.train={kind: synthetic_sequences}"; "data.val={kind: synthetic_sequences}"
            "data.synthetic_sequences.max_target_size=120" ]
          [ "data.synthetic_sequences.max_target_size = 120 at its largest scale"; "320x240" ]
      overriding "tracker crop below 32 px" [ "tracker.crop_size=16" ] [ "tracker.crop_size"; "16" ]
      { Name = "sweep file given to run"; Files = [ "s.yaml", baseQuickstart + "sweep:\n  model.poto.alpha: [0.2]\n" ]; Overrides = []; Expected = [ "s.yaml:2: this is a sweep file"; "scripts/sweep.fsx" ] }
      onQuickstart "_delete_ that is not a boolean" "model:\n  poto:\n    _delete_: maybe\n" [ "bad.yaml:4: _delete_ must be true or false, got 'maybe'" ]
      overriding "NMS threshold 0" [ "model.test.nms_thresh=0" ] [ "model.test.nms_thresh = 0 must be in (0, 1] (1.0 means no NMS)" ]
      overriding "compare NMS with NMS already on" [ "model.test.nms_thresh=0.5" ] [ "eval.compare_nms_thresh is set but model.test.nms_thresh already applies NMS" ]
      overriding "missing weights file" [ "model.backbone.weights=nothing/here.pth" ] [ "model.backbone.weights = 'nothing/here.pth': file not found" ]
      overriding "missing detector weights file" [ "model.weights=nothing/model_final.pth" ] [ "model.weights = 'nothing/model_final.pth': file not found" ]
      overriding "weights_strict that is not a boolean" [ "model.backbone.weights_strict=sometimes" ]
          [ "model.backbone.weights_strict must be true or false, got 'sometimes'" ]
      overriding "model weights_strict that is not a boolean" [ "model.weights_strict=1" ] [ "model.weights_strict must be true or false, got '1'" ]
      overriding "both detector and backbone weights" [ sprintf "model.weights=%s" (experiment "base.yaml"); sprintf "model.backbone.weights=%s" (experiment "base.yaml") ]
          [ "model.weights and model.backbone.weights are both set"; "keep one" ]
      overriding "evaluation-only run without weights" [ "solver.max_iter=0" ]
          [ "solver.max_iter = 0 evaluates the model without training it, but model.weights is not set"; "set model.weights" ]
      overriding "negative max_iter" [ "solver.max_iter=-1" ] [ "solver.max_iter" ]
      overriding "unsupported depth" [ "model.backbone.depth=42" ] [ "model.backbone.depth = 42 must be one of 18, 34, 50, 101, 152" ]
      overriding "FPN top level out of range" [ "model.fpn.top_level=8" ] [ "model.fpn.top_level = 8 must be 5 (P3-P5), 6 (P3-P6) or 7 (P3-P7)" ]
      overriding "null where a number is needed" [ "solver.gamma=null" ] [ "solver.gamma must be a number, got null" ]
      overriding "adding a key the schema does not know" [ "+model.poto.beta=1" ] [ "override '+model.poto.beta=1': unknown key 'model.poto.beta'" ]
      overriding "integer too large" [ "solver.max_iter=99999999999" ] [ "solver.max_iter = 99999999999 is too large for an integer setting" ]
      overriding "infinite learning rate" [ "solver.base_lr=.inf" ] [ "solver.base_lr must be a finite number, got '.inf'" ]
      onQuickstart "enum in the wrong case" "model:\n  backbone:\n    norm: frozenbn\n"
          [ "bad.yaml:4: model.backbone.norm must be one of FrozenBN, BN, GN, none, got 'frozenbn'; did you mean 'FrozenBN'?" ]
      overriding "override through a scalar" [ "model.poto.alpha.x=1" ] [ "a parent of this key is not a mapping" ] ]

[<Tests>]
let tests =
    testList
        "BadConfig"
        [ yield!
              cases
              |> List.map (fun case ->
              test case.Name {
                  withFiles case.Files (fun dir ->
                      let main = Path.Combine(dir, fst case.Files.Head)
                      // "config file not found" loads a name that was never written.
                      let path = if case.Name = "config file not found" then Path.Combine(dir, "missing.yaml") else main
                      let error = errorOf (Config.loadIn dir path case.Overrides)
                      let text = error.Text
                      Expect.isLessThanOrEqual (text.Split('\n').Length) 2 "one or two lines"
                      for expected in case.Expected do
                          Expect.stringContains text (expected.Replace("{dir}", dir)) "message")
              })
          test "there are at least 30 bad-config cases" { Expect.isGreaterThanOrEqual cases.Length 30 "count" }
          test "credentials of a refused tracking URI in a file are not printed" {
              withFiles [ "creds.yaml", baseQuickstart + "tracking:\n  uri: ftp://me:secret@host/x\n" ] (fun dir ->
                  let text = (errorOf (Config.loadIn dir (Path.Combine(dir, "creds.yaml")) [])).Text
                  Expect.stringContains text "creds.yaml:3: tracking.uri = 'ftp://host/x': the ftp: scheme is not supported" "the URI without its user:password"
                  Expect.isFalse (text.Contains "secret") "no password in the message")
          }
          test "tracking.uri takes local folders (relative, absolute, Windows), file: and http(s):// URIs" {
              for uri in [ "mlruns"; "./mlruns"; "/abs/path"; @"C:\mlruns"; "file:///tmp/mlruns"; "http://localhost:5000"; "https://mlflow.example/x" ] do
                  let c = valueOf (Config.load quickstart [ sprintf "tracking.uri='%s'" uri ])
                  Expect.equal c.Config.Tracking.Uri uri (sprintf "%s is accepted" uri)
          }
          test "a tracking URI refused at run time (MLFLOW_TRACKING_URI, or a store opened directly) exits 2 in one or two lines" {
              let code = Run.guarded (fun () -> use _ = new Research.Core.Mlflow.MlflowTracker("s3://bucket") in 0)
              Expect.equal code ConfigError.ExitCode "an ArgumentException is the user's to fix: exit 2"
              use out = new StringWriter()
              use err = new StringWriter()
              let code = Compare.mainWith out err [| "--uri"; "ftp://host/x" |]
              Expect.equal code 2 "compare --uri ftp://... exits 2"
              Expect.stringContains (err.ToString()) "error: tracking URI = 'ftp://host/x': the ftp: scheme is not supported" "names the URI"
              Expect.isLessThanOrEqual ((err.ToString()).TrimEnd().Split('\n').Length) 2 "one or two lines"
          } ]
