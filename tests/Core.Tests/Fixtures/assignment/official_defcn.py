"""Loads the official DeFCN fcos.py (poto...3x_ms.3dmf.aux and poto...3x_ms) on CPU without the compiled
cvpods package, for the parity fixtures and the assignment benchmark.

Sources are read from $DEFCN_SRC and $CVPODS_SRC (default /tmp/defcn, /tmp/cvpods), extracted with
    git --git-dir=/work/.mirror/Megvii-BaseDetection+DeFCN/repo archive HEAD | tar -x -C /tmp/defcn
    git --git-dir=/work/.mirror/Megvii-BaseDetection+cvpods/repo archive HEAD | tar -x -C /tmp/cvpods
cvpods modules whose imports fail without the compiled package are bare packages; the few cvpods helpers
needed are executed from the cvpods sources by name (ast); logging, event storage, NMS and ImageList are
inert stand-ins. Nothing official is copied into this repository.
"""
import ast
import importlib.util
import json
import struct
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F  # noqa: F401  (used by the functions taken from cvpods)

import os
DEFCN = os.environ.get("DEFCN_SRC", "/tmp/defcn")
CVPODS = os.environ.get("CVPODS_SRC", "/tmp/cvpods")


def bare_package(name, path=None):
    m = types.ModuleType(name)
    m.__path__ = [path] if path else []
    sys.modules[name] = m
    return m


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


def functions_from(path, names, namespace):
    """Executes only the named top-level defs/classes of an official source file."""
    tree = ast.parse(open(path).read())
    body = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names]
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), namespace)
    return {n: namespace[n] for n in names}


# --- cvpods stand-ins -------------------------------------------------------------------------------
cv = f"{CVPODS}/cvpods"
bare_package("cvpods", cv)
layers = bare_package("cvpods.layers")
layers.cat = lambda tensors, dim=0: tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim)
layers.ShapeSpec = object
layers.generalized_batched_nms = None
structures = bare_package("cvpods.structures", f"{cv}/structures")
boxes_mod = load_file("cvpods.structures.boxes", f"{cv}/structures/boxes.py")
structures.Boxes = boxes_mod.Boxes
structures.pairwise_iou = boxes_mod.pairwise_iou
structures.ImageList = object
structures.Instances = object
modeling = bare_package("cvpods.modeling", f"{cv}/modeling")
box_regression = load_file("cvpods.modeling.box_regression", f"{cv}/modeling/box_regression.py")
losses_pkg = bare_package("cvpods.modeling.losses", f"{cv}/modeling/losses")
losses_pkg.iou_loss = load_file("cvpods.modeling.losses.iou_loss", f"{cv}/modeling/losses/iou_loss.py").iou_loss
losses_pkg.sigmoid_focal_loss_jit = load_file("cvpods.modeling.losses.focal_loss", f"{cv}/modeling/losses/focal_loss.py").sigmoid_focal_loss_jit
meta = bare_package("cvpods.modeling.meta_arch", f"{cv}/modeling/meta_arch")
ns = {"torch": torch, "nn": torch.nn, "cat": layers.cat}
retina = types.ModuleType("cvpods.modeling.meta_arch.retinanet")
retina.__dict__.update(functions_from(f"{cv}/modeling/meta_arch/retinanet.py",
                                      ["permute_to_N_HWA_K", "permute_all_cls_and_box_to_N_HWA_K_and_concat"], dict(ns)))
sys.modules[retina.__name__] = retina
ns2 = dict(ns, permute_to_N_HWA_K=retina.permute_to_N_HWA_K)
fcos_cv = types.ModuleType("cvpods.modeling.meta_arch.fcos")
fcos_cv.__dict__.update(functions_from(f"{cv}/modeling/meta_arch/fcos.py",
                                       ["permute_all_cls_and_box_to_N_HWA_K_and_concat", "Scale"], ns2))
sys.modules[fcos_cv.__name__] = fcos_cv
post = bare_package("cvpods.modeling.postprocessing")
post.detector_postprocess = None
utils = bare_package("cvpods.utils")


