"""Parity fixtures of the baseline detectors DeFCN compares against, produced by the official code:
* "fcos":            cvpods FCOS with centerness (cvpods/modeling/meta_arch/fcos.py, as the DeFCN folder
                     fcos.res50.fpn.coco.800size.3x_ms runs it);
* "fcos_wo_ctrness": DeFCN playground/detection/coco/fcos.res50.fpn.coco.800size.3x_ms.wo_ctrness/fcos.py;
* "atss":            DeFCN playground/detection/crowdhuman/atss.res50.fpn.crowdhuman.800size.30k/atss.py;
* "anchor":          DeFCN playground/detection/coco/anchor.res50.fpn.coco.800size.3x_ms/fcos.py (one-to-one
                     top-1 IoU anchor; anchors from cvpods' DefaultAnchorGenerator).

Run from this directory, with the sources extracted as described in official_defcn.py:
    cd tests/Core.Tests/Fixtures/assignment && /usr/bin/python3 generate_baseline_fixtures.py
(Debian torch 1.13, torchvision 0.14.) The official files are imported as is; the stand-ins are those of
official_defcn.py plus official_baselines.py (cvpods' own generalized_batched_nms over torchvision, the official
anchor generator). Nothing official is copied here. Deterministic (fixed seeds, one thread).

For each case <rule>_case<i> it writes
  <case>.safetensors: per level l: cls_l (N,K,H,W) logits (random_head_outputs' logits plus a per-case offset),
    reg_l (N,4,H,W) (ltrb distances in pixels, relu(N(3, 0.6)) * stride, for fcos/atss/wo_ctrness, so that
    neighbouring boxes overlap and NMS removes some; raw (dx,dy,dw,dh) deltas N(0, 0.3) for anchor),
    ctr_l (N,1,H,W) centerness logits N(0, 1.5) (fcos, atss),
    shifts_l (H*W,2), anchors_l (H*W,4) (anchor); per image n: gt_boxes_n (M,4) xyxy, gt_classes_n (M,);
    the official targets rule_classes (N,R) int64, rule_reg (N,R,4), rule_ctr (N,R) (fcos, atss), R = sum H*W,
    levels concatenated P3 first, row-major within a level; grad_cls_l, grad_reg_l (, grad_ctr_l): gradients
    of the sum of the official loss values w.r.t. the inputs; and per image the official
    inference_single_image output det_boxes_n (D,4), det_scores_n (D,), det_classes_n (D,) in the resized
    frame (before detector_postprocess).
  <case>.json: settings, loss values, logged scalars, foreground count, positives per GT, detection counts.

Images with NO GT: the official get_ground_truth of all four rules raises on them (min/max over an empty
dimension). The script calls it on the images that have GTs only and inserts, for an empty image, the defined
behaviour: classes all background (K), regression targets 0, centerness targets 0, stacked in image order; the
official losses are then computed on the stacked targets (they take the target tensors). Inference does not
depend on GTs and is official as is for every image.
"""
import json
import warnings

import torch

warnings.filterwarnings("ignore", message="torch.meshgrid")
from official_defcn import level_shifts, random_head_outputs, gt_targets, write_safetensors, random_gts, STORAGE  # noqa: E402
import official_baselines as ob  # noqa: E402

torch.set_num_threads(1)
INF = float("inf")
OSI5 = [[-1, 64], [64, 128], [128, 256], [256, 512], [512, INF]]
OSI3 = [[-1, 64], [64, 128], [128, INF]]
L3 = ([[12, 17], [6, 9], [3, 5]], [8, 16, 32])                               # 96 x 136
L5 = ([[36, 44], [18, 22], [9, 11], [5, 6], [3, 3]], [8, 16, 32, 64, 128])  # 288 x 352
SCORE_THRESH, TOPK, NMS_THRESH, MAX_DET = 0.05, 1000, 0.6, 100


def json_num(x):
    return "inf" if x == INF else x


