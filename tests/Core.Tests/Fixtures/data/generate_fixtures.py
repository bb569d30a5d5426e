"""Writes the small COCO json fixtures of the data tests (run with any python3 from this folder).

coco_valid.json: 4 images (a.png, b.png 40x30; c.png, d.png 20x20; the PNGs are written by the tests),
categories with unsorted, non-contiguous ids 3/7/5, one crowd box on image 2, image 5 crowd-only, image 7
empty. Each bad_*.json is the valid file with exactly one problem added.
"""
import copy
import json

cats = [{"id": 3, "name": "cat"}, {"id": 7, "name": "dog"}, {"id": 5, "name": "bird"}]
imgs = [{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
        {"id": 2, "file_name": "b.png", "width": 40, "height": 30},
        {"id": 5, "file_name": "c.png", "width": 20, "height": 20},
        {"id": 7, "file_name": "d.png", "width": 20, "height": 20}]
anns = [{"id": 10, "image_id": 1, "category_id": 7, "bbox": [2, 3, 10, 8], "area": 80, "iscrowd": 0},
        {"id": 11, "image_id": 1, "category_id": 3, "bbox": [20, 5, 15, 20], "area": 300, "iscrowd": 0},
        {"id": 12, "image_id": 2, "category_id": 5, "bbox": [0, 0, 40, 30], "area": 1200, "iscrowd": 0},
        {"id": 13, "image_id": 2, "category_id": 3, "bbox": [5, 5, 5, 5], "area": 25, "iscrowd": 1},
        {"id": 14, "image_id": 5, "category_id": 3, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 1}]
base = {"images": imgs, "annotations": anns, "categories": cats}


def dump(name, d):
    with open(name, "w") as f:
        f.write(json.dumps(d, indent=1) + "\n")


def variant(name, change):
    d = copy.deepcopy(base)
    change(d)
    dump(name, d)


dump("coco_valid.json", base)
variant("bad_missing_image.json", lambda d: d["images"].append({"id": 9, "file_name": "missing.png", "width": 20, "height": 20}))
variant("bad_box_size.json", lambda d: d["annotations"].append({"id": 21, "image_id": 1, "category_id": 3, "bbox": [5, 5, 0, 4], "iscrowd": 0}))
variant("bad_box_outside.json", lambda d: d["annotations"].append({"id": 22, "image_id": 1, "category_id": 3, "bbox": [30, 5, 15, 4], "iscrowd": 0}))
variant("bad_unknown_category.json", lambda d: d["annotations"].append({"id": 23, "image_id": 1, "category_id": 42, "bbox": [5, 5, 4, 4], "iscrowd": 0}))
variant("bad_duplicate_annotation.json", lambda d: d["annotations"].append({"id": 11, "image_id": 2, "category_id": 3, "bbox": [5, 5, 4, 4], "iscrowd": 0}))
variant("bad_duplicate_image.json", lambda d: d["images"].append({"id": 2, "file_name": "c.png", "width": 20, "height": 20}))
variant("bad_duplicate_category.json", lambda d: d["categories"].append({"id": 7, "name": "wolf"}))
variant("bad_unknown_image.json", lambda d: d["annotations"].append({"id": 24, "image_id": 99, "category_id": 3, "bbox": [5, 5, 4, 4], "iscrowd": 0}))
variant("bad_size_mismatch.json", lambda d: d["images"].__setitem__(2, {"id": 5, "file_name": "c.png", "width": 21, "height": 20}))
text = json.dumps(base)
with open("bad_truncated.json", "w") as f:
    f.write(text[: len(text) // 2])
