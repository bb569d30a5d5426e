#!/usr/bin/python3
"""Fixture for loading an official DeFCN / cvpods `model_final.pth` as a whole detector (tests/Core.Tests/Modeling/Weights
and the `model.weights` tests of tests/Experiments.Tests).

CI never runs this script; its output is committed. Run with Debian's Python (torch 1.13) and an extraction of cvpods
(only cvpods/solver/lr_scheduler.py is imported; it needs nothing but torch):

    mkdir -p /tmp/cvpods && git --git-dir=/work/.mirror/Megvii-BaseDetection+cvpods/repo archive HEAD \
        | tar -x -C /tmp/cvpods
    /usr/bin/python3 generate_model_final.py /tmp/cvpods

What cvpods writes at the end of training (cvpods/checkpoint/checkpoint.py Checkpointer.save, called by
PeriodicCheckpointer.step as save("model_final", iteration=max_iter - 1), with the runner's checkpointables
optimizer and scheduler, cvpods/engine/runner.py l.136-142):

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "iteration": max_iter - 1}, "model_final.pth")

The model is the narrow official DeFCN of ../head/defcn_r50_narrow.safetensors ("model.*" entries: the official
poto...3dmf.aux network built by generate_defcn_fixture.py, cvpods ResNet-50 FrozenBN at STEM 8 / RES2 8 /
WIDTH_PER_GROUP 2, FPN 32 channels, FCOSHead with 1 conv per tower and 3DMF, K = 3), so the official head outputs
stored there are the reference for the loaded model. The optimizer is cvpods' D2SGDBuilder layout (one group per
trainable parameter: not stem / res2, which FREEZE_AT = 2 freezes, and not the FrozenBN buffers) after one SGD step
with momentum, and the scheduler cvpods' WarmupMultiStepLR (solver/lr_scheduler.py) of the official 3x schedule.

Output: defcn_model_final.pth
"""
import importlib.util
import json
import os
import struct
import sys
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "head", "defcn_r50_narrow.safetensors")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = OrderedDict()
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": torch.float32, "I64": torch.int64}[e["dtype"]]
        b, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:end]), dtype=dtype).reshape(e["shape"]).clone()
    return out


def is_trainable(key):
    bottom_up = key.startswith("backbone.bottom_up.")
    frozen_stage = key.startswith("backbone.bottom_up.stem.") or key.startswith("backbone.bottom_up.res2.")
    return not (bottom_up and (".norm." in key or frozen_stage))


def main():
    cvpods_root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cvpods"
    spec = importlib.util.spec_from_file_location("lr_scheduler", os.path.join(cvpods_root, "cvpods/solver/lr_scheduler.py"))
    lr_scheduler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lr_scheduler)

    fixture = read_safetensors(SOURCE)
    model = OrderedDict((k[len("model."):], v) for k, v in fixture.items() if k.startswith("model."))
    params = [torch.nn.Parameter(v.clone()) for k, v in model.items() if is_trainable(k)]
    groups = [{"params": [p], "lr": 0.01, "weight_decay": 1e-4} for p in params]
    optimizer = torch.optim.SGD(groups, 0.01, momentum=0.9)
    scheduler = lr_scheduler.WarmupMultiStepLR(optimizer, (210000, 250000), gamma=0.1, warmup_factor=0.001,
                                               warmup_iters=1000, warmup_method="linear")
    gen = torch.Generator().manual_seed(5)
    for p in params:
        p.grad = 1e-3 * torch.randn(p.shape, generator=gen)
    optimizer.step()
    scheduler.step()
    data = {"model": model, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "iteration": 269999}
    torch.save(data, os.path.join(HERE, "defcn_model_final.pth"))
    print(len(model), "model tensors,", len(params), "trainable")


if __name__ == "__main__":
    main()