def make_case(name, rule, seed, sizes, strides, gts_per_image, K, cls_offset, notes, osi=None, radius=1.5,
              anchor_sizes=None, anchor_scale=8, atss_topk=9, iou_topk=1):
    g = torch.Generator().manual_seed(seed)
    N = len(gts_per_image)
    L = len(sizes)
    img_sizes = [[sizes[0][0] * strides[0], sizes[0][1] * strides[0]] for _ in range(N)]   # P3 size x stride
    cls, reg = random_head_outputs(g, N, K, sizes, strides)
    cls = [c + cls_offset for c in cls]
    if rule == "anchor":   # raw (dx, dy, dw, dh)
        reg = [torch.randn(N, 4, h, w, generator=g) * 0.3 for h, w in sizes]
    else:                  # ltrb ~ 3 strides: neighbouring same-class boxes overlap at IoU > 0.6, so NMS has work
        reg = [torch.relu(torch.randn(N, 4, h, w, generator=g) * 0.6 + 3.0) * s for (h, w), s in zip(sizes, strides)]
    has_ctr = rule in ("fcos", "atss")
    ctr = [torch.randn(N, 1, h, w, generator=g) * 1.5 for h, w in sizes] if has_ctr else None
    shifts_l = [level_shifts(h, w, s) for (h, w), s in zip(sizes, strides)]
    _, tensors = gt_targets(gts_per_image)
    targets = [ob.Target(tensors[f"gt_boxes_{n}"], tensors[f"gt_classes_{n}"]) for n in range(N)]
    nonempty = [n for n in range(N) if len(targets[n]) > 0]
    empty = [n for n in range(N) if len(targets[n]) == 0]

    if rule == "fcos":
        model = ob.make_fcos(ob.fcos_cvpods, K, strides, osi, radius)
    elif rule == "fcos_wo_ctrness":
        model = ob.make_fcos(ob.fcos_wo_ctrness, K, strides, osi, radius)
    elif rule == "atss":
        model = ob.make_atss(K, strides, anchor_scale=anchor_scale, atss_topk=atss_topk)
    else:
        model = ob.make_anchor(K, strides, iou_topk=iou_topk)
    anchors = ob.anchors_for(sizes, strides, anchor_sizes, N) if rule == "anchor" else None

    STORAGE.scalars.clear()
    ob.MATCHED.clear()
    # official targets on the images with GTs
    if rule == "anchor":
        out = model.get_ground_truth([anchors[n] for n in nonempty], [targets[n] for n in nonempty])
    else:
        out = model.get_ground_truth([list(shifts_l) for _ in nonempty], [targets[n] for n in nonempty])
    out = list(out)
    matched = list(ob.MATCHED)
    assert len(matched) == len(nonempty)
    R = sum(h * w for h, w in sizes)
    # defined behaviour for images without GT, stacked in image order
    full = []
    for t, fill in zip(out, [K, 0.0, 0.0]):
        rows, j = [], 0
        for n in range(N):
            if n in nonempty:
                rows.append(t[j])
                j += 1
            else:
                rows.append(torch.full_like(t[0], fill))
        full.append(torch.stack(rows))
    gt_cls, gt_reg = full[0], full[1]
    gt_ctr = full[2] if has_ctr else None

    leaves = lambda xs: [x.clone().requires_grad_(True) for x in xs]  # noqa: E731
    cls_in, reg_in = leaves(cls), leaves(reg)
    ctr_in = leaves(ctr) if has_ctr else None
    if rule in ("fcos", "atss"):
        losses = model.losses(gt_cls, gt_reg, gt_ctr, cls_in, reg_in, ctr_in)
    elif rule == "fcos_wo_ctrness":
        losses = model.losses(gt_cls, gt_reg, cls_in, reg_in)
    else:
        losses = model.losses(gt_cls, gt_reg, cls_in, reg_in, anchors)
    sum(losses.values()).backward()

    for l in range(L):
        tensors[f"cls_{l}"] = cls[l]
        tensors[f"reg_{l}"] = reg[l]
        if has_ctr:
            tensors[f"ctr_{l}"] = ctr[l]
        tensors[f"shifts_{l}"] = shifts_l[l]
        if rule == "anchor":
            tensors[f"anchors_{l}"] = anchors[0][l].tensor
    tensors["rule_classes"] = gt_cls
    tensors["rule_reg"] = gt_reg
    if has_ctr:
        tensors["rule_ctr"] = gt_ctr
    for l in range(L):
        tensors[f"grad_cls_{l}"] = cls_in[l].grad
        tensors[f"grad_reg_{l}"] = reg_in[l].grad
        if has_ctr:
            tensors[f"grad_ctr_{l}"] = ctr_in[l].grad

    # official per-image inference, once uncapped (for the counts) and once as configured
    flat = lambda xs, k: [ob.permute_to_N_HWA_K(x, k) for x in xs]  # noqa: E731
    cls_f, reg_f = flat(cls, K), flat(reg, 4)
    ctr_f = flat(ctr, 1) if has_ctr else None
    num_cand, num_nms, num_det = [], [], []
    for n in range(N):
        def run():
            c = [x[n].clone() for x in cls_f]
            r = [x[n].clone() for x in reg_f]
            if rule in ("fcos", "atss"):
                return model.inference_single_image(c, r, [x[n].clone() for x in ctr_f], shifts_l, tuple(img_sizes[n]))
            if rule == "fcos_wo_ctrness":
                return model.inference_single_image(c, r, shifts_l, tuple(img_sizes[n]))
            return model.inference_single_image(c, r, anchors[n], tuple(img_sizes[n]))
        ob.NMS_CALLS.clear()
        model.max_detections_per_image = 10 ** 9
        full_res = run()
        if rule == "anchor":
            num_cand.append(int(full_res.scores.numel()))
            num_nms.append(int(full_res.scores.numel()))
        else:
            assert len(ob.NMS_CALLS) == 1
            num_cand.append(ob.NMS_CALLS[0][0])
            num_nms.append(ob.NMS_CALLS[0][1])
        model.max_detections_per_image = MAX_DET
        res = run()
        num_det.append(int(res.scores.numel()))
        tensors[f"det_boxes_{n}"] = res.pred_boxes.tensor
        tensors[f"det_scores_{n}"] = res.scores
        tensors[f"det_classes_{n}"] = res.pred_classes

    write_safetensors(f"{name}.safetensors", tensors)
    fg = (gt_cls >= 0) & (gt_cls != K)
    pos_per_gt = []
    j = 0
    for n in range(N):
        M = len(targets[n])
        if M == 0:
            pos_per_gt.append([])
            continue
        idx = matched[j]
        j += 1
        pos_per_gt.append(torch.bincount(idx[fg[n]], minlength=M).tolist())

    meta = {"name": name, "rule": rule, "num_classes": K, "strides": list(strides), "sizes": sizes,
            "num_images": N, "num_gt": [len(x[1]) for x in gts_per_image], "image_sizes": img_sizes}
    if rule in ("fcos", "fcos_wo_ctrness"):
        meta["center_sampling_radius"] = radius
        meta["object_sizes_of_interest"] = [[json_num(a), json_num(b)] for a, b in osi]
    elif rule == "atss":
        meta.update(anchor_scale=model.anchor_scale, atss_topk=model.atss_topk, reg_weight=model.reg_weight)
    else:
        meta.update(anchor_sizes=list(anchor_sizes), reg_weight=model.reg_weight, iou_topk=model.iou_topk)
    meta["inference"] = {"score_thresh": SCORE_THRESH, "topk_candidates": TOPK,
                         "nms_thresh": 1.0 if rule == "anchor" else NMS_THRESH,
                         "nms_type": None if rule == "anchor" else "normal",
                         "detections_per_image": MAX_DET}
    meta["losses"] = {k: float(v) for k, v in losses.items()}
    meta["scalars"] = dict(STORAGE.scalars)
    meta["num_foreground"] = int(fg.sum())
    meta["positives_per_gt"] = pos_per_gt
    meta["empty_images"] = empty
    meta["num_candidates"] = num_cand
    meta["num_after_nms"] = num_nms
    meta["num_detections"] = num_det
    meta["notes"] = notes + (f" Image(s) {empty} have no GT: official get_ground_truth raises on 0 GT, so it ran on the "
                             f"other images and the empty image got the defined targets (class {K} everywhere, "
                             f"regression and centerness 0); the official losses ran on the stacked targets; "
                             f"inference is official for all images." if empty else "")
    json.dump(meta, open(f"{name}.json", "w"), indent=1)
    print(f"{name}: R={R} fg={meta['num_foreground']} losses={meta['losses']} scalars={meta['scalars']}")
    print(f"   positives per GT: {pos_per_gt}")
    print(f"   candidates {num_cand} -> after NMS {num_nms} -> stored {num_det}")
    return meta, matched


