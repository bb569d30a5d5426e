/// `trace` through the one config loader (a config, or experiments/base.yaml without one), and config keys
/// that reach the model (`model.head.norm`).
module Research.Experiments.Tests.InspectTests

open System
open System.IO
open Expecto
open Research.Core.Modeling.Head
open Research.Experiments
open Research.Experiments.Tests.TestFiles


/// Overrides that make the reference config trace in seconds: a small R-18, a tiny generated set in `dir`.
let private small (dir: string) =
    [ "model.backbone.depth=18"
      "model.backbone.res2_out_channels=64"
      "model.backbone.stride_in_1x1=false"
      "model.fpn.out_channels=64"
      "input.min_size_test=96"
      "input.max_size_test=128"
      "data.synthetic.train_images=2"
      "data.synthetic.val_images=1"
      sprintf "data.synthetic.cache_dir=%s" (Path.Combine(dir, "synthetic")) ]

[<Tests>]
let tests =
    testSequenced
    <| testList "Inspect" [
        test "trace without a config traces experiments/base.yaml with the overrides applied through the config loader" {
            withTempDir "research-inspect-tests" (fun dir ->
                let code, out, err = capturing (fun () -> Inspect.trace (Array.ofList ("model.filter.tau=4" :: small dir)))
                Expect.equal code 0 (sprintf "trace exits 0: %s" err)
                Expect.stringContains out (Path.Combine("experiments", "base.yaml")) "the config traced is base.yaml"
                Expect.stringContains out "DeFCN R-18" "the override of model.backbone.depth reached the model"
                Expect.stringContains out "head.max3d.out.p7" "P3-P7 of the reference, with 3DMF"
                Expect.stringContains out "(1, 3, 96, 96)" "the square val image at input.min_size_test (a multiple of 32)"
                Expect.stringContains out "detections[0]:" "and its detections")
        }

        test "trace refuses bad keys and options the way every command does: one line naming the key, exit 2" {
            let code, _, err = capturing (fun () -> Inspect.trace [| "model.fliter.tau=2" |])
            Expect.equal code 2 "bad key exits 2"
            Expect.stringContains err "model.fliter.tau" "names the key"
            Expect.stringContains err "model.filter" "suggests the right one"
            let code, _, err = capturing (fun () -> Inspect.trace [| "model.filter.norm=true" |])
            Expect.equal code 2 "a bool where the schema has GN | none exits 2"
            Expect.stringContains err "model.filter.norm" "names the key"
            let code, _, err = capturing (fun () -> Inspect.trace [| "--bogus" |])
            Expect.equal code 2 "unknown option exits 2"
            Expect.stringContains err "--bogus" "names the option"
        }

        test "model.head.norm reaches the head: GN builds conv/GN/ReLU blocks, none builds conv/ReLU with the keys nn.Sequential gives" {
            let build overrides =
                let resolved = valueOf (Config.load quickstart overrides)
                Run.buildModel resolved.Config
            use gn = build [ "model.head.num_convs=2" ] :?> Research.Core.Detectors.Defcn
            use none = build [ "model.head.num_convs=2"; "model.head.norm=none" ] :?> Research.Core.Detectors.Defcn
            let keys (m: Research.Core.Detectors.Defcn) = m.state_dict().Keys |> Seq.filter (fun k -> k.StartsWith "head.cls_subnet.") |> List.ofSeq
            Expect.equal gn.Head.Settings.Norm HeadNorm.GroupNorm "GN by default"
            Expect.equal (keys gn) [ "head.cls_subnet.0.weight"; "head.cls_subnet.0.bias"; "head.cls_subnet.1.weight"; "head.cls_subnet.1.bias"
                                     "head.cls_subnet.3.weight"; "head.cls_subnet.3.bias"; "head.cls_subnet.4.weight"; "head.cls_subnet.4.bias" ] "conv 3i, GN 3i+1"
            Expect.equal none.Head.Settings.Norm HeadNorm.None "none reaches the head"
            Expect.equal (keys none) [ "head.cls_subnet.0.weight"; "head.cls_subnet.0.bias"; "head.cls_subnet.2.weight"; "head.cls_subnet.2.bias" ] "conv 2i, no GN"
        }

        test "model.assignment selects the one-to-one rule the detector trains and draws with; an unknown rule names the key and the choices" {
            let build overrides = Run.buildModel (valueOf (Config.load quickstart overrides)).Config
            use poto = build []
            use argmax = build [ "model.assignment=poto_argmax"; "model.poto.alpha=0.6" ] :?> Research.Core.Detectors.Defcn
            Expect.equal poto.AssignmentRule.Name "poto" "Hungarian POTO by default"
            Expect.equal argmax.AssignmentRule.Name "poto_argmax" "argmax when asked"
            Expect.equal argmax.Poto.Alpha 0.6 "with the same POTO constants"
            Expect.equal argmax.Criterion.AuxiliaryRule.Name "aux" "the auxiliary loss is independent of the one-to-one rule"
            use lossRule = build [ "model.assignment=loss" ]
            Expect.equal lossRule.AssignmentRule.Name "loss" "the foreground-loss rule"
            use center = build [ "model.assignment=center" ]
            Expect.equal center.AssignmentRule.Name "center" "the center rule, with the quickstart's P3-P5 bounds"
            let e = errorOf (Config.load quickstart [ "model.assignment=center"; "model.center.size_bounds=[64, 128, 256, 512]" ])
            Expect.stringContains e.Text "model.center.size_bounds has 4 bounds but the FPN has 3 levels" "bounds must fit the levels"
            let e = errorOf (Config.load quickstart [ "model.assignment=center"; "model.center.size_bounds=[128, 64]" ])
            Expect.stringContains e.Text "strictly increasing" "bounds must increase"
            let e = errorOf (Config.load quickstart [ "model.assignment=hungarian" ])
            Expect.stringContains e.Text "model.assignment" "names the key"
            Expect.stringContains e.Text "poto_argmax" "lists the choices"
        }

        test "model.assignment selects the baselines: FCOS and ATSS with centerness and NMS 0.6, wo_ctrness, the anchor rule; bad combinations name the keys" {
            let load overrides = Config.load quickstart overrides
            let build overrides = Run.buildModel (valueOf (load overrides)).Config
            let plain = [ "model.filter.enabled=false"; "model.loss.aux=false" ]
            use fcos = build ("model.assignment=fcos" :: plain) :?> Research.Core.Detectors.Fcos
            Expect.equal fcos.AssignmentRule.Name "fcos" "the FCOS rule"
            Expect.isTrue fcos.Head.HasCenterness "centerness by default (auto)"
            Expect.isNull fcos.Head.MaxFilter "no filter branch"
            Expect.equal fcos.Criterion.RegWeight 1.0 "model.fcos.reg_weight"
            Expect.isTrue (fcos.state_dict().ContainsKey "head.centerness.weight") "the cvpods key of the centerness conv"
            use wo = build ("model.assignment=fcos" :: "model.head.centerness=false" :: plain) :?> Research.Core.Detectors.Fcos
            Expect.isFalse wo.Head.HasCenterness "wo_ctrness"
            Expect.isFalse wo.Criterion.Centerness "no centerness loss"
            use atss = build ("model.assignment=atss" :: "model.atss.topk=4" :: plain) :?> Research.Core.Detectors.Fcos
            Expect.equal atss.AssignmentRule.Name "atss" "the ATSS rule"
            Expect.equal atss.Criterion.RegWeight 2.0 "model.atss.reg_weight"
            use anchor = build [ "model.assignment=anchor"; "model.loss.aux=false" ] :?> Research.Core.Detectors.Defcn
            Expect.equal anchor.AssignmentRule.Name "anchor" "the anchor rule"
            Expect.isTrue anchor.Head.AnchorDeltas "raw anchor deltas"
            Expect.isFalse (anchor.state_dict().Keys |> Seq.exists (fun k -> k.StartsWith "head.scales")) "no per-level Scale, as the official anchor head"
            Expect.equal (List.ofSeq anchor.Criterion.Anchors.Sizes) [ 32.0; 64.0; 128.0 ] "the quickstart's anchor sizes"
            let e = errorOf (load [ "model.assignment=fcos"; "model.loss.aux=false" ])
            Expect.stringContains e.Text "model.filter.enabled = true with model.assignment = fcos" "3DMF on FCOS is refused, naming both keys"
            let e = errorOf (load [ "model.assignment=atss"; "model.filter.enabled=false" ])
            Expect.stringContains e.Text "model.loss.aux = true with model.assignment = atss" "aux on ATSS is refused"
            let e = errorOf (load [ "model.head.centerness=true" ])
            Expect.stringContains e.Text "model.head.centerness = true with model.assignment = poto" "centerness on a rule without it is refused"
            let e = errorOf (load [ "model.assignment=anchor" ])
            Expect.stringContains e.Text "model.loss.aux = true with model.assignment = anchor" "aux on the anchor rule is refused"
            let e = errorOf (load [ "model.assignment=anchor"; "model.loss.aux=false"; "model.anchor.sizes=[32, 64]" ])
            Expect.stringContains e.Text "model.anchor.sizes has 2 sizes but the FPN has 3 levels" "one anchor size per level"
            let e = errorOf (load ("model.assignment=fcos" :: "model.fcos.size_bounds=[64]" :: plain))
            Expect.stringContains e.Text "model.fcos.size_bounds has 1 bounds but the FPN has 3 levels" "FCOS bounds must fit the levels"
            let e = errorOf (load [ "model.head.centerness=maybe" ])
            Expect.stringContains e.Text "model.head.centerness" "names the key"
        }

        test "with no GroupNorm in the head, FPN widths that are not multiples of 32 are accepted; with GN the refusal names the norm keys" {
            let r = Config.load quickstart [ "model.fpn.out_channels=48"; "model.head.norm=none"; "model.filter.norm=none" ]
            Expect.isOk r "48 channels without any GroupNorm"
            let e = errorOf (Config.load quickstart [ "model.fpn.out_channels=48"; "model.head.norm=none" ])
            Expect.stringContains e.Text "model.filter.norm" "the filter's GroupNorm still needs a multiple of 32"
        }
    ]
