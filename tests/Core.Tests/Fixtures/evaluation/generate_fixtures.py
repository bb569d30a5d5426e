#!/usr/bin/env python3
"""Known-answer fixtures for Research.Core.Evaluation (COCO bbox evaluation), written by us.

Each case is a folder with gt.json (COCO instances), dets.json (COCO results) and expected.json holding what
pycocotools' COCOeval (iouType 'bbox', default parameters) reports for them: the 12 summary stats, the AP of
every category (mean of precision[:, :, k, 0, 2] over entries > -1, as summarize() averages) and the recall
array [T][K][A][M]. The C# tests compare against these numbers; CI never runs this script.

How it was run (pycocotools is not a Debian package; its source was fetched outside the repo):
    git --git-dir=<mirror of github.com/cocodataset/cocoapi> archive HEAD | tar -x -C /tmp/cocoapi   # 8c9bcc3
    sed -i 's/np\\.float\\b/np.float64/g' /tmp/cocoapi/PythonAPI/pycocotools/cocoeval.py            # numpy 1.24
    apt-get install -y cython3 python3-dev
    (cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace)
    /usr/bin/python3 generate_fixtures.py /tmp/cocoapi/PythonAPI
(Debian 12: Python 3.11, numpy 1.24.2.)
"""
import contextlib
import io
import json
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def ann(aid, img, cat, box, area=None, crowd=0, **extra):
    a = {"id": aid, "image_id": img, "category_id": cat, "bbox": list(box),
         "area": box[2] * box[3] if area is None else area, "iscrowd": crowd}
    a.update(extra)
    return a


def det(img, cat, box, score):
    return {"image_id": img, "category_id": cat, "bbox": list(box), "score": score}


def gt_file(image_ids, cat_ids, anns):
    return {"images": [{"id": i, "width": 640, "height": 480, "file_name": f"{i}.png"} for i in image_ids],
            "annotations": anns,
            "categories": [{"id": c, "name": f"c{c}"} for c in cat_ids]}


def case_crowd():
    anns = [
        ann(1, 1, 1, [0, 0, 200, 200], area=30000, crowd=1),   # crowd region
        ann(2, 1, 1, [10, 10, 40, 40]),                       # real object inside the crowd
        ann(3, 1, 1, [300, 300, 50, 60]),
        ann(4, 2, 2, [0, 0, 100, 100], crowd=1),              # category 2: crowd only -> -1
        ann(5, 3, 1, [50, 50, 80, 80], crowd=1),
        ann(6, 3, 1, [60, 60, 30, 30]),
        ann(7, 3, 1, [200, 50, 30, 90]),
    ]
    dets = [
        det(1, 1, [12, 11, 40, 39], 0.9),      # matches GT 2
        det(1, 1, [50, 50, 60, 60], 0.85),     # inside crowd -> ignored
        det(1, 1, [100, 120, 30, 30], 0.8),    # inside crowd -> ignored
        det(1, 1, [10, 10, 40, 40], 0.7),      # duplicate of GT 2: GT used -> crowd takes it
        det(1, 1, [290, 305, 55, 50], 0.6),
        det(1, 1, [400, 400, 20, 20], 0.95),   # false positive
        det(2, 2, [5, 5, 50, 50], 0.9),        # on a crowd-only category
        det(2, 2, [150, 150, 50, 50], 0.4),
        det(3, 1, [58, 62, 32, 28], 0.5),
        det(3, 1, [55, 55, 70, 70], 0.55),     # mostly on the crowd
        det(3, 1, [205, 55, 30, 80], 0.3),
        det(3, 1, [500, 10, 10, 10], 0.3),
    ]
    return gt_file([1, 2, 3], [1, 2], anns), dets


def case_area_ranges():
    anns = [
        ann(1, 1, 1, [0, 0, 32, 32]),                       # area exactly 1024: small and medium
        ann(2, 1, 1, [100, 100, 96, 96]),                   # exactly 9216: medium and large
        ann(3, 1, 1, [300, 0, 10, 10]),                     # small
        ann(4, 1, 1, [0, 300, 200, 150], area=900.5),       # big box, small area field
        ann(5, 2, 1, [10, 10, 20, 20], area=20000, ignore=1),  # 'ignore' has no effect; area says large
        ann(6, 2, 3, [50, 50, 60, 70]),
        ann(7, 2, 3, [200, 200, 5, 5]),
        ann(8, 3, 3, [0, 0, 400, 300]),
        ann(9, 3, 1, [400, 10, 31, 33]),
    ]
    dets = [
        det(1, 1, [1, 0, 32, 32], 0.9),
        det(1, 1, [100, 102, 95, 96], 0.8),
        det(1, 1, [299, 1, 10, 10], 0.7),
        det(1, 1, [0, 305, 190, 150], 0.6),
        det(1, 1, [500, 400, 5, 5], 0.65),       # unmatched small box
        det(1, 1, [420, 300, 120, 120], 0.62),   # unmatched large box
        det(2, 1, [11, 10, 20, 20], 0.5),
        det(2, 3, [52, 48, 60, 72], 0.95),
        det(2, 3, [400, 400, 40, 40], 0.91),     # unmatched medium box
        det(3, 3, [10, 5, 380, 290], 0.4),
        det(3, 1, [401, 12, 30, 30], 0.45),
        det(3, 1, [0, 0, 2, 3], 0.99),
    ]
    return gt_file([1, 2, 3], [1, 3], anns), dets


