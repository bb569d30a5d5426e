"""Parity fixtures from the official DeFCN code: POTO targets, aux targets and the three losses.

How it was run (outside the repo; nothing official is copied here):
    mkdir -p /tmp/defcn /tmp/cvpods
    git --git-dir=/work/.mirror/Megvii-BaseDetection+DeFCN/repo archive HEAD | tar -x -C /tmp/defcn
    git --git-dir=/work/.mirror/Megvii-BaseDetection+cvpods/repo archive HEAD | tar -x -C /tmp/cvpods
    /usr/bin/python3 generate_defcn_fixtures.py      (official sources loaded by official_defcn.py)
(Debian torch 1.13.1, scipy 1.10.1.) The official fcos.py of the target folder
(poto...3x_ms.3dmf.aux) and of the filter-free folder (poto...3x_ms) is imported as is; cvpods modules
whose imports fail without the compiled package are replaced by bare packages, and the few cvpods
helpers they need are taken from the cvpods sources by name (ast) or are inert stand-ins (logging,
event storage, NMS, ImageList). For each case the script writes <case>.safetensors (inputs and target
tensors) and <case>.json (settings, matches, loss values).
"""
import json

import torch

from official_defcn import STORAGE, MATCHES, fcos_aux, fcos_plain, make_model, level_shifts, random_head_outputs, gt_targets, write_safetensors, random_gts  # noqa: E402
import numpy as np  # noqa: E402,F401

torch.set_num_threads(1)


def make_case(name, seed, sizes, strides, img, gts_per_image, K, alpha=0.8, radius=1.5, topk=9, filter_on=True):
    g = torch.Generator().manual_seed(seed)
    N = len(gts_per_image)
    cls, reg = random_head_outputs(g, N, K, sizes, strides)
    fil = [torch.randn(N, 1, h, w, generator=g) - 1.0 for (h, w) in sizes]
    shifts_l = [level_shifts(h, w, s) for (h, w), s in zip(sizes, strides)]
    targets, tensors = gt_targets(gts_per_image)
    shifts = [list(shifts_l) for _ in range(N)]
    module = fcos_aux if filter_on else fcos_plain
    model = make_model(module, K, strides, alpha, radius, topk)
    MATCHES.clear()
    STORAGE.scalars.clear()
    clone = lambda xs: [x.clone() for x in xs]  # noqa: E731
    if filter_on:
        gt_cls, gt_reg = model.get_ground_truth(shifts, targets, clone(cls), clone(reg), clone(fil))
        losses = model.losses(gt_cls, gt_reg, clone(cls), clone(reg), clone(fil))
        aux_cls = model.get_aux_ground_truth(shifts, targets, clone(cls), clone(reg))
        losses.update(model.aux_losses(aux_cls, clone(cls)))
    else:
        gt_cls, gt_reg = model.get_ground_truth(shifts, targets, clone(cls), clone(reg))
        losses = model.losses(gt_cls, gt_reg, clone(cls), clone(reg))
        aux_cls = None
    for l in range(len(sizes)):
        tensors[f"cls_{l}"] = cls[l]
        tensors[f"reg_{l}"] = reg[l]
        tensors[f"filter_{l}"] = fil[l]
        tensors[f"shifts_{l}"] = shifts_l[l]
    tensors["poto_classes"] = gt_cls
    tensors["poto_reg"] = gt_reg
    if aux_cls is not None:
        tensors["aux_classes"] = aux_cls
    write_safetensors(f"{name}.safetensors", tensors)
    meta = {"name": name, "num_classes": K, "strides": strides, "sizes": sizes, "alpha": alpha,
            "center_sampling_radius": radius, "aux_topk": topk, "filter": filter_on, "num_images": N,
            "num_gt": [len(x[1]) for x in gts_per_image],
            "matches": [{"gt": r, "shift": c} for r, c in MATCHES],
            "losses": {k: float(v) for k, v in losses.items()},
            "scalars": dict(STORAGE.scalars)}
    json.dump(meta, open(f"{name}.json", "w"), indent=1)
    print(name, "R =", sum(h * w for h, w in sizes), "losses", meta["losses"], meta["scalars"])


# Case 1: 3 levels of a 96x136 input, K=4, GTs: duplicates (same class and different class),
# overlapping, tiny (no candidate), border-touching; 2 images.
g = torch.Generator().manual_seed(1)
img1 = random_gts(g, 6, 4, 96, 136)
img1_cls = [0, 1, 2, 3, 1, 0]
img1 += [img1[0], img1[1], [0.0, 0.0, 30.0, 20.0], [100.0, 70.0, 136.0, 96.0], [0.5, 0.5, 3.5, 3.5], [40.0, 40.0, 43.0, 42.0]]
img1_cls += [0, 2, 3, 1, 2, 0]
img2 = random_gts(g, 4, 4, 96, 136)
make_case("defcn_case1", 11, [[12, 17], [6, 9], [3, 5]], [8, 16, 32], (96, 136),
          [(img1, img1_cls), (img2, [3, 3, 1, 2])], K=4)

# Case 2: 5 levels of a 288x352 input (P7 3x3), K=5, 3 images with 8, 15, 1 GTs.
g = torch.Generator().manual_seed(2)
gts = []
for m, seed in ((8, 0), (15, 1), (1, 2)):
    b = random_gts(g, m, 5, 288, 352)
    gts.append((b, [int(x) for x in torch.randint(0, 5, (m,), generator=g)]))
gts[1][0][3] = list(gts[1][0][2]); gts[1][1][3] = gts[1][1][2]          # exact duplicate
gts[1][0][5] = [0.0, 0.0, 352.0, 288.0]                                 # whole image
make_case("defcn_case2", 22, [[36, 44], [18, 22], [9, 11], [5, 6], [3, 3]], [8, 16, 32, 64, 128], (288, 352), gts, K=5)

# Case 3: more GT than shifts (M > R): two 3x3 levels (R = 18), 22 GTs; alpha 0.5, radius 1.0.
g = torch.Generator().manual_seed(3)
b = random_gts(g, 22, 3, 24, 24)
make_case("defcn_case3", 33, [[3, 3], [3, 3]], [8, 16], (24, 24),
          [(b, [int(x) for x in torch.randint(0, 3, (22,), generator=g)]), (b[:3], [0, 1, 2])], K=3, alpha=0.5, radius=1.0)

# Case 4: the filter-free folder (poto...3x_ms): p = sigmoid(cls), focal loss on logits, no aux.
g = torch.Generator().manual_seed(4)
b = random_gts(g, 7, 3, 64, 80)
make_case("defcn_case4_nofilter", 44, [[8, 10], [4, 5], [2, 3]], [8, 16, 32], (64, 80),
          [(b, [int(x) for x in torch.randint(0, 3, (7,), generator=g)])], K=3, filter_on=False)

# Case 5: alpha 0 and radius 0 (inside-box prior) on 2 levels.
g = torch.Generator().manual_seed(5)
b = random_gts(g, 5, 3, 64, 80)
make_case("defcn_case5_alpha0", 55, [[8, 10], [4, 5]], [8, 16], (64, 80),
          [(b, [int(x) for x in torch.randint(0, 3, (5,), generator=g)])], K=3, alpha=0.0, radius=0.0)
