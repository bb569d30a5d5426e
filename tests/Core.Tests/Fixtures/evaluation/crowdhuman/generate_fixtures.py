#!/usr/bin/env python3
"""Known-answer fixtures for Research.Core.Evaluation.CrowdHumanEvaluator, from the official CrowdHuman tool.

Each case is a folder with gt.odgt (ground truth, one JSON record a line), dt.odgt (detections in the official
dt format; some cases also dets.json, the same detections as a COCO-style results list) and expected.json:
what the official metric core, cvpods/evaluation/crowdhumantools.py, reports for them when run exactly as
cvpods' _evaluate_predictions_on_crowdhuman does (Database(gt, dt, "box", None, 0), compare(), eval_AP(),
eval_MR()): AP, mMR, recall, P (persons) and the image count, the miss rate picked at each of the 9 FPPI
references, and the ranked list of kept detections [ID, label (1 TP, 0 FP), score, clipped x1 y1 x2 y2].
Where the official tool raises (or returns NaN), "official" holds the exception (or the NaNs, written as the
string "NaN"), and "ours" the value our port returns (the decision documented in CrowdHumanEvaluator); for an
image with gtboxes: [], "official_on_equivalent_input" is the official result on the same files with one 1x1
ignore box that no detection touches in that image (which changes neither P nor any match). The inputs are ours; no official code is copied here: the
tool is exec'd from a checkout outside the repository. The C# tests compare against these numbers; CI never
runs this script. Reruns are byte-identical (fixed seeds, insertion-ordered JSON).

How it was run (Debian 12: Python 3.11, numpy 1.24.2):
    mkdir -p /tmp/cvpods && git --git-dir=<mirror of github.com/Megvii-BaseDetection/cvpods> archive HEAD | tar -x -C /tmp/cvpods
    /usr/bin/python3 generate_fixtures.py /tmp/cvpods/cvpods/evaluation/crowdhumantools.py      # cvpods 2deea5d
"""
import json
import os
import random
import shutil
import struct
import sys
import warnings
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFS = [0.0100, 0.0178, 0.03160, 0.0562, 0.1000, 0.1778, 0.3162, 0.5623, 1.000]  # eval_MR "CALTECH_-2"


def load_tool(path):
    namespace = {"__name__": "crowdhumantools", "__file__": path}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), namespace)
    return namespace


# ----------------------------------------------------------------------------------------------- inputs

_box_id = [0]


def gtbox(fbox, tag="person", ignore=0, vbox=None, hbox=True):
    """A gtbox as in annotation_val.odgt; hbox is required by the official tool (a head box in the top fifth)."""
    _box_id[0] += 1
    x, y, w, h = fbox
    b = {"tag": tag, "fbox": list(fbox), "vbox": list(vbox if vbox is not None else fbox)}
    if hbox:
        b["hbox"] = [x + w / 4, y, w / 2, h / 5]
    b["extra"] = {"box_id": _box_id[0], "occ": 0, "ignore": ignore}
    b["head_attr"] = {"ignore": 0, "occ": 0, "unsure": 0}
    return b


def mask(fbox):
    return gtbox(fbox, tag="mask", ignore=1)


def image(ID, boxes, width=640, height=480):
    return {"ID": ID, "width": width, "height": height, "gtboxes": boxes}


def dets(ID, boxes_scores):
    return {"ID": ID, "dtboxes": [{"box": list(b), "score": s, "tag": 1} for b, s in boxes_scores]}


def write_lines(path, records):
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def coco_results(dt_records, numeric_ids=False):
    out = []
    for r in dt_records:
        for d in r["dtboxes"]:
            image_id = int(r["ID"]) if numeric_ids else r["ID"]
            out.append({"image_id": image_id, "category_id": 1, "bbox": d["box"], "score": d["score"]})
    return out