def case_ties():
    anns = [
        # exact IoUs: det [0,0,10,10] vs these GT gives 0.5, 0.75 and 0.9 exactly
        ann(1, 1, 1, [0, 0, 10, 5]),
        ann(2, 2, 1, [0, 0, 10, 7.5]),
        ann(3, 3, 1, [0, 0, 10, 9]),
        # two GT with equal IoU to one detection: the later one wins
        ann(4, 4, 1, [0, 0, 10, 8]),
        ann(5, 4, 1, [0, 2, 10, 8]),
        ann(6, 5, 2, [20, 20, 30, 30]),
        ann(7, 5, 2, [70, 20, 30, 30]),
        ann(8, 6, 2, [20, 20, 30, 30]),
    ]
    dets = [
        det(1, 1, [0, 0, 10, 10], 0.5),
        det(2, 1, [0, 0, 10, 10], 0.5),
        det(3, 1, [0, 0, 10, 10], 0.5),
        det(4, 1, [0, 1, 10, 8], 0.5),
        det(4, 1, [0, 1, 10, 8], 0.5),
        # equal scores within an image (file order decides) and across images (lower image id first)
        det(5, 2, [100, 100, 10, 10], 0.7),
        det(5, 2, [21, 20, 30, 30], 0.7),
        det(5, 2, [70, 21, 30, 30], 0.7),
        det(6, 2, [300, 300, 10, 10], 0.7),
        det(6, 2, [20, 22, 30, 30], 0.7),
        det(6, 2, [20, 20, 30, 30], 0.2),
    ]
    return gt_file([6, 5, 4, 3, 2, 1], [1, 2], anns), dets   # image order in the file does not matter


def case_many_dets(rng):
    anns, dets, aid = [], [], 1
    for img in (1, 2, 3):
        for _ in range(40):
            x, y = rng.randint(0, 560), rng.randint(0, 400)
            w, h = rng.randint(8, 80), rng.randint(8, 80)
            anns.append(ann(aid, img, 1 if img != 3 else rng.choice([1, 2, 3]), [x, y, w, h])); aid += 1
    by_img = {}
    for a in anns:
        by_img.setdefault((a["image_id"], a["category_id"]), []).append(a)
    # image 1: 150 detections of one category (beyond the cap of 100); image 2: 120; image 3: 130 over 3 categories
    for img, n in ((1, 150), (2, 120), (3, 130)):
        for j in range(n):
            cat = 1 if img != 3 else rng.choice([1, 2, 3])
            pool = by_img.get((img, cat), [])
            if pool and rng.random() < 0.5:
                g = rng.choice(pool)["bbox"]
                box = [g[0] + rng.uniform(-4, 4), g[1] + rng.uniform(-4, 4), g[2] * rng.uniform(0.8, 1.2), g[3] * rng.uniform(0.8, 1.2)]
            else:
                box = [rng.uniform(0, 600), rng.uniform(0, 440), rng.uniform(5, 90), rng.uniform(5, 90)]
            dets.append(det(img, cat, [round(v, 2) for v in box], round(rng.random(), 2)))   # rounded: many ties
    return gt_file([1, 2, 3], [1, 2, 3], anns), dets


def case_absent_categories():
    anns = [
        ann(1, 1, 1, [10, 10, 50, 50]),
        ann(2, 1, 3, [100, 100, 40, 40]),        # category 3: GT but no detection -> 0
        ann(3, 2, 1, [30, 30, 20, 20]),
        ann(4, 2, 9, [0, 0, 10, 10]),            # category 9 not in categories: dropped
    ]
    dets = [
        det(1, 1, [12, 10, 50, 50], 0.9),
        det(1, 2, [10, 10, 50, 50], 0.8),        # category 2: detections only -> -1
        det(2, 1, [31, 30, 20, 20], 0.6),
        det(2, 7, [30, 30, 20, 20], 0.99),       # category 7 not in categories: dropped
        det(4, 1, [0, 0, 30, 30], 0.3),          # image 4 has no GT
    ]
    # image 3: GT file lists it but nothing is on it; category 5: listed, never used -> -1
    return gt_file([1, 2, 3, 4], [1, 2, 3, 5], anns), dets


