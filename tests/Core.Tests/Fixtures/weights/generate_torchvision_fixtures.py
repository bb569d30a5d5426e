#!/usr/bin/python3
"""Fixtures for importing torchvision ResNet state dicts (tests/Core.Tests/Modeling/Weights).

CI never runs this script; its outputs are committed. Run with Debian's Python (torch 1.13, torchvision 0.14):

    /usr/bin/python3 generate_torchvision_fixtures.py

Outputs (next to this script):
  torchvision_resnet_keys.json      {"resnet18" | "resnet34" | "resnet50" | "resnet101": {key: shape}} of the real
                                    full-width torchvision models, in state-dict order (num_batches_tracked: shape [])
  torchvision_resnet18_narrow.pth   torch.save(state_dict()) of a torchvision ResNet-18 at 1/16 of the width
                                    (stem 4, layers 4-8-16-32, fc 32 -> 10 classes): torchvision's own BasicBlock modules,
                                    so the key names are exactly torchvision's; BN statistics randomised,
                                    num_batches_tracked = 1234
  torchvision_resnet50_narrow.pth   the same for ResNet-50 at 1/32 (stem 2, bottleneck widths 2-4-8-16, outputs
                                    8-16-32-64, fc 64 -> 10 classes), torchvision's Bottleneck (stride in the 3x3 conv)
  torchvision_resnet18_narrow_d2.pkl  the narrow ResNet-18 converted by detectron2's
                                    tools/convert-torchvision-to-d2.py logic (numpy arrays, keys stem.conv1.weight,
                                    res2.0.conv1.norm.running_mean, ..., stem.fc.weight; {"model": ..., "__author__":
                                    "torchvision", "matching_heuristics": True}, pickled with Python 3's default protocol)
  torchvision_narrow_io.safetensors "input" (1, 3, 48, 64), and each network's eval-mode outputs of layer2, layer3,
                                    layer4 (= our res3, res4, res5): "r18.res3" ... "r50.res5"
"""
import os
import pickle

import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from fixture_io import save_safetensors

OUT = os.path.dirname(os.path.abspath(__file__))


class NarrowResNet(ResNet):
    """torchvision's ResNet.__init__ with every width divided by `divisor` (torchvision hard-codes 64/128/256/512);
    the blocks and `_make_layer` are torchvision's own, so names and forward are the real ones."""

    def __init__(self, block, layers, divisor, num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        w = 64 // divisor
        self.inplanes = w
        self.dilation = 1
        self.groups = 1
        self.base_width = 64   # Bottleneck width = planes * base_width / 64 = planes
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, w, layers[0])
        self.layer2 = self._make_layer(block, 2 * w, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * w, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * w, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * w * block.expansion, num_classes)


def randomise(model, gen):
    """Weights with O(1) activations and non-trivial BN statistics (ImageNet weights have them too)."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(1234)
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen))
            elif name.endswith("running_mean"):
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith("bias"):
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif t.dim() == 1:   # BN weight
                t.copy_(1 + 0.2 * torch.randn(t.shape, generator=gen))
            else:                # conv / fc weight
                t.copy_(torch.randn(t.shape, generator=gen) / (t[0].numel() ** 0.5))


def features(model, x):
    """layer2..layer4 outputs, through torchvision's own modules (ResNet._forward_impl up to layer4)."""
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    c2 = model.layer1(x)
    c3 = model.layer2(c2)
    c4 = model.layer3(c3)
    return c3, c4, model.layer4(c4)


def to_d2(state_dict):
    """detectron2 tools/convert-torchvision-to-d2.py, verbatim logic."""
    new = {}
    for k, v in state_dict.items():
        old = k
        if "layer" not in k:
            k = "stem." + k
        for t in [1, 2, 3, 4]:
            k = k.replace("layer{}".format(t), "res{}".format(t + 1))
        for t in [1, 2, 3]:
            k = k.replace("bn{}".format(t), "conv{}.norm".format(t))
        k = k.replace("downsample.0", "shortcut")
        k = k.replace("downsample.1", "shortcut.norm")
        new[k] = v.detach().numpy()
        assert old in state_dict
    return {"model": new, "__author__": "torchvision", "matching_heuristics": True}


def main():
    keys = {}
    for name in ["resnet18", "resnet34", "resnet50", "resnet101"]:
        model = getattr(torchvision.models, name)()
        keys[name] = {k: list(v.shape) for k, v in model.state_dict().items()}
    import json
    with open(os.path.join(OUT, "torchvision_resnet_keys.json"), "w") as f:
        json.dump(keys, f, separators=(",", ":"))

    gen = torch.Generator().manual_seed(13)
    x = torch.randn(1, 3, 48, 64, generator=gen)
    io = {"input": x}
    for tag, block, layers, divisor in [("r18", BasicBlock, [2, 2, 2, 2], 16), ("r50", Bottleneck, [3, 4, 6, 3], 32)]:
        model = NarrowResNet(block, layers, divisor)
        randomise(model, gen)
        model.eval()
        full = keys["resnet18" if tag == "r18" else "resnet50"]
        assert list(model.state_dict().keys()) == list(full.keys()), "narrow keys differ from torchvision's"
        torch.save(model.state_dict(), os.path.join(OUT, f"torchvision_{'resnet18' if tag == 'r18' else 'resnet50'}_narrow.pth"))
        with torch.no_grad():
            for level, y in zip(["res3", "res4", "res5"], features(model, x)):
                io[f"{tag}.{level}"] = y
        if tag == "r18":
            with open(os.path.join(OUT, "torchvision_resnet18_narrow_d2.pkl"), "wb") as f:
                pickle.dump(to_d2(model.state_dict()), f)
    save_safetensors(os.path.join(OUT, "torchvision_narrow_io.safetensors"), io)


if __name__ == "__main__":
    main()
