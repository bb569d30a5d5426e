"""Parity fixtures of the paper's hand-designed one-to-one rules from the official DeFCN code: POTO argmax
(poto...3x_ms.argmax) and the foreground-loss rule (loss...3x_ms).

Run outside the repo exactly as generate_defcn_fixtures.py (same extracted sources, same stand-ins from
official_defcn.py; nothing official is copied here):
    /usr/bin/python3 generate_rule_fixtures.py
(Debian torch 1.13.1, scipy 1.10.1.) The two fcos.py files are imported as is. For each case the script writes
<case>.safetensors (inputs, the official class targets (N, R) and regression targets (N, R, 4)) and
<case>.json (settings, loss values, logged scalars) in the layout of the DeFCN fixtures.
"""
import json

import torch

from official_defcn import STORAGE, coco, load_file, make_model, level_shifts, random_head_outputs, gt_targets, write_safetensors, random_gts

torch.set_num_threads(1)
fcos_argmax = load_file("defcn_fcos_argmax", f"{coco}/poto.res50.fpn.coco.800size.3x_ms.argmax/fcos.py")
fcos_loss = load_file("defcn_fcos_loss", f"{coco}/loss.res50.fpn.coco.800size.3x_ms/fcos.py")
fcos_center = load_file("defcn_fcos_center", f"{coco}/center.res50.fpn.coco.800size.3x_ms/fcos.py")
MATCHES = []
_lsa = fcos_loss.linear_sum_assignment


def _recording(cost, maximize=False):
    r, c = _lsa(cost, maximize=maximize)
    MATCHES.append({"gt": r.tolist(), "shift": c.tolist()})
    return r, c


fcos_loss.linear_sum_assignment = _recording


def make_case(name, module, rule, seed, sizes, strides, gts_per_image, K, alpha=0.8, radius=1.5, bounds=None):
    g = torch.Generator().manual_seed(seed)
    N = len(gts_per_image)
    cls, reg = random_head_outputs(g, N, K, sizes, strides)
    shifts_l = [level_shifts(h, w, s) for (h, w), s in zip(sizes, strides)]
    targets, tensors = gt_targets(gts_per_image)
    model = make_model(module, K, strides, alpha, radius, 9)
    STORAGE.scalars.clear()
    MATCHES.clear()
    clone = lambda xs: [x.clone() for x in xs]  # noqa: E731
    if bounds is not None:   # the center rule: sizes of interest per level, nearest shift per level; no predictions
        edges = [-1] + list(bounds) + [float("inf")]
        model.object_sizes_of_interest = [[edges[i], edges[i + 1]] for i in range(len(sizes))]
        model.distance_topk = 1
        gt_cls, gt_reg = model.get_ground_truth([list(shifts_l) for _ in range(N)], targets)
    else:
        gt_cls, gt_reg = model.get_ground_truth([list(shifts_l) for _ in range(N)], targets, clone(cls), clone(reg))
    losses = model.losses(gt_cls, gt_reg, clone(cls), clone(reg))
    for l in range(len(sizes)):
        tensors[f"cls_{l}"] = cls[l]
        tensors[f"reg_{l}"] = reg[l]
        tensors[f"shifts_{l}"] = shifts_l[l]
    tensors["rule_classes"] = gt_cls
    tensors["rule_reg"] = gt_reg
    write_safetensors(f"{name}.safetensors", tensors)
    meta = {"name": name, "rule": rule, "size_bounds": list(bounds) if bounds is not None else None, "num_classes": K, "strides": strides, "sizes": sizes, "alpha": alpha,
            "center_sampling_radius": radius, "aux_topk": 9, "filter": False, "num_images": N,
            "num_gt": [len(x[1]) for x in gts_per_image],
            "losses": {k: float(v) for k, v in losses.items()},
            "scalars": dict(STORAGE.scalars)}
    if MATCHES:
        meta["matches"] = list(MATCHES)
    json.dump(meta, open(f"{name}.json", "w"), indent=1)
    print(name, "R =", sum(h * w for h, w in sizes), "fg", int(((gt_cls >= 0) & (gt_cls != K)).sum()), meta["losses"], meta["scalars"])


# Argmax 1: duplicates (same shift wanted by two GTs: the higher quality wins, the other gets nothing), tiny GTs
# without any candidate (no positive, unlike Hungarian), border boxes; 2 images on 3 levels.
g = torch.Generator().manual_seed(101)
img1 = random_gts(g, 6, 4, 96, 136)
img1_cls = [0, 1, 2, 3, 1, 0]
img1 += [img1[0], img1[1], [0.0, 0.0, 30.0, 20.0], [100.0, 70.0, 136.0, 96.0], [0.5, 0.5, 3.5, 3.5], [40.0, 40.0, 43.0, 42.0]]
img1_cls += [0, 2, 3, 1, 2, 0]
img2 = random_gts(g, 4, 4, 96, 136)
make_case("argmax_case1", fcos_argmax, "poto_argmax", 111, [[12, 17], [6, 9], [3, 5]], [8, 16, 32],
          [(img1, img1_cls), (img2, [3, 3, 1, 2])], K=4)