# ---------------------------------------------------------------------------------------------------------
# Scene A: 3 levels (96 x 136), K = 4, two images, the second WITHOUT GT.
def scene_a():
    g = torch.Generator().manual_seed(2001)
    b = random_gts(g, 5, 4, 96, 136)
    c = [0, 1, 2, 3, 1]
    b += [b[0], b[1]]; c += [0, 3]                            # 5: duplicate of 0 (same class), 6: of 1 (other class)
    b += [[38.0, 38.0, 41.0, 41.0]]; c += [2]                 # 7: 3 px between P3 shifts (36, 44): no shift inside
    b += [[10.0, 10.0, 15.0, 15.0]]; c += [1]                 # 8: 5 px (< stride), contains the P3 shift (12, 12)
    b += [[0.0, 0.0, 30.0, 20.0], [100.0, 70.0, 136.0, 96.0]]; c += [3, 0]   # 9, 10: touching the border
    b += [[0.0, 10.0, 136.0, 14.0]]; c += [2]                 # 11: thin full-width strip: fits no FCOS level
    b += [[0.0, 0.0, 136.0, 96.0]]; c += [1]                  # 12: the whole image
    return [(b, c), ([], [])]


NOTES_A = ("Scene A (3 levels, 96x136). GT 0-4 random; 5 = copy of 0 (same class); 6 = copy of 1 (other class); "
           "7 = 3 px box between P3 shifts; 8 = 5 px box around a P3 shift; 9, 10 touch the border; 11 = full-width "
           "4 px strip [0,10,136,14] (for FCOS: max_delta > 64 on P3, no P4/P5 shift row inside); 12 = the whole image.")


