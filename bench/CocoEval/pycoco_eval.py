#!/usr/bin/env python3
"""pycocotools side of the COCO evaluation benchmark (run.sh): evaluates GT and detections json files with
COCOeval (bbox) and writes the 12 stats, the per-category AP (mean of precision[:, :, k, 0, 2] over entries
> -1) and the phase times. usage: pycoco_eval.py PYCOCOTOOLS_DIR GT.json DETS.json OUT.json"""
import contextlib
import io
import json
import sys
import time
import types

for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
    module = sys.modules.setdefault(name, types.ModuleType(name))   # coco.py imports it for drawing only
    module.PatchCollection = module.Polygon = object
sys.path.insert(0, sys.argv[1])
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(sys.argv[2])
    t0 = time.perf_counter()
    dt = gt.loadRes(sys.argv[3])
    t1 = time.perf_counter()
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate()
    t2 = time.perf_counter()
    ev.accumulate()
    t3 = time.perf_counter()
    ev.summarize()
    t4 = time.perf_counter()
precision = ev.eval["precision"]
per_cat = {}
for k, cat in enumerate(ev.params.catIds):
    p = precision[:, :, k, 0, 2]
    per_cat[str(cat)] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
print(f"pycocotools: loadRes {t1 - t0:.2f} s, evaluate {t2 - t1:.2f} s, accumulate {t3 - t2:.2f} s, "
      f"summarize {t4 - t3:.3f} s, total (anchor) {t4 - t0:.2f} s")
with open(sys.argv[4], "w") as f:
    json.dump({"stats": [float(s) for s in ev.stats], "per_category_ap": per_cat, "seconds_without_gt_load": t4 - t0}, f)
