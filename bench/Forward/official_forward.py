"""Baseline of bench/Forward: the official DeFCN network (cvpods ResNet-50 FrozenBN + FPN P3-P7 built by
build_retinanet_resnet_fpn_p5_backbone as DeFCN's net.py does, and the FCOSHead of the 3dmf.aux fcos.py,
3DMF k=3 tau=2, K=80) timed on CPU with Debian's torch 1.13.

    /usr/bin/python3 official_forward.py DEFCN_ROOT CVPODS_ROOT N H W THREADS WARMUP RUNS

DEFCN_ROOT / CVPODS_ROOT: local extractions of the official repositories (see README.md). Prints one JSON
line: {"forward": [...seconds], "forward_backward": [...seconds], "params": n}.
    /usr/bin/python3 official_forward.py DEFCN_ROOT CVPODS_ROOT N H W THREADS serve

serve: builds the network, prints "ready", then for every stdin line "forward" / "forward_backward" runs it
once and prints the seconds it took ("quit" ends). Program.cs uses this to interleave the two sides run
by run, so that load from other processes on a shared machine hits both alike.
Input: x[i] = sin(0.001 * i) over the flattened (N, 3, H, W) tensor (the C# side builds the same one).
"""
import json
import os
import sys
import time
import types

import torch

# The import shim of the head fixtures (stand-ins for packages the network never uses), shared, not copied.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/Core.Tests/Fixtures/head"))
import official_import  # noqa: E402


def cfg():
    n = types.SimpleNamespace
    return n(MODEL=n(
        WEIGHTS="",
        BACKBONE=n(FREEZE_AT=2),
        RESNETS=n(DEPTH=50, DEEP_STEM=False, STEM_OUT_CHANNELS=64, ACTIVATION=n(NAME="ReLU", INPLACE=True),
                  NORM="FrozenBN", OUT_FEATURES=["res3", "res4", "res5"], NUM_GROUPS=1, WIDTH_PER_GROUP=64,
                  RES2_OUT_CHANNELS=256, STRIDE_IN_1X1=True, RES5_DILATION=1, NUM_CLASSES=None,
                  ZERO_INIT_RESIDUAL=False, DEFORM_ON_PER_STAGE=[False] * 4, DEFORM_MODULATED=False,
                  DEFORM_NUM_GROUPS=1),
        FPN=n(IN_FEATURES=["res3", "res4", "res5"], OUT_CHANNELS=256, NORM="", FUSE_TYPE="sum",
              BLOCK_IN_FEATURES="p5"),
        FCOS=n(NUM_CLASSES=80, NUM_CONVS=4, PRIOR_PROB=0.01, FPN_STRIDES=[8, 16, 32, 64, 128],
               NORM_REG_TARGETS=True),
        POTO=n(FILTER_KERNEL_SIZE=3, FILTER_TAU=2)),
        build_shift_generator=lambda c, shapes: types.SimpleNamespace(num_cell_shifts=[1] * len(shapes)))


def backbone_builder():
    """cvpods build_retinanet_resnet_fpn_backbone (call after official_import.load_fcos)."""
    import cvpods.modeling.backbone as backbone_pkg  # a bare package object (official_import)
    from cvpods.modeling.backbone.backbone import Backbone
    backbone_pkg.Backbone = Backbone
    from cvpods.modeling.backbone.fpn import build_retinanet_resnet_fpn_backbone
    return build_retinanet_resnet_fpn_backbone


class Network(torch.nn.Module):
    """backbone + head with the official module names (state keys backbone.*, head.*)."""

    def __init__(self, fcos, build_backbone):
        super().__init__()
        c = cfg()
        self.backbone = build_backbone(c, types.SimpleNamespace(channels=3))
        shapes = self.backbone.output_shape()
        self.in_features = ["p3", "p4", "p5", "p6", "p7"]
        self.head = fcos.FCOSHead(c, [shapes[f] for f in self.in_features])

    def forward(self, x):
        features = self.backbone(x)
        return self.head([features[f] for f in self.in_features])


def main():
    defcn_root, cvpods_root = sys.argv[1], sys.argv[2]
    n, h, w, threads = (int(v) for v in sys.argv[3:7])
    serve = sys.argv[7] == "serve"
    warmup, runs = (0, 0) if serve else (int(sys.argv[7]), int(sys.argv[8]))
    torch.set_num_threads(threads)
    fcos = official_import.load_fcos(
        cvpods_root, os.path.join(defcn_root, "playground/detection/coco/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py"))
    torch.manual_seed(0)
    model = Network(fcos, backbone_builder())
    model.train()
    x = torch.sin(torch.arange(n * 3 * h * w, dtype=torch.float32) * 0.001).reshape(n, 3, h, w)

    def forward():
        with torch.no_grad():
            model(x)

    def forward_backward():
        model.zero_grad(set_to_none=True)
        outs = model(x)
        loss = sum(t.sum() for level in outs for t in level)
        loss.backward()

    if serve:
        print(f"ready {sum(p.numel() for p in model.parameters())}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            fn = {"forward": forward, "forward_backward": forward_backward}[command]
            t0 = time.perf_counter()
            fn()
            print(f"{time.perf_counter() - t0:.6f}", flush=True)
        return
    result = {"params": sum(p.numel() for p in model.parameters())}
    for name, fn in (("forward", forward), ("forward_backward", forward_backward)):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        result[name] = times
    print(json.dumps(result))


if __name__ == "__main__":
    main()