# Scene B: 5 levels (288 x 352), K = 3, one image.
def scene_b():
    g = torch.Generator().manual_seed(2002)
    b = random_gts(g, 12, 3, 288, 352)
    c = [int(x) for x in torch.randint(0, 3, (12,), generator=g)]
    b += [[-400.0, -400.0, 750.0, 690.0]]; c += [0]           # 12: huge, beyond the image and the 512 bound
    b += [[0.0, 0.0, 352.0, 288.0]]; c += [1]                 # 13: the whole image
    b += [[100.5, 100.5, 103.0, 103.0]]; c += [2]             # 14: 2.5 px between P3 shifts (100, 108)
    b += [[201.0, 201.0, 206.0, 206.0]]; c += [0]             # 15: 5 px around the P3 shift (204, 204)
    b += [b[2], b[2]]; c += [c[2], (c[2] + 1) % 3]            # 16 = 2 (same class), 17 = 2 (other class)
    b += [[300.0, 250.0, 352.0, 288.0]]; c += [1]             # 18: bottom-right corner
    b += [[0.0, 10.0, 352.0, 14.0]]; c += [2]                 # 19: full-width 4 px strip (no FCOS level)
    return [(b, c)]


NOTES_B = ("Scene B (5 levels, 288x352). GT 0-11 random; 12 = [-400,-400,750,690] (beyond the image, max_delta > 512); "
           "13 = the whole image; 14 = 2.5 px box between P3 shifts; 15 = 5 px box around a P3 shift; 16 = copy of 2 "
           "(same class), 17 = copy of 2 (other class); 18 touches the bottom-right border; 19 = full-width 4 px strip.")


# Scene C: 3 levels, K = 2, two images both with GTs, one box with max_delta exactly 64 (inclusive bounds).
def scene_c():
    g = torch.Generator().manual_seed(2003)
    b0 = random_gts(g, 8, 2, 96, 136)
    c0 = [int(x) for x in torch.randint(0, 2, (8,), generator=g)]
    b0 += [[4.0, 20.0, 132.0, 68.0]]; c0 += [1]               # 8: at P3 shift (68, 44) l = r = 64 (P3 and P4 range)
    b1 = random_gts(g, 6, 2, 96, 136)
    c1 = [int(x) for x in torch.randint(0, 2, (6,), generator=g)]
    b1 += [[60.0, 30.0, 62.0, 90.0]]; c1 += [0]               # 6: 2 px wide, 60 px tall, between P3 columns
    return [(b0, c0), (b1, c1)]


NOTES_C = ("Scene C (3 levels, 96x136, K=2), two images with GTs. Image 0: GT 0-7 random, 8 = [4,20,132,68] whose P3 "
           "shift (68,44) has l = r = 64 (inclusive scale bounds: cared on P3 and P4). Image 1: GT 0-5 random, "
           "6 = [60,30,62,90] (2 px wide; the P3 column x=60 lies on its edge, so the strict inside test rejects it).")


