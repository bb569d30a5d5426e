"""Times the official DeFCN assignment (get_ground_truth = POTO, get_aux_ground_truth) and scipy's
linear_sum_assignment on random head outputs, and saves inputs/outputs for the C# side of the bench.

Usage: /usr/bin/python3 official_assign.py OUT_DIR [reps]
Writes OUT_DIR/<config>.safetensors (head outputs, GTs, official targets, POTO quality matrices) and
OUT_DIR/<config>.json (matches, timings in seconds). Official sources: see
tests/Core.Tests/Fixtures/assignment/official_defcn.py.
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/Core.Tests/Fixtures/assignment"))
import official_defcn as od  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

torch.set_num_threads(2)
OUT = sys.argv[1]
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
os.makedirs(OUT, exist_ok=True)
STRIDES = [8, 16, 32, 64, 128]
K = 80
CONFIGS = [("800x800_g50", 800, 800, 50, 1), ("800x1344_g100", 800, 1344, 100, 2)]


def sizes_for(h, w):
    s = [(h // 8, w // 8), (h // 16, w // 16), (h // 32, w // 32)]
    for _ in range(2):
        s.append((math.ceil(s[-1][0] / 2), math.ceil(s[-1][1] / 2)))
    return s


def median_time(fn, reps, warm=2):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)


for name, H, W, G, seed in CONFIGS:
    g = torch.Generator().manual_seed(seed)
    sizes = sizes_for(H, W)
    N = 2
    cls = [torch.randn(N, K, h, w, generator=g) * 1.5 - 3.0 for h, w in sizes]
    reg = [torch.relu(torch.randn(N, 4, h, w, generator=g) * 1.5 + 2.0) * s for (h, w), s in zip(sizes, STRIDES)]
    fil = [torch.randn(N, 1, h, w, generator=g) - 1.0 for h, w in sizes]
    shifts_l = [od.level_shifts(h, w, s) for (h, w), s in zip(sizes, STRIDES)]
    targets, tensors = [], {}
    for n in range(N):
        boxes = []
        for _ in range(G):
            bw = math.exp(float(torch.empty(1).uniform_(math.log(16), math.log(400), generator=g)))
            bh = math.exp(float(torch.empty(1).uniform_(math.log(16), math.log(400), generator=g)))
            x1 = float(torch.empty(1).uniform_(0, W - bw, generator=g)) if W > bw else 0.0
            y1 = float(torch.empty(1).uniform_(0, H - bh, generator=g)) if H > bh else 0.0
            boxes.append([x1, y1, min(W, x1 + bw), min(H, y1 + bh)])
        b = torch.tensor(boxes, dtype=torch.float32)
        c = torch.randint(0, K, (G,), generator=g)
        targets.append(od.Target(b, c))
        tensors[f"gt_boxes_{n}"] = b
        tensors[f"gt_classes_{n}"] = c
    shifts = [list(shifts_l) for _ in range(N)]
    model = od.make_model(od.fcos_aux, K, STRIDES, 0.8, 1.5, 9)

    # one recorded run: targets, matches and the quality matrices handed to scipy
    quality = []
    orig = od.fcos_aux.linear_sum_assignment

    def recording(q, maximize=False):
        quality.append(np.array(q, copy=True))
        return orig(q, maximize=maximize)   # official_defcn's wrapper records the matches
    od.fcos_aux.linear_sum_assignment = recording
    od.MATCHES.clear()
    gt_cls, gt_reg = model.get_ground_truth(shifts, targets, cls, reg, fil)
    aux_cls = model.get_aux_ground_truth(shifts, targets, cls, reg)
    od.fcos_aux.linear_sum_assignment = orig
    matches = list(od.MATCHES)

    t_poto = median_time(lambda: model.get_ground_truth(shifts, targets, cls, reg, fil), REPS)
    t_aux = median_time(lambda: model.get_aux_ground_truth(shifts, targets, cls, reg), REPS)
    t_lsa = median_time(lambda: [linear_sum_assignment(q, maximize=True) for q in quality], REPS * 3)

    for l in range(len(sizes)):
        tensors[f"cls_{l}"] = cls[l]
        tensors[f"reg_{l}"] = reg[l]
        tensors[f"filter_{l}"] = fil[l]
    tensors["poto_classes"] = gt_cls
    tensors["poto_reg"] = gt_reg
    tensors["aux_classes"] = aux_cls
    for n, q in enumerate(quality):
        tensors[f"quality_{n}"] = torch.from_numpy(q)
    od.write_safetensors(os.path.join(OUT, f"{name}.safetensors"), tensors)
    json.dump({"name": name, "height": H, "width": W, "gt_per_image": G, "num_classes": K, "strides": STRIDES,
               "sizes": sizes, "matches": [{"gt": r, "shift": c} for r, c in matches],
               "seconds": {"poto": t_poto[0], "aux": t_aux[0], "lsa_scipy": t_lsa[0]},
               "min_seconds": {"poto": t_poto[1], "aux": t_aux[1], "lsa_scipy": t_lsa[1]}},
              open(os.path.join(OUT, f"{name}.json"), "w"))
    print(f"{name}: official POTO {t_poto[0] * 1000:.1f} ms, aux {t_aux[0] * 1000:.1f} ms, scipy LSA (2 images) {t_lsa[0] * 1000:.2f} ms (medians)", flush=True)
