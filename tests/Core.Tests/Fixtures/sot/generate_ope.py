"""Writes ope_numpy.json: one-pass evaluation curves computed with numpy in the got10k-toolkit / OTB way,
to pin our C# OnePassEvaluation to the benchmark convention. Run once with /usr/bin/python3 from this folder.

Convention reproduced (our own code, written from the published definitions):
  IoU thresholds  numpy.linspace(0, 1, 21), success when IoU > t (strict)
  error thresholds numpy.arange(0, 51),      success when centre error <= t
  centres          x + (w - 1) / 2, y + (h - 1) / 2 (OTB's 1-based convention)
  IoU              clipped to [0, 1] (pysot), so the point at t = 1 is 0
  scores           AUC = mean of the success curve, precision = the curve at 20 px
Boxes are x, y, w, h; ground truth and predictions are random, with some exact copies (IoU 1), some
disjoint boxes (IoU 0) and some half-overlapping ones (IoU near the thresholds)."""
import json
import numpy as np

rng = np.random.default_rng(8)


def iou(a, b):
    ix = np.maximum(0.0, np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]))
    iy = np.maximum(0.0, np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]))
    inter = ix * iy
    # clipped to [0, 1] as pysot's overlap_ratio does: unclipped, an exact copy can round to 1 + 1e-15 and
    # count as a success at t = 1 (got10k's rect_iou), which is float noise, not tracking
    return np.clip(inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter), 0, 1)


def centre_error(a, b):
    ca = a[:, :2] + (a[:, 2:] - 1) / 2
    cb = b[:, :2] + (b[:, 2:] - 1) / 2
    return np.sqrt(((ca - cb) ** 2).sum(axis=1))


sequences = []
for n in (7, 30, 55):
    gt = np.column_stack([rng.uniform(0, 300, n), rng.uniform(0, 200, n), rng.uniform(5, 80, n), rng.uniform(5, 80, n)])
    pred = gt + rng.normal(0, 8, (n, 4))
    pred[:, 2:] = np.maximum(pred[:, 2:], 1.0)
    pred[0] = gt[0]                                   # exact copy: IoU 1
    pred[1] = gt[1] + np.array([500, 0, 0, 0])        # disjoint: IoU 0
    pred[2] = gt[2] + np.array([gt[2, 2] / 3, 0, 0, 0])  # shifted by w/3: IoU exactly 0.5 in reals
    ious = iou(pred, gt)
    errs = centre_error(pred, gt)
    succ = (ious[:, None] > np.linspace(0, 1, 21)[None, :]).mean(axis=0)
    prec = (errs[:, None] <= np.arange(0, 51)[None, :]).mean(axis=0)
    sequences.append({
        "groundtruth": gt.tolist(), "predicted": pred.tolist(), "ious": ious.tolist(), "center_errors": errs.tolist(),
        "success_curve": succ.tolist(), "precision_curve": prec.tolist(),
        "success_auc": float(succ.mean()), "precision_at_20": float(prec[20]),
    })

mean_succ = np.mean([s["success_curve"] for s in sequences], axis=0)
mean_prec = np.mean([s["precision_curve"] for s in sequences], axis=0)
with open("ope_numpy.json", "w") as f:
    json.dump({"sequences": sequences, "average": {"success_curve": mean_succ.tolist(), "precision_curve": mean_prec.tolist(),
               "success_auc": float(mean_succ.mean()), "precision_at_20": float(mean_prec[20])}}, f)
