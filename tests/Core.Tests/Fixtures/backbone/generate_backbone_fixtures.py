#!/usr/bin/python3
"""Parity fixtures for the ResNet + FPN backbone (tests/Core.Tests/Modeling/Backbone).

Builds the OFFICIAL cvpods ResNet/FPN modules (cvpods modeling/backbone/resnet.py, fpn.py,
layers/batch_norm.py, wrappers.py) and records weights, inputs and outputs so the C# port can be
checked without Python. CI never runs this script; its outputs are committed.

How it was run (Debian torch 1.13, no loguru / safetensors / compiled cvpods ops on this machine):

    mkdir -p /tmp/cvpods && git --git-dir=/work/.mirror/Megvii-BaseDetection+cvpods/repo archive HEAD \
        | tar -x -C /tmp/cvpods
    /usr/bin/python3 generate_backbone_fixtures.py /tmp/cvpods

Only the four official source files above (plus backbone.py, shape_spec.py, weight_init.py and
compat_wrapper.py) are executed; every other cvpods import is replaced by an inert stand-in, because
the package __init__ files pull in compiled ops and IO libraries that this Python does not have.

Outputs (all float32, written next to this script):
  r50_fpn_weights.safetensors     narrow R-50 FPN P3-P7 state dict, keys as the official FPN module
  r50_fpn_checkpoint.pth          the same weights as a cvpods-style checkpoint:
                                  {"model": {"backbone.<key>": ...}, "iteration": 7, "optimizer": ...}
  inputs.safetensors              inputs a (2,3,64,96) and b (1,3,160,32) (P5 5x1 -> P6 3x1 -> P7 2x1)
  r50_fpn_io.safetensors          the official outputs {a,b}_p3..p7 and a_res3..a_res5
  r18_fpn_weights.pth             narrow R-18 FPN state dict, raw torch.save of state_dict()
  r18_fpn_io.safetensors          the official outputs a_p3..a_p7
  official_keys.json              {variant: {key: shape}} of full-width official models, plus the
                                  trainable parameter names (requires_grad) of each variant
"""
import importlib.util
import json
import os
import struct
import sys
import types
from types import SimpleNamespace as NS

import torch

CVPODS = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cvpods"
OUT = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# Minimal import scaffolding: stand-ins for packages whose real __init__ cannot run here.
def _package(name, path=None):
    mod = types.ModuleType(name)
    mod.__path__ = [path] if path else []
    sys.modules[name] = mod
    return mod


def _load(name, rel_path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(CVPODS, rel_path))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class _Logger:
    def __getattr__(self, _name):
        return lambda *a, **k: None


loguru = types.ModuleType("loguru")
loguru.logger = _Logger()
sys.modules["loguru"] = loguru

_package("cvpods")
_package("cvpods.utils")
comm = types.ModuleType("cvpods.utils.comm")
comm.get_world_size = lambda: 1
sys.modules["cvpods.utils.comm"] = comm
sys.modules["cvpods.utils"].comm = comm
_load("cvpods.utils.compat_wrapper", "cvpods/utils/compat_wrapper.py")

layers = _package("cvpods.layers")
wrappers = _load("cvpods.layers.wrappers", "cvpods/layers/wrappers.py")
batch_norm = _load("cvpods.layers.batch_norm", "cvpods/layers/batch_norm.py")
shape_spec = _load("cvpods.layers.shape_spec", "cvpods/layers/shape_spec.py")
layers.Conv2d = wrappers.Conv2d
layers.ShapeSpec = shape_spec.ShapeSpec
layers.FrozenBatchNorm2d = batch_norm.FrozenBatchNorm2d
layers.get_norm = batch_norm.get_norm
layers.get_activation = batch_norm.get_activation
layers.DeformConv = layers.ModulatedDeformConv = None  # not used: no deformable stages

_package("cvpods.modeling")
nn_utils = _package("cvpods.modeling.nn_utils")
nn_utils.weight_init = _load("cvpods.modeling.nn_utils.weight_init",
                             "cvpods/modeling/nn_utils/weight_init.py")
_package("cvpods.modeling.backbone", os.path.join(CVPODS, "cvpods/modeling/backbone"))
for stub, fn in [("mobilenet", "build_mobilenetv2_backbone"),
                 ("shufflenet", "build_shufflenetv2_backbone"),
                 ("timm_backbone", "build_timm_backbone")]:
    m = types.ModuleType("cvpods.modeling.backbone." + stub)
    setattr(m, fn, None)
    sys.modules[m.__name__] = m
resnet = _load("cvpods.modeling.backbone.resnet", "cvpods/modeling/backbone/resnet.py")
fpn = _load("cvpods.modeling.backbone.fpn", "cvpods/modeling/backbone/fpn.py")


# ---------------------------------------------------------------------------------------------
def make_cfg(depth=50, norm="FrozenBN", freeze_at=2, stem=64, res2=256, width=64, groups=1,
             fpn_out=256, fpn_norm=""):
    """The values of cvpods base_detection_config.py + fcos_config.py + DeFCN config.py that the
    backbone builders read, with the widths as arguments."""
    return NS(MODEL=NS(
        WEIGHTS="detectron2://ImageNetPretrained/MSRA/R-50.pkl",
        BACKBONE=NS(FREEZE_AT=freeze_at),
        RESNETS=NS(NUM_CLASSES=None, DEPTH=depth, OUT_FEATURES=["res3", "res4", "res5"],
                   NUM_GROUPS=groups, NORM=norm, ACTIVATION=NS(NAME="ReLU", INPLACE=True),
                   ZERO_INIT_RESIDUAL=False, WIDTH_PER_GROUP=width, STRIDE_IN_1X1=True,
                   RES5_DILATION=1, RES2_OUT_CHANNELS=res2, STEM_OUT_CHANNELS=stem,
                   DEEP_STEM=False),
        FPN=NS(IN_FEATURES=["res3", "res4", "res5"], OUT_CHANNELS=fpn_out, NORM=fpn_norm,
               FUSE_TYPE="sum", BLOCK_IN_FEATURES="p5"),
    ))


