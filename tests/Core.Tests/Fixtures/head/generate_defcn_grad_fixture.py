"""Gradient fixture: the narrow official DeFCN network of generate_defcn_fixture.py (same weights, same image),
in train mode, backward of a fixed linear function of every head output; the gradients of all trainable
parameters (stem and res2 are frozen, FREEZE_AT = 2, as in the official builder).

    /usr/bin/python3 generate_defcn_grad_fixture.py /tmp/defcn /tmp/cvpods     (extractions as in generate_head_fixtures.py)

Writes defcn_r50_narrow_grad.safetensors: "dloss.logits.pN", "dloss.bbox_reg.pN", "dloss.filter.pN" (the
coefficients w: loss = sum over levels and outputs of (output * w).sum(), drawn from N(0, 1) with seed 11),
and "grad.<official key>" for every parameter with requires_grad. Weights and image: defcn_r50_narrow.safetensors.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_defcn_fixture as fixture  # noqa: E402
from generate_head_fixtures import save_safetensors  # noqa: E402


def main():
    _, model, _, image = fixture.build(sys.argv[1], sys.argv[2])
    model.train()
    cls, reg, flt = model(image)
    gen = torch.Generator().manual_seed(11)
    tensors, loss = {}, 0
    for l in range(5):
        for name, out in (("logits", cls[l]), ("bbox_reg", reg[l]), ("filter", flt[l])):
            w = torch.randn(out.shape, generator=gen)
            tensors[f"dloss.{name}.p{l + 3}"] = w
            loss = loss + (out * w).sum()
    loss.backward()
    trainable = 0
    for key, p in model.named_parameters():
        if p.requires_grad:
            tensors[f"grad.{key}"] = p.grad.clone()
            trainable += 1
    save_safetensors(os.path.join(HERE, "defcn_r50_narrow_grad.safetensors"), tensors)
    print(f"loss {float(loss):.6f}, {trainable} trainable parameters")


if __name__ == "__main__":
    main()