def png(path, width, height):
    """A grey PNG of the given size (only its header is read: the image size for clipping)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# ----------------------------------------------------------------------------------------------- official run

def run_official(tool, gt_path, dt_path):
    stage = "Database"
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            db = tool["Database"](gt_path, dt_path, "box", None, 0)
            stage = "compare"
            db.compare()
            stage = "eval_AP"
            ap, recall, _ = db.eval_AP()
            stage = "eval_MR"
            mmr, (fppi, mr) = db.eval_MR()
    except Exception as e:  # the crash cases: record what the official tool raises
        return {"error": f"{type(e).__name__}: {e}", "raised_in": stage}
    picks = []
    for r in REFS:  # eval_MR's _find_gt: first index with fppi >= ref, else the last
        idx = next((i for i, f in enumerate(fppi) if f >= r), len(fppi) - 1)
        picks.append(float(mr[idx]))
    ranked = [[ID, int(label), float(dt[-1]), [float(v) for v in dt[:4]]] for dt, label, ID in db.scorelist]
    return {"ap": float(ap), "mmr": float(mmr), "recall": float(recall),
            "positives": int(db._gtNum - db._ignNum), "images": int(db._imageNum),
            "mr_at_refs": picks, "ranked": ranked}


def write_case(tool, name, description, gt, dt, ours=None, coco=False, numeric_ids=False,
               official_inputs=None, extra_files=None):
    """Writes gt.odgt, dt.odgt (and dets.json), runs the official tool, writes expected.json.
    official_inputs: (gt, dt) records the official tool runs on instead, when it needs an equivalent input."""
    d = os.path.join(HERE, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    write_lines(os.path.join(d, "gt.odgt"), gt)
    write_lines(os.path.join(d, "dt.odgt"), dt)
    if coco:
        with open(os.path.join(d, "dets.json"), "w") as f:
            json.dump(coco_results(dt, numeric_ids), f)
    for file_name, writer in (extra_files or {}).items():
        writer(os.path.join(d, file_name))
    expected = {"case": name, "description": description}
    expected["official"] = run_official(tool, os.path.join(d, "gt.odgt"), os.path.join(d, "dt.odgt"))
    if official_inputs is not None:
        tmp = os.path.join(d, ".official")
        os.makedirs(tmp)
        write_lines(os.path.join(tmp, "gt.odgt"), official_inputs[0])
        write_lines(os.path.join(tmp, "dt.odgt"), official_inputs[1])
        expected["official_on_equivalent_input"] = run_official(tool, os.path.join(tmp, "gt.odgt"), os.path.join(tmp, "dt.odgt"))
        shutil.rmtree(tmp)
    if ours is not None:
        expected["ours"] = ours
    with open(os.path.join(d, "expected.json"), "w") as f:
        f.write(dump(expected) + "\n")
    return expected


def dump(value, indent=""):
    """JSON with one key a line and one ranked detection a line; NaN (which JSON lacks) as the string "NaN"."""
    if isinstance(value, float) and value != value:
        return '"NaN"'
    if isinstance(value, dict):
        inner = indent + " "
        items = [f"{inner}{json.dumps(k)}: {dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], list):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + dump(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, indent) for v in value) + "]"
    return json.dumps(value)


# ----------------------------------------------------------------------------------------------- cases

def cases(tool):
    P = [100, 100, 60, 150]  # a standard person box x, y, w, h

    # The run-checked example of the notes (§3.6): FP, TP, FP, TP, FP over 2 images, P = 3.
    write_case(tool, "caltech_small", "notes §3.6: FP TP FP TP FP over 2 images, P=3; mMR=(2/3)^(2/9), AP=2/9",
        [image("a", [gtbox([10, 10, 50, 100]), gtbox([200, 10, 50, 100])]), image("b", [gtbox([10, 10, 50, 100])])],
        [dets("a", [([400, 300, 30, 30], 0.9), ([11, 10, 50, 100], 0.8), ([200, 10, 50, 100], 0.6)]),
         dets("b", [([500, 300, 30, 30], 0.7), ([400, 400, 30, 30], 0.5)])], coco=True)

    # Equal scores inside one image: the file order decides which duplicate is the TP (stable sort).
    write_case(tool, "ties_within_image", "equal scores in one image: the earlier dt of the file is matched first",
        [image("a", [gtbox([100, 100, 60, 150]), gtbox([300, 100, 60, 150])])],
        [dets("a", [([110, 110, 60, 150], 0.8), ([100, 100, 60, 150], 0.8), ([300, 100, 60, 150], 0.8),
                    ([305, 100, 60, 150], 0.8), ([500, 10, 40, 40], 0.8), ([50, 300, 40, 40], 0.9)])])

    # Equal scores across images: GT-file image order, not dt-file order nor ID order.
    write_case(tool, "ties_across_images", "equal scores in different images rank in GT-file order (z before a)",
        [image("z", [gtbox(P)]), image("m", [gtbox(P)]), image("a", [gtbox(P), gtbox([300, 50, 50, 100])])],
        [dets("a", [([100, 100, 60, 150], 0.7), ([400, 300, 20, 20], 0.7), ([300, 50, 50, 100], 0.5)]),
         dets("z", [([450, 300, 20, 20], 0.7), ([100, 100, 60, 150], 0.5)]),
         dets("m", [([100, 100, 60, 150], 0.7), ([500, 300, 20, 20], 0.5)])], coco=True)

    # Several dts on one person: one TP, the others FP, except one that falls inside an ignore box.
    write_case(tool, "duplicates", "dts on one person: the best-scored is the TP, later ones FP or dropped on an ignore",
        [image("a", [gtbox(P), mask([90, 90, 90, 200])])],
        [dets("a", [([102, 101, 60, 150], 0.9), ([100, 100, 60, 150], 0.8), ([95, 100, 70, 150], 0.7),
                    ([140, 150, 30, 40], 0.6), ([60, 100, 60, 150], 0.5)])])

    # An ignore box listed before the person in the file: persons are scanned first, a free person wins.
    write_case(tool, "ignore_and_person", "a dt inside an ignore box with IoU > 0.5 to a free person is a TP; "
        "a second one (person taken) is dropped on the ignore",
        [image("a", [mask([80, 80, 120, 200]), gtbox(P), gtbox([400, 100, 60, 150])])],
        [dets("a", [([100, 100, 60, 150], 0.6), ([101, 100, 60, 150], 0.9), ([420, 300, 20, 20], 0.4)])])

    # Two overlapping ignore boxes and a 'person' with extra.ignore = 1 and a 'mask' without the ignore flag.
    write_case(tool, "ignore_definitions", "two overlapping ignore boxes; person with extra.ignore=1 and mask with "
        "ignore=0 are both ignored; dts in them dropped, IoA over the detection area",
        [image("a", [mask([0, 0, 200, 200]), mask([100, 100, 200, 200]), gtbox([400, 50, 60, 150], ignore=1),
                     gtbox([400, 250, 60, 150], tag="mask", ignore=0), gtbox([500, 300, 50, 100])])],
        [dets("a", [([150, 150, 40, 40], 0.9), ([120, 120, 100, 100], 0.85), ([400, 50, 60, 150], 0.8),
                    ([405, 255, 60, 150], 0.75), ([500, 300, 50, 100], 0.7), ([190, 190, 200, 200], 0.65),
                    ([0, 0, 400, 400], 0.6)])])

    # IoU and IoA exactly 0.5 fail the strict test (and the 1e-6 eps pushes them below); a hair more passes.
    write_case(tool, "half_overlaps", "IoU exactly 0.5 and IoA exactly 0.5 do not match (strict > 0.5 and the eps)",
        [image("a", [gtbox([0, 100, 20, 10]), gtbox([100, 100, 20, 10]), mask([300, 100, 20, 10])]),
         image("b", [gtbox([0, 100, 20, 10])])],
        [dets("a", [([0, 100, 10, 10], 0.9), ([100, 100, 10.001, 10], 0.8), ([310, 100, 20, 10], 0.7)]),
         dets("b", [([0, 100, 10.00002, 10], 0.9)])])

    # Boxes outside the image: clipped to [0, W-1] x [0, H-1] (x1, y1) and [0, W] x [0, H] (x2, y2).
    write_case(tool, "clipping", "gt and dt clipped per image; slivers at the right/bottom edge match each other",
        [image("a", [gtbox([620, 100, 60, 150]), gtbox([-30, -20, 60, 150]), gtbox([700, 500, 40, 40]),
                     gtbox([300, 470, 50, 100])], width=640, height=480),
         image("b", [gtbox([-100, 10, 50, 50]), gtbox([100, 100, 300, 200])], width=320, height=240)],
        [dets("a", [([625, 100, 80, 150], 0.9), ([-10, -10, 40, 140], 0.8), ([650, 490, 10, 10], 0.7),
                    ([300, 475, 40, 60], 0.6), ([-50, 200, 20, 20], 0.5)]),
         dets("b", [([-200, 10, 40, 50], 0.9), ([100, 100, 400, 300], 0.4)])])

    # Images without detections still count (N_img and P), with or without a dt record.
    write_case(tool, "images_without_dts", "one image has no dt record, one an empty dtboxes list: both count in "
        "N_img and P",
        [image("a", [gtbox(P)]), image("b", [gtbox(P), gtbox([300, 100, 60, 150])]), image("c", [gtbox(P)])],
        [dets("a", [([100, 100, 60, 150], 0.9), ([300, 300, 20, 20], 0.3)]), {"ID": "c", "dtboxes": []}])

    # An image whose boxes are all mask/ignore: P gets nothing from it, its dts are dropped or FP.
    write_case(tool, "only_mask_boxes", "an image with only ignore boxes: dts inside dropped, outside FP",
        [image("a", [gtbox(P)]), image("crowd", [mask([0, 0, 300, 300]), mask([350, 0, 200, 200])])],
        [dets("a", [([100, 100, 60, 150], 0.8)]),
         dets("crowd", [([10, 10, 50, 50], 0.95), ([400, 50, 50, 50], 0.9), ([400, 300, 60, 60], 0.85)])])

    # Few FPs over many images: fppi never reaches 1, every later reference takes the last point.
    recs, drecs = [], []
    for k in range(12):
        ID = f"img{k:02d}"
        recs.append(image(ID, [gtbox(P), gtbox([300, 100, 60, 150])]))
        ds = [([100, 100, 60, 150], 0.9 - 0.01 * k)]
        if k % 4 == 0:
            ds.append(([500, 300, 30, 30], 0.5 - 0.01 * k))
        drecs.append(dets(ID, ds))
    write_case(tool, "fppi_below_one", "3 FPs over 12 images: fppi stays at or below 0.25", recs, drecs)

    # Every person found before any FP: mr reaches 0, log 0 = -inf, mMR = 0.
    write_case(tool, "mr_zero", "all persons found: miss rate 0 at the last points, mMR = 0",
        [image("a", [gtbox(P), gtbox([300, 100, 60, 150])]), image("b", [gtbox(P)])],
        [dets("a", [([100, 100, 60, 150], 0.9), ([300, 100, 60, 150], 0.8), ([500, 300, 30, 30], 0.2)]),
         dets("b", [([100, 100, 60, 150], 0.7)])])

    # The official quirk: tag "background" is class 0 (PERSON_CLASSES), so it counts in P but matches like
    # an ignore box (IoA > 0.5 drops the dt). Real files have only "person" and "mask".
    write_case(tool, "background_tag", "a gtbox tagged 'background' counts in P but absorbs dts like an ignore box",
        [image("a", [gtbox(P), gtbox([300, 100, 60, 150], tag="background")])],
        [dets("a", [([100, 100, 60, 150], 0.9), ([300, 100, 60, 150], 0.8), ([500, 300, 30, 30], 0.7)])])

    # Visible-box mode: the official tool always reads fbox, so its reference is the same file with fbox := vbox.
    vis_gt = [image("a", [gtbox([100, 100, 60, 150], vbox=[100, 100, 60, 80]), gtbox([300, 100, 60, 150], vbox=[300, 100, 60, 150]),
                          gtbox([0, 0, 100, 100], tag="mask", ignore=1, vbox=[0, 0, 50, 50])])]
    vis_dt = [dets("a", [([100, 100, 60, 80], 0.9), ([100, 100, 60, 150], 0.8), ([300, 100, 60, 150], 0.7),
                         ([0, 0, 50, 60], 0.6)])]
    swapped = [dict(r, gtboxes=[dict(b, fbox=b["vbox"]) for b in r["gtboxes"]]) for r in vis_gt]
    write_case(tool, "visible_boxes", "box mode Visible (vbox): official reference = the same records with fbox := vbox "
        "(\"official\" is the full-body result)", vis_gt, vis_dt, official_inputs=(swapped, vis_dt))

    # COCO-style results with integer image ids naming numeric IDs, and a GT file without width/height whose
    # sizes come from image files (images/ID.png) or the dt file; gt_nohbox.odgt lacks hbox.
    sized = [image("1", [gtbox([600, 100, 60, 150]), gtbox(P)], 640, 480),
             image("2", [gtbox([-20, 400, 60, 150]), mask([300, 0, 100, 100])], 320, 480),
             image("3", [gtbox(P)], 800, 600)]
    sized_dt = [dets("2", [([-25, 390, 60, 150], 0.6), ([310, 10, 50, 50], 0.9), ([0, 0, 10, 10], 0.6)]),
                dets("1", [([610, 100, 60, 150], 0.8), ([100, 100, 60, 150], 0.6), ([700, 100, 60, 150], 0.5)])]
    def no_size(path):
        write_lines(path, [{k: v for k, v in r.items() if k not in ("width", "height")} for r in sized])
    def no_hbox(path):
        write_lines(path, [dict(r, gtboxes=[{k: v for k, v in b.items() if k != "hbox"} for b in r["gtboxes"]]) for r in sized])
    def sized_dt_file(path):
        write_lines(path, [dict(r, width=s["width"], height=s["height"]) for r in sized_dt for s in sized if s["ID"] == r["ID"]])
    def images(path):
        os.makedirs(path)
        for r in sized:
            png(os.path.join(path, r["ID"] + ".png"), r["width"], r["height"])
    write_case(tool, "numeric_ids", "IDs '1'..'3', COCO results with integer image_id; gt_nosize.odgt + images/*.png or "
        "dt_sized.odgt give the sizes; gt_nohbox.odgt has no hbox", sized, sized_dt, coco=True, numeric_ids=True,
        extra_files={"gt_nosize.odgt": no_size, "gt_nohbox.odgt": no_hbox, "dt_sized.odgt": sized_dt_file, "images": images})

    random_case(tool)

    # ---- where the official tool raises
    empty_gt = [image("a", [gtbox(P)]), image("empty", []), image("b", [gtbox(P)])]
    empty_dt = [dets("a", [([100, 100, 60, 150], 0.9)]), dets("empty", [([10, 10, 50, 50], 0.95), ([300, 10, 50, 50], 0.5)]),
                dets("b", [([105, 100, 60, 150], 0.7)])]
    equivalent = [dict(r, gtboxes=[mask([639, 479, 1, 1])]) if not r["gtboxes"] else r for r in empty_gt]
    write_case(tool, "crash_empty_gtboxes", "an image with gtboxes: [] (official: ValueError while loading); ours: no "
        "positives, its dts are FPs = official on the same input with one untouched 1x1 ignore box there",
        empty_gt, empty_dt, official_inputs=(equivalent, empty_dt),
        ours={"note": "an image with no gtboxes contributes no positives; its detections are false positives"})
    write_case(tool, "crash_no_detections", "no detections at all (official: UnboundLocalError in eval_AP)",
        [image("a", [gtbox(P)]), image("b", [gtbox(P)])], [{"ID": "a", "dtboxes": []}],
        ours={"ap": 0.0, "mmr": 1.0, "recall": 0.0, "positives": 2, "images": 2, "ranked": 0})
    write_case(tool, "crash_all_on_ignore", "every dt falls on an ignore box, none is ranked (official: "
        "UnboundLocalError in eval_AP)",
        [image("a", [gtbox(P), mask([300, 0, 300, 300])])],
        [dets("a", [([350, 50, 50, 50], 0.9), ([400, 100, 60, 60], 0.8)])],
        ours={"ap": 0.0, "mmr": 1.0, "recall": 0.0, "positives": 1, "images": 1, "ranked": 0})
    # P = 0 does not raise: numpy's float64 takes over the 0/0 (a RuntimeWarning) and all three are NaN.
    write_case(tool, "no_positives", "no person in the ground truth, P = 0 (official: NaN for AP, mMR and recall, "
        "from 0/0 in numpy float64)",
        [image("a", [mask([0, 0, 100, 100])]), image("b", [mask([0, 0, 100, 100])])],
        [dets("a", [([300, 300, 50, 50], 0.9), ([10, 10, 50, 50], 0.8)]), dets("b", [([300, 300, 50, 50], 0.7)])],
        ours={"ap": 0.0, "mmr": 1.0, "recall": 0.0, "positives": 0, "images": 2, "ranked": 2})


def random_case(tool):
    """30 images of crowds with ignore regions, boxes crossing the borders, duplicates and coarse scores."""
    rng = random.Random(20240611)
    gt, dt = [], []
    for k in range(30):
        ID = f"{rng.randrange(10**6):06d},{rng.randrange(16**12):012x}"
        width, height = rng.choice([(640, 480), (800, 600), (1024, 683), (480, 640)])
        boxes = []
        for _ in range(rng.randrange(0 if k == 7 else 1, 12) if k != 7 else 0):
            w, h = rng.uniform(10, 160), rng.uniform(30, 360)
            x, y = rng.uniform(-0.2 * w, width - 0.8 * w), rng.uniform(-0.1 * h, height - 0.7 * h)
            roll = rng.random()
            if roll < 0.12:
                boxes.append(mask([round(x, 1), round(y, 1), round(w * 2, 1), round(h, 1)]))
            else:
                boxes.append(gtbox([round(x, 1), round(y, 1), round(w, 1), round(h, 1)],
                                   ignore=1 if roll < 0.17 else 0))
        if k == 7:  # an image of masks only
            boxes = [mask([10, 10, 300, 300])]
        gt.append(image(ID, boxes, width, height))
        if k % 10 == 3:
            continue  # no dt record
        ds = []
        for b in boxes:
            for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
                x, y, w, h = b["fbox"]
                j = rng.uniform(0.0, 0.25)
                ds.append(([round(x + rng.gauss(0, j * w), 2), round(y + rng.gauss(0, j * h), 2),
                            round(w * rng.uniform(0.8, 1.2), 2), round(h * rng.uniform(0.8, 1.2), 2)],
                           round(rng.uniform(0.05, 1.0), 2)))
        for _ in range(rng.randrange(0, 8)):
            w, h = rng.uniform(5, 120), rng.uniform(10, 300)
            ds.append(([round(rng.uniform(-50, width), 2), round(rng.uniform(-50, height), 2), round(w, 2), round(h, 2)],
                       round(rng.uniform(0.05, 1.0), 2)))
        rng.shuffle(ds)
        dt.append(dets(ID, ds))
    rng.shuffle(dt)  # the dt file in another order than the GT file
    write_case(tool, "random", "30 images (one with masks only, three without a dt record), duplicates, borders, "
        "scores with 2 decimals (many cross-image ties), dt file shuffled", gt, dt, coco=True)


if __name__ == "__main__":
    tool = load_tool(sys.argv[1] if len(sys.argv) > 1 else "/tmp/cvpods/cvpods/evaluation/crowdhumantools.py")
    cases(tool)
    for name in sorted(os.listdir(HERE)):
        path = os.path.join(HERE, name, "expected.json")
        if os.path.isfile(path):
            with open(path) as f:
                e = json.load(f)
            o = e["official"]
            summary = o.get("error") or "  ".join(f"{k} {o[k]}" for k in ("ap", "mmr", "recall", "positives")) \
                + f"  ranked {len(o['ranked'])}"
            print(f"{name:22s} {summary}")
