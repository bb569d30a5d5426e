"""Parity fixtures of the paper's hand-designed one-to-one rules from the official DeFCN code: POTO argmax
(poto...3x_ms.argmax), the foreground-loss rule (loss...3x_ms) and the center rule (center...3x_ms).

Run outside the repo exactly as generate_defcn_fixtures.py (same extracted sources, same stand-ins from
official_defcn.py; nothing official is copied here):
    /usr/bin/python3 generate_rule_fixtures.py
(Debian torch 1.13.1, scipy 1.10.1.) The three fcos.py files are imported as is. For each case the script writes
<case>.safetensors (inputs, the official class targets (N, R) and regression targets (N, R, 4), and grad_cls_l,
grad_reg_l: the gradients of the sum of the official loss values w.r.t. the per-level inputs cls_l, reg_l) and
<case>.json (settings, loss values, logged scalars) in the layout of the DeFCN fixtures.

Images with NO GT (argmax_case4, loss_case3, center_case3): the official get_ground_truth of the argmax and center
rules raises on them (max/min over an empty dimension), so for those two rules it runs on the images that have GTs
only and the empty image gets the defined targets (classes all background K, regression 0), stacked in image order;
the official losses then run on the stacked targets. The foreground-loss rule handles an empty image itself
(Hungarian on a 0 x R matrix, all background, regression 0): its official result is used as is. Each such case
says so in its "notes".
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


def make_case(name, module, rule, seed, sizes, strides, gts_per_image, K, alpha=0.8, radius=1.5, bounds=None, notes=None):
    g = torch.Generator().manual_seed(seed)
    N = len(gts_per_image)
    cls, reg = random_head_outputs(g, N, K, sizes, strides)
    shifts_l = [level_shifts(h, w, s) for (h, w), s in zip(sizes, strides)]
    targets, tensors = gt_targets(gts_per_image)
    model = make_model(module, K, strides, alpha, radius, 9)
    STORAGE.scalars.clear()
    MATCHES.clear()
    clone = lambda xs: [x.clone() for x in xs]  # noqa: E731
    empty = [n for n in range(N) if len(targets[n]) == 0]
    # the argmax and center rules raise on an image without GT: run them on the other images, fill the empty ones
    fill = bool(empty) and rule != "loss"
    run = [n for n in range(N) if n not in empty] if fill else list(range(N))
    inputs = (lambda xs: [x[run] for x in xs]) if fill else clone  # noqa: E731
    if bounds is not None:   # the center rule: sizes of interest per level, nearest shift per level; no predictions
        edges = [-1] + list(bounds) + [float("inf")]
        model.object_sizes_of_interest = [[edges[i], edges[i + 1]] for i in range(len(sizes))]
        model.distance_topk = 1
        gt_cls, gt_reg = model.get_ground_truth([list(shifts_l) for _ in run], [targets[n] for n in run])
    else:
        gt_cls, gt_reg = model.get_ground_truth([list(shifts_l) for _ in run], [targets[n] for n in run], inputs(cls), inputs(reg))
    if fill:   # the defined targets of an image without GT, stacked in image order
        R = gt_cls.shape[1]
        rows_cls = [gt_cls[run.index(n)] if n in run else torch.full((R,), K, dtype=gt_cls.dtype) for n in range(N)]
        rows_reg = [gt_reg[run.index(n)] if n in run else torch.zeros(R, 4, dtype=gt_reg.dtype) for n in range(N)]
        gt_cls, gt_reg = torch.stack(rows_cls), torch.stack(rows_reg)
    leaves = lambda xs: [x.clone().requires_grad_(True) for x in xs]  # noqa: E731
    cls_in, reg_in = leaves(cls), leaves(reg)
    losses = model.losses(gt_cls, gt_reg, cls_in, reg_in)
    sum(losses.values()).backward()
    for l in range(len(sizes)):
        tensors[f"cls_{l}"] = cls[l]
        tensors[f"reg_{l}"] = reg[l]
        tensors[f"shifts_{l}"] = shifts_l[l]
    tensors["rule_classes"] = gt_cls
    tensors["rule_reg"] = gt_reg
    for l in range(len(sizes)):
        tensors[f"grad_cls_{l}"] = cls_in[l].grad
        tensors[f"grad_reg_{l}"] = reg_in[l].grad
    write_safetensors(f"{name}.safetensors", tensors)
    meta = {"name": name, "rule": rule, "size_bounds": list(bounds) if bounds is not None else None, "num_classes": K, "strides": strides, "sizes": sizes, "alpha": alpha,
            "center_sampling_radius": radius, "aux_topk": 9, "filter": False, "num_images": N,
            "num_gt": [len(x[1]) for x in gts_per_image],
            "losses": {k: float(v) for k, v in losses.items()},
            "scalars": dict(STORAGE.scalars)}
    if MATCHES:
        meta["matches"] = list(MATCHES)
    if empty:
        meta["empty_images"] = empty
        how = (f"official get_ground_truth raises on 0 GT, so it ran on images {run} only and image(s) {empty} got the "
               f"defined targets (class {K} everywhere, regression 0), stacked in image order; the official losses ran "
               f"on the stacked targets" if fill else
               f"the official get_ground_truth handles them itself (Hungarian on a 0 x R matrix: no match, class {K} "
               f"everywhere, regression 0): targets, matches and losses are the official result as is")
        meta["notes"] = (notes or "") + f" Image(s) {empty} have no GT: {how}. Gradients: of the sum of the official losses."
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


# No-GT cases, one per rule: 3 levels (96 x 136), K = 4, three images: GTs / none / GTs.
def scene_empty():
    g = torch.Generator().manual_seed(108)
    b0 = random_gts(g, 5, 4, 96, 136)
    c0 = [0, 1, 2, 3, 1]
    b0 += [b0[0], b0[1]]; c0 += [0, 3]                        # 5 = copy of 0 (same class), 6 = copy of 1 (other class)
    b0 += [[38.0, 38.0, 41.0, 41.0]]; c0 += [2]               # 7: 3 px box between P3 shifts (36, 44)
    b0 += [[10.0, 10.0, 15.0, 15.0]]; c0 += [1]               # 8: 5 px box around the P3 shift (12, 12)
    b2 = random_gts(g, 4, 4, 96, 136)
    c2 = [3, 2, 1, 0]
    b2 += [b2[2]]; c2 += [1]                                  # 4 = copy of 2 (same class)
    b2 += [[0.5, 0.5, 3.5, 3.5]]; c2 += [2]                   # 5: 3 px box in the corner
    b2 += [[0.0, 0.0, 136.0, 96.0]]; c2 += [0]                # 6: the whole image
    return [(b0, c0), ([], []), (b2, c2)]


NOTES_EMPTY = ("3 levels (96x136), K=4, images GTs / no GT / GTs. Image 0: GT 0-4 random; 5 = copy of 0 (same class), "
               "6 = copy of 1 (other class); 7 = [38,38,41,41] (3 px, between P3 shifts); 8 = [10,10,15,15] (5 px around "
               "the P3 shift (12,12)). Image 1: no GT. Image 2: GT 0-3 random; 4 = copy of 2 (same class); "
               "5 = [0.5,0.5,3.5,3.5] (3 px corner box); 6 = the whole image.")
L3 = ([[12, 17], [6, 9], [3, 5]], [8, 16, 32])
make_case("argmax_case4", fcos_argmax, "poto_argmax", 888, *L3, scene_empty(), K=4, notes=NOTES_EMPTY)
make_case("loss_case3", fcos_loss, "loss", 999, *L3, scene_empty(), K=4, notes=NOTES_EMPTY)
make_case("center_case3", fcos_center, "center", 1111, *L3, scene_empty(), K=4, bounds=[64, 128], notes=NOTES_EMPTY)