# ATSS scenes (every level needs >= 9 locations: topk 9 within a level).
LA3 = ([[16, 20], [8, 10], [4, 5]], [8, 16, 32])                   # 128 x 160
LA4 = ([[24, 24], [12, 12], [6, 6], [3, 3]], [8, 16, 32, 64])       # 192 x 192


def scene_atss1():
    g = torch.Generator().manual_seed(2004)
    b = random_gts(g, 6, 1, 128, 160)
    b += [b[0], b[3]]                                          # 6, 7: duplicates of 0 and 3
    b += [[38.0, 38.0, 41.0, 41.0]]                            # 8: 3 px between P3 shifts: not inside any shift
    b += [[10.0, 10.0, 15.0, 15.0]]                            # 9: 5 px around the P3 shift (12, 12)
    b += [[0.0, 0.0, 40.0, 64.0], [120.0, 100.0, 160.0, 128.0]]  # 10, 11: border
    b += [[0.0, 0.0, 160.0, 128.0]]                            # 12: the whole image
    return [(b, [0] * len(b)), ([], [])]


NOTES_ATSS1 = ("CrowdHuman-like (K=1), 3 levels 128x160. Image 0: GT 0-5 random; 6 = copy of 0, 7 = copy of 3; "
               "8 = 3 px box between P3 shifts; 9 = 5 px box around a P3 shift; 10, 11 touch the border; 12 = the "
               "whole image. Detections per image 100 (the CrowdHuman config uses 500).")


def scene_atss2():
    g = torch.Generator().manual_seed(2005)
    b0 = random_gts(g, 10, 3, 192, 192)
    c0 = [int(x) for x in torch.randint(0, 3, (10,), generator=g)]
    b0 += [b0[1], b0[1]]; c0 += [c0[1], (c0[1] + 1) % 3]       # 10 = 1 (same class), 11 = 1 (other class)
    b0 += [[100.5, 100.5, 103.0, 103.0]]; c0 += [2]            # 12: 2.5 px between P3 shifts
    b0 += [[-200.0, -200.0, 400.0, 400.0]]; c0 += [0]          # 13: huge, beyond the image
    b0 += [[0.0, 170.0, 40.0, 192.0]]; c0 += [1]               # 14: border
    b1 = random_gts(g, 5, 3, 192, 192)
    c1 = [0, 1, 2, 0, 1]
    b1 += [[0.0, 0.0, 192.0, 192.0]]; c1 += [2]                # 5: the whole image
    b1 += [[90.0, 90.0, 94.0, 94.0]]; c1 += [0]                # 6: 4 px, shift (92, 92) strictly inside
    return [(b0, c0), (b1, c1)]


NOTES_ATSS2 = ("K=3, 4 levels 192x192 (last level 3x3 = 9 locations, the minimum for topk 9). Image 0: GT 0-9 random; "
               "10 = copy of 1 (same class), 11 = copy of 1 (other class); 12 = 2.5 px box between P3 shifts; "
               "13 = [-200,-200,400,400]; 14 touches the border. Image 1: GT 0-4 random, 5 = the whole image, "
               "6 = 4 px box around the P3 shift (92,92).")


# Anchor scene: 3 levels (96 x 136), anchors 32/64/128, K = 4, second image without GT.
def scene_anchor1():
    g = torch.Generator().manual_seed(2006)
    b = random_gts(g, 5, 4, 96, 136)
    c = [0, 1, 2, 3, 0]
    b += [[36.0, 36.0, 68.0, 68.0]]; c += [0]                 # 5: exactly the P3 anchor at (52, 52): IoU 1
    b += [[37.0, 37.0, 69.0, 69.0]]; c += [1]                 # 6: same best anchor as 5, lower IoU: loses it
    b += [b[0], b[1]]; c += [0, 2]                            # 7 = copy of 0 (same class), 8 = copy of 1 (other)
    b += [[-70.0, -70.0, -60.0, -60.0]]; c += [2]             # 9: outside every anchor: best IoU 0
    b += [[38.0, 38.0, 41.0, 41.0]]; c += [3]                 # 10: 3 px (many anchors tie on IoU 9/1024)
    b += [[0.0, 0.0, 30.0, 20.0], [100.0, 70.0, 136.0, 96.0]]; c += [1, 2]   # 11, 12: border
    b += [[0.0, 0.0, 136.0, 96.0]]; c += [3]                  # 13: the whole image
    return [(b, c), ([], [])]