class _Comm:
    @staticmethod
    def all_reduce(x):
        return x

    @staticmethod
    def get_world_size():
        return 1


class _Storage:
    def __init__(self):
        self.scalars = {}

    def put_scalar(self, k, v):
        self.scalars[k] = float(v)


STORAGE = _Storage()
utils.comm = _Comm
utils.get_event_storage = lambda: STORAGE
utils.log_first_n = lambda *a, **k: None

coco = f"{DEFCN}/playground/detection/coco"
fcos_aux = load_file("defcn_fcos_aux", f"{coco}/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py")
fcos_plain = load_file("defcn_fcos_plain", f"{coco}/poto.res50.fpn.coco.800size.3x_ms/fcos.py")

MATCHES = []
for mod in (fcos_aux, fcos_plain):
    orig = mod.linear_sum_assignment

    def recording(q, maximize=False, _orig=orig):
        r, c = _orig(q, maximize=maximize)
        MATCHES.append((r.tolist(), c.tolist()))
        return r, c
    mod.linear_sum_assignment = recording


def make_model(module, K, strides, alpha, radius, topk):
    m = module.FCOS.__new__(module.FCOS)
    torch.nn.Module.__init__(m)
    m.num_classes = K
    m.fpn_strides = strides
    m.focal_loss_alpha = 0.25
    m.focal_loss_gamma = 2.0
    m.iou_loss_type = "giou"
    m.reg_weight = 2.0
    m.shift2box_transform = box_regression.Shift2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0))
    m.poto_alpha = alpha
    m.center_sampling_radius = radius
    m.poto_aux_topk = topk
    return m


class Target:
    def __init__(self, boxes, classes):
        self.gt_boxes = boxes_mod.Boxes(boxes)
        self.gt_classes = classes

    def __len__(self):
        return len(self.gt_classes)


def random_head_outputs(g, N, K, sizes, strides):
    """Per-level cls logits (N, K, h, w) and ltrb regression (N, 4, h, w) drawn from g, as every fixture case does."""
    cls = [torch.randn(N, K, h, w, generator=g) * 1.5 - 2.0 for (h, w) in sizes]
    reg = [torch.relu(torch.randn(N, 4, h, w, generator=g) * 1.5 + 2.0) * s for (h, w), s in zip(sizes, strides)]
    return cls, reg


def gt_targets(gts_per_image):
    """Official Target objects of per-image (boxes, classes) and the tensors to store (gt_boxes_n, gt_classes_n)."""
    targets, tensors = [], {}
    for n, (boxes, classes) in enumerate(gts_per_image):
        b = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        c = torch.tensor(classes, dtype=torch.int64)
        targets.append(Target(b, c))
        tensors[f"gt_boxes_{n}"] = b
        tensors[f"gt_classes_{n}"] = c
    return targets, tensors


def level_shifts(h, w, stride, offset=0.5):
    xs = torch.arange(offset * stride, w * stride, step=stride, dtype=torch.float32)[:w]
    ys = torch.arange(offset * stride, h * stride, step=stride, dtype=torch.float32)[:h]
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((xx.reshape(-1), yy.reshape(-1)), dim=1)


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        a = t.detach().contiguous().numpy()
        dt = {np.float32: "F32", np.float64: "F64", np.int64: "I64"}[a.dtype.type]
        b = a.tobytes()
        header[k] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def random_gts(g, m, K, img_h, img_w):
    boxes = []
    for _ in range(m):
        w = float(torch.exp(torch.empty(1).uniform_(np.log(6), np.log(max(8, 0.8 * img_w)), generator=g)))
        h = float(torch.exp(torch.empty(1).uniform_(np.log(6), np.log(max(8, 0.8 * img_h)), generator=g)))
        x1 = float(torch.empty(1).uniform_(0, max(1, img_w - w), generator=g))
        y1 = float(torch.empty(1).uniform_(0, max(1, img_h - h), generator=g))
        boxes.append([x1, y1, min(img_w, x1 + w), min(img_h, y1 + h)])
    return boxes