# Argmax 2: crowded — 30 GTs on 5 levels, many overlapping; alpha 0.5, radius 1.0.
g = torch.Generator().manual_seed(102)
b = random_gts(g, 30, 5, 288, 352)
make_case("argmax_case2", fcos_argmax, "poto_argmax", 222, [[36, 44], [18, 22], [9, 11], [5, 6], [3, 3]], [8, 16, 32, 64, 128],
          [(b, [int(x) for x in torch.randint(0, 5, (30,), generator=g)])], K=5, alpha=0.5, radius=1.0)

# Argmax 3: more GT than shifts (R = 18, 22 GTs) and alpha 0 / radius 0 (inside-box prior).
g = torch.Generator().manual_seed(103)
b = random_gts(g, 22, 3, 24, 24)
make_case("argmax_case3", fcos_argmax, "poto_argmax", 333, [[3, 3], [3, 3]], [8, 16],
          [(b, [int(x) for x in torch.randint(0, 3, (22,), generator=g)])], K=3, alpha=0.0, radius=0.0)

# Foreground-loss 1: the argmax case-1 scene (duplicates, GTs without a candidate: forced onto a 1e8 column).
g = torch.Generator().manual_seed(101)
img1 = random_gts(g, 6, 4, 96, 136)
img1 += [img1[0], img1[1], [0.0, 0.0, 30.0, 20.0], [100.0, 70.0, 136.0, 96.0], [0.5, 0.5, 3.5, 3.5], [40.0, 40.0, 43.0, 42.0]]
img2 = random_gts(g, 4, 4, 96, 136)
make_case("loss_case1", fcos_loss, "loss", 444, [[12, 17], [6, 9], [3, 5]], [8, 16, 32],
          [(img1, [0, 1, 2, 3, 1, 0, 0, 2, 3, 1, 2, 0]), (img2, [3, 3, 1, 2])], K=4)

# Foreground-loss 2: 20 GTs on 5 levels, K = 7, radius 1.0.
g = torch.Generator().manual_seed(105)
b = random_gts(g, 20, 7, 288, 352)
make_case("loss_case2", fcos_loss, "loss", 555, [[36, 44], [18, 22], [9, 11], [5, 6], [3, 3]], [8, 16, 32, 64, 128],
          [(b, [int(x) for x in torch.randint(0, 7, (20,), generator=g)])], K=7, radius=1.0)

# Center 1: 5 levels of 288x352 with the official ranges (bounds 64, 128, 256, 512): boxes whose nearest shifts on
# two adjacent levels both fall in range (2 positives), boxes in no range (0), integer boxes with centres exactly
# between shifts (equidistant ties), tiny boxes whose nearest shift is outside them, duplicates (smaller area wins).
g = torch.Generator().manual_seed(106)
b = random_gts(g, 24, 3, 288, 352)
b += [[100.0, 100.0, 228.0, 228.0], [10.0, 10.0, 138.0, 138.0], [40.0, 40.0, 42.0, 41.0], [8.0, 8.0, 24.0, 24.0],
      [0.0, 0.0, 352.0, 288.0], [60.0, 60.0, 188.0, 188.0], [60.0, 60.0, 188.0, 188.0], [200.0, 40.0, 330.0, 100.0]]
make_case("center_case1", fcos_center, "center", 666, [[36, 44], [18, 22], [9, 11], [5, 6], [3, 3]], [8, 16, 32, 64, 128],
          [(b, [int(x) for x in torch.randint(0, 3, (32,), generator=g)])], K=3, bounds=[64, 128, 256, 512])

# Center 2: the quickstart layout (3 levels, bounds 64, 128), 2 images, one of them crowded (30 GTs: cdist's
# matrix-product path, used by torch above 25 rows).
g = torch.Generator().manual_seed(107)
b1 = random_gts(g, 30, 4, 192, 192)
b2 = random_gts(g, 5, 4, 192, 192)
make_case("center_case2", fcos_center, "center", 777, [[24, 24], [12, 12], [6, 6]], [8, 16, 32],
          [(b1, [int(x) for x in torch.randint(0, 4, (30,), generator=g)]), (b2, [0, 1, 2, 3, 0])], K=4, bounds=[64, 128])