NOTES_ANCHOR1 = ("Anchor rule, 3 levels 96x136, anchor sizes 32/64/128. Image 0: GT 0-4 random; 5 = [36,36,68,68] = the "
                 "P3 anchor at (52,52) (IoU 1); 6 = [37,37,69,69], same best anchor with lower IoU (gets no positive); "
                 "7 = copy of 0 (same class), 8 = copy of 1 (other class); 9 = [-70,-70,-60,-60], IoU 0 with every "
                 "anchor (topk over an all-zero row; a 0-IoU anchor is still foreground); 10 = 3 px box (IoU ties "
                 "between P3 anchors); 11, 12 touch the border; 13 = the whole image.")


if __name__ == "__main__":
    A, B, C = scene_a(), scene_b(), scene_c()
    make_case("fcos_case1", "fcos", 3101, *L3, A, K=4, cls_offset=-3.0, osi=OSI3, notes=NOTES_A)
    make_case("fcos_case2", "fcos", 3102, *L5, B, K=3, cls_offset=-1.5, osi=OSI5,
              notes=NOTES_B + " Logits offset so that topk_candidates (1000) and min(1000, H*W) cut, and the 100 cap bites.")
    make_case("fcos_case3", "fcos", 3103, *L3, C, K=2, cls_offset=-3.0, osi=OSI3, notes=NOTES_C)
    make_case("fcos_wo_ctrness_case1", "fcos_wo_ctrness", 3201, *L3, A, K=4, cls_offset=-3.0, osi=OSI3, notes=NOTES_A)
    make_case("fcos_wo_ctrness_case2", "fcos_wo_ctrness", 3202, *L5, B, K=3, cls_offset=-1.5, osi=OSI5,
              notes=NOTES_B + " Logits offset so that topk_candidates (1000) and min(1000, H*W) cut, and the 100 cap bites.")
    make_case("atss_case1", "atss", 3301, *LA3, scene_atss1(), K=1, cls_offset=-2.5, notes=NOTES_ATSS1)
    make_case("atss_case2", "atss", 3302, *LA4, scene_atss2(), K=3, cls_offset=-3.0, notes=NOTES_ATSS2)
    make_case("anchor_case1", "anchor", 3401, *L3, scene_anchor1(), K=4, cls_offset=-3.0,
              anchor_sizes=[32, 64, 128], notes=NOTES_ANCHOR1)
    make_case("anchor_case2", "anchor", 3402, *L5, B, K=3, cls_offset=-1.5, anchor_sizes=[32, 64, 128, 256, 512],
              notes=NOTES_B + " Anchor sizes 32..512. Logits offset so that min(1000, H*W) cuts and the 100 cap bites.")
    # Variations of the rules' constants and a crowded image (30 GTs), beyond the official defaults.
    g = torch.Generator().manual_seed(2010)
    crowd = random_gts(g, 30, 3, 96, 136)
    crowd_cls = [int(x) for x in torch.randint(0, 3, (30,), generator=g)]
    make_case("fcos_case4_radius0", "fcos", 3104, *L3, [(crowd, crowd_cls)], K=3, cls_offset=-3.0, osi=OSI3, radius=0.0,
              notes="CENTER_SAMPLING_RADIUS 0 (every shift strictly inside the GT), 30 random GTs in one 96x136 image.")
    make_case("atss_case3_scale6_top4", "atss", 3303, *LA3, [(crowd, crowd_cls)], K=3, cls_offset=-3.0, anchor_scale=6, atss_topk=4,
              notes="ANCHOR_SCALE 6, TOPK 4, 30 random GTs in one 128x160 image (boxes drawn for 96x136).")
    make_case("anchor_case3_top2", "anchor", 3403, *L3, [(crowd, crowd_cls)], K=3, cls_offset=-3.0, anchor_sizes=[24, 48, 96], iou_topk=2,
              notes="IOU_TOPK 2 (two anchors per GT), anchor sizes 24/48/96, 30 random GTs in one 96x136 image.")
