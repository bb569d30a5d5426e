#!/usr/bin/python3
"""Fixture for importing the MSRA / Detectron (Caffe2) ImageNet ResNet-50 `.pkl` files (R-50.pkl of the detectron2 and
cvpods model zoos) into the backbone (tests/Core.Tests/Modeling/Weights).

CI never runs this script; its outputs are committed. Run with Debian's Python (numpy, torch 1.13):

    /usr/bin/python3 generate_c2_fixture.py

The real R-50.pkl is a Python 2 cPickle (protocol 2) of a plain dict {blob name: float32 numpy array}, written by
Detectron's ResNet builder: `conv1_w`; the stem's AffineChannel `res_conv1_bn_{s,b}`; per block
`res{2..5}_{i}_branch2{a,b,c}_w` with AffineChannel `..._bn_{s,b}`, the projection `res{s}_0_branch1_w` /
`_branch1_bn_{s,b}`; the classifier `fc1000_{w,b}`. The batch-norm statistics are folded into the AffineChannel
scale and bias (there are no `_bn_rm` / `_bn_riv` blobs), and the stride of a stage sits in the first 1x1 conv
(branch2a and branch1), the layout cvpods' STRIDE_IN_1X1 = True builds.

Outputs (next to this script):
  c2_r50_narrow.pkl      that dict for a ResNet-50 at 1/32 of the width (stem 2, bottleneck 2-4-8-16, outputs
                         8-16-32-64; fc1000 with 10 classes), random weights, pickled as Python 2 did
                         (fixture_io.Python2Pickler: byte strings, numpy.core.multiarray._reconstruct)
  c2_r50_narrow_io.safetensors  "input" (1, 3, 48, 64), the outputs "res3", "res4", "res5" of an independent
                         functional forward of the Caffe2 network (conv -> x * s + b affine -> relu ...), and
                         copies of two blobs ("blob.res_conv1_bn_s", "blob.res4_1_branch2b_w") to check the reader
  numpy_cases.pkl        the numpy encodings a reader meets, pickled by Python 3 at protocol 2 (array bytes as
                         _codecs.encode(str, 'latin1')) in a Detectron detection-model layout {"blobs": {...}, "cfg": str}:
                         f64_fortran (2x3 float64, Fortran order, 0..5 row-major values), big_endian_f4 ([0.5, -1.25,
                         3.0], '>f4'), i8 ([[1, -2], [3, 40000000000]]), u1 ([0, 255, 7]), bool ([True, False]),
                         f16 ([1.5, -2.0]), scalar_f4 (numpy.float32 2.5, a numpy scalar), zero_d_i8 (0-d int64 1234),
                         and w_momentum (a Caffe2 solver blob, to be dropped)
"""
import os
import pickle

import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import Python2Pickler, save_safetensors

OUT = os.path.dirname(os.path.abspath(__file__))
BLOCKS = [3, 4, 6, 3]
DIVISOR = 32


def build(gen):
    w = 64 // DIVISOR
    blobs = {}

    def conv(name, cout, cin, k):
        blobs[name + "_w"] = torch.randn(cout, cin, k, k, generator=gen) / (cin * k * k) ** 0.5

    def affine(name, c):
        blobs[name + "_s"] = 1 + 0.2 * torch.randn(c, generator=gen)
        blobs[name + "_b"] = 0.1 * torch.randn(c, generator=gen)

    conv("conv1", w, 3, 7)
    affine("res_conv1_bn", w)
    cin = w
    for s, n in zip(range(2, 6), BLOCKS):
        width, cout = w << (s - 2), (4 * w) << (s - 2)
        for i in range(n):
            p = f"res{s}_{i}"
            if i == 0:
                conv(p + "_branch1", cout, cin, 1)
                affine(p + "_branch1_bn", cout)
            conv(p + "_branch2a", width, cin if i == 0 else cout, 1)
            affine(p + "_branch2a_bn", width)
            conv(p + "_branch2b", width, width, 3)
            affine(p + "_branch2b_bn", width)
            conv(p + "_branch2c", cout, width, 1)
            affine(p + "_branch2c_bn", cout)
        cin = cout
    blobs["fc1000_w"] = torch.randn(10, cin, generator=gen) / cin ** 0.5
    blobs["fc1000_b"] = 0.1 * torch.randn(10, generator=gen)
    return blobs


def forward(blobs, x):
    """The Caffe2 ResNet-50 (MSRA layout: stride in the first 1x1), written out functionally."""
    def aff(y, name):
        return y * blobs[name + "_s"].view(1, -1, 1, 1) + blobs[name + "_b"].view(1, -1, 1, 1)

    y = F.relu(aff(F.conv2d(x, blobs["conv1_w"], stride=2, padding=3), "res_conv1_bn"))
    y = F.max_pool2d(y, 3, stride=2, padding=1)
    outs = {}
    for s, n in zip(range(2, 6), BLOCKS):
        for i in range(n):
            p = f"res{s}_{i}"
            stride = 2 if (i == 0 and s > 2) else 1
            shortcut = aff(F.conv2d(y, blobs[p + "_branch1_w"], stride=stride), p + "_branch1_bn") if i == 0 else y
            z = F.relu(aff(F.conv2d(y, blobs[p + "_branch2a_w"], stride=stride), p + "_branch2a_bn"))
            z = F.relu(aff(F.conv2d(z, blobs[p + "_branch2b_w"], padding=1), p + "_branch2b_bn"))
            z = aff(F.conv2d(z, blobs[p + "_branch2c_w"]), p + "_branch2c_bn")
            y = F.relu(z + shortcut)
        outs[f"res{s}"] = y
    return outs


def main():
    gen = torch.Generator().manual_seed(21)
    blobs = build(gen)
    x = torch.randn(1, 3, 48, 64, generator=gen)
    with torch.no_grad():
        outs = forward(blobs, x)
    with open(os.path.join(OUT, "c2_r50_narrow.pkl"), "wb") as f:
        Python2Pickler(f).dump({k: v.numpy().astype(np.float32) for k, v in blobs.items()})
    io = {"input": x, "res3": outs["res3"], "res4": outs["res4"], "res5": outs["res5"],
          "blob.res_conv1_bn_s": blobs["res_conv1_bn_s"], "blob.res4_1_branch2b_w": blobs["res4_1_branch2b_w"]}
    save_safetensors(os.path.join(OUT, "c2_r50_narrow_io.safetensors"), io)
    print(len(blobs), "blobs")

    cases = {
        "f64_fortran": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
        "big_endian_f4": np.array([0.5, -1.25, 3.0], dtype=">f4"),
        "i8": np.array([[1, -2], [3, 40000000000]], dtype=np.int64),
        "u1": np.array([0, 255, 7], dtype=np.uint8),
        "bool": np.array([True, False]),
        "f16": np.array([1.5, -2.0], dtype=np.float16),
        "scalar_f4": np.float32(2.5),
        "zero_d_i8": np.array(1234, dtype=np.int64),
        "w_momentum": np.zeros(3, dtype=np.float32),
    }
    assert cases["f64_fortran"].flags.f_contiguous and not cases["f64_fortran"].flags.c_contiguous
    with open(os.path.join(OUT, "numpy_cases.pkl"), "wb") as f:
        pickle.dump({"blobs": cases, "cfg": "MODEL:\n  TYPE: retinanet"}, f, protocol=2)


if __name__ == "__main__":
    main()