def case_recall_edges():
    # 20 GT, 7 perfect detections and 3 false positives: recall 7/20 = 0.35 sits one ulp below recThrs[35].
    anns = [ann(i + 1, 1 + i // 10, 1, [40 * (i % 10), 0, 30, 30]) for i in range(20)]
    dets = [det(1 + i // 10, 1, [40 * (i % 10), 0, 30, 30], 0.9 - 0.01 * i) for i in range(7)]
    dets += [det(2, 1, [0, 200 + 10 * i, 5, 5], 0.95 - 0.1 * i) for i in range(3)]
    # category 2: recall 0.41 / 0.57 / 0.69 / 0.70 / 0.82 are one ulp above k*0.01 in numpy: 100 GT, 70 hits
    anns += [ann(100 + i, 3, 2, [10 * (i % 20), 40 * (i // 20), 8, 8]) for i in range(100)]
    dets += [det(3, 2, [10 * (i % 20), 40 * (i // 20), 8, 8], 1.0 - 0.001 * i) for i in range(70)]
    return gt_file([1, 2, 3], [1, 2], anns), dets


def case_random_mix(rng):
    images = list(range(1, 41))
    cats = [1, 2, 3, 5, 8, 13]
    anns, dets, aid = [], [], 1
    for img in images:
        for _ in range(rng.randint(0, 9)):
            cat = rng.choice(cats[:-1])                     # category 13 never has GT
            w = rng.choice([rng.uniform(4, 31), rng.uniform(32, 95), rng.uniform(96, 300)])
            h = w * rng.uniform(0.5, 2.0)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - min(h, 470))
            box = [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]
            crowd = 1 if rng.random() < 0.06 else 0
            anns.append(ann(aid, img, cat, box, area=round(box[2] * box[3] * rng.uniform(0.55, 1.0), 3), crowd=crowd)); aid += 1
    for img in images:
        if img % 7 == 0:
            continue                                        # some images without detections
        mine = [a for a in anns if a["image_id"] == img]
        for a in mine:
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                g = a["bbox"]
                s = rng.uniform(0.0, 0.25)
                box = [g[0] + rng.uniform(-s, s) * g[2], g[1] + rng.uniform(-s, s) * g[3],
                       g[2] * rng.uniform(1 - s, 1 + s), g[3] * rng.uniform(1 - s, 1 + s)]
                cat = a["category_id"] if rng.random() < 0.9 else rng.choice(cats)
                dets.append(det(img, cat, [round(v, 2) for v in box], round(rng.uniform(0.05, 1.0), 3)))
        for _ in range(rng.randint(0, 12)):
            w, h = rng.uniform(3, 200), rng.uniform(3, 200)
            dets.append(det(img, rng.choice(cats), [round(rng.uniform(0, 600), 2), round(rng.uniform(0, 440), 2), round(w, 2), round(h, 2)],
                            round(rng.uniform(0.05, 0.8), 2)))
    rng.shuffle(dets)
    return gt_file(images, cats, anns), dets


def import_pycocotools(pycoco_path):
    """coco.py imports matplotlib for showAnns only; stand-ins avoid installing it (no number depends on it)."""
    import types
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
        module = sys.modules.setdefault(name, types.ModuleType(name))
        module.PatchCollection = module.Polygon = object
    sys.path.insert(0, pycoco_path)


def evaluate(gt, dets, pycoco_path):
    import_pycocotools(pycoco_path)
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(dets)))
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    precision, recall = ev.eval["precision"], ev.eval["recall"]
    per_cat = {}
    for k, cat in enumerate(ev.params.catIds):
        p = precision[:, :, k, 0, 2]
        per_cat[str(cat)] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
    return {"stats": [float(s) for s in ev.stats], "per_category_ap": per_cat,
            "recall": recall.tolist()}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_fixtures.py <path to cocoapi/PythonAPI with _mask built>")
    rng = random.Random(20261125)
    cases = {
        "crowd": case_crowd(),
        "area_ranges": case_area_ranges(),
        "ties": case_ties(),
        "many_dets": case_many_dets(rng),
        "absent_categories": case_absent_categories(),
        "recall_edges": case_recall_edges(),
        "random_mix": case_random_mix(rng),
    }
    for name, (gt, dets) in cases.items():
        out = os.path.join(HERE, name)
        os.makedirs(out, exist_ok=True)
        expected = evaluate(gt, dets, sys.argv[1])
        for file, data in (("gt.json", gt), ("dets.json", dets), ("expected.json", expected)):
            with open(os.path.join(out, file), "w") as f:
                json.dump(data, f)
                f.write("\n")
        print(f"{name}: {len(gt['annotations'])} GT, {len(dets)} dets, AP {expected['stats'][0]:.6f}")


if __name__ == "__main__":
    main()