def official_fpn(cfg):
    return fpn.build_retinanet_resnet_fpn_p5_backbone(cfg, shape_spec.ShapeSpec(channels=3))


def narrow_r18_fpn(stem, fpn_out):
    """cvpods asserts RES2_OUT_CHANNELS == 64 for R-18, so the narrow R-18 is assembled from the
    official BasicStem / make_stage / BasicBlock / ResNet / FPN / LastLevelP6P7 the same way
    build_resnet_backbone does (res2 out = stem out, channels doubling, first stride 1 then 2),
    with every norm FrozenBN."""
    act = NS(NAME="ReLU", INPLACE=True)
    stem_m = resnet.BasicStem(3, stem, norm="FrozenBN", activation=act)
    stages, in_ch, out_ch = [], stem, stem
    for idx in range(4):
        stages.append(resnet.make_stage(resnet.BasicBlock, 2, 1 if idx == 0 else 2,
                                        in_channels=in_ch, out_channels=out_ch,
                                        norm="FrozenBN", activation=act))
        in_ch, out_ch = out_ch, out_ch * 2
    bottom_up = resnet.ResNet(stem_m, stages, out_features=["res3", "res4", "res5"])
    top = fpn.LastLevelP6P7(fpn_out, fpn_out, in_feature="p5")
    return fpn.FPN(bottom_up, ["res3", "res4", "res5"], fpn_out, norm="", top_block=top)


def randomise(model, gen):
    """Non-trivial values everywhere: conv weights keep cvpods' init scale (re-drawn), FrozenBN
    buffers and all biases become random so no term of the formula is an identity."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.5)
            elif name.endswith("running_mean") or name.endswith("bias"):
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1)
            elif name.endswith("norm.weight"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            elif name.endswith("weight"):
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=gen) * (2.0 / fan_in) ** 0.5)


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32)
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def outputs(model, x, prefix, with_res=False):
    with torch.no_grad():
        out = {}
        feats = model(x)
        for k in ["p3", "p4", "p5", "p6", "p7"]:
            out[f"{prefix}_{k}"] = feats[k]
        if with_res:
            for k, v in model.bottom_up(x).items():
                out[f"{prefix}_{k}"] = v
    return out


def key_shapes(model):
    return {
        "keys": {k: list(v.shape) for k, v in model.state_dict().items()},
        "trainable": [k for k, p in model.named_parameters() if p.requires_grad],
    }


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)

    xa = torch.randn(2, 3, 64, 96, generator=gen)
    xb = torch.randn(1, 3, 160, 32, generator=gen)   # P5 5x1 -> P6 3x1 -> P7 2x1 (odd sizes)
    save_safetensors(os.path.join(OUT, "inputs.safetensors"), {"a": xa, "b": xb})

    # Narrow R-50 FPN: stem 8, res2 out 8, width_per_group 2, FPN 16 (DeFCN config otherwise).
    r50 = official_fpn(make_cfg(depth=50, stem=8, res2=8, width=2, fpn_out=16)).eval()
    randomise(r50, gen)
    sd = r50.state_dict()
    save_safetensors(os.path.join(OUT, "r50_fpn_weights.safetensors"), sd)
    opt = torch.optim.SGD(r50.parameters(), lr=0.01, momentum=0.9)
    torch.save({"model": {"backbone." + k: v for k, v in sd.items()}, "iteration": 7,
                "optimizer": opt.state_dict()},
               os.path.join(OUT, "r50_fpn_checkpoint.pth"))
    io = {}
    io.update(outputs(r50, xa, "a", with_res=True))
    io.update(outputs(r50, xb, "b"))
    save_safetensors(os.path.join(OUT, "r50_fpn_io.safetensors"), io)

    # Narrow R-18 FPN: stem = res2 = 4, FPN 8.
    r18 = narrow_r18_fpn(stem=4, fpn_out=8).eval()
    randomise(r18, gen)
    torch.save(r18.state_dict(), os.path.join(OUT, "r18_fpn_weights.pth"))
    io18 = {}
    io18.update(outputs(r18, xa, "a"))
    save_safetensors(os.path.join(OUT, "r18_fpn_io.safetensors"), io18)

    # Full-width official key sets (names, shapes, trainable parameters).
    variants = {
        "r50_frozenbn_freeze2": make_cfg(depth=50),
        "r101_frozenbn_freeze2": make_cfg(depth=101),
        "r18_frozenbn_freeze2": make_cfg(depth=18, res2=64),
        "r50_bn_freeze2": make_cfg(depth=50, norm="BN"),
        "r50_gn_freeze0": make_cfg(depth=50, norm="GN", freeze_at=0),
        "r50_frozenbn_freeze0_fpngn": make_cfg(depth=50, freeze_at=0, fpn_norm="GN"),
    }
    keys = {name: key_shapes(official_fpn(cfg)) for name, cfg in variants.items()}
    with open(os.path.join(OUT, "official_keys.json"), "w") as f:
        json.dump(keys, f, separators=(",", ":"), sort_keys=True)

    for f in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, f)):>9}  {f}")


if __name__ == "__main__":
    main()
