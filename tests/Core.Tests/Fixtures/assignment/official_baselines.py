"""Extra stand-ins on top of official_defcn.py for the baseline-detector fixtures (generate_baseline_fixtures.py):
the cvpods FCOS (meta_arch/fcos.py, with centerness), DeFCN's fcos...wo_ctrness and anchor...3x_ms fcos.py, and
the CrowdHuman ATSS (atss.py), all imported as is from the extracted sources ($DEFCN_SRC, $CVPODS_SRC; see
official_defcn.py).

What is added here (nothing official is copied; official functions are executed from their files by name):
* cvpods.layers.generalized_batched_nms / batched_nms: executed from cvpods/layers/nms.py, with torchvision's
  box_ops.batched_nms / nms underneath (exactly what cvpods imports) and cvpods' own float_function
  (utils/apex_wrapper.py; without apex it is the identity).
* cvpods.structures.Instances: a plain attribute holder (the official inference only sets pred_boxes, scores,
  pred_classes on it). cvpods.structures.RotatedBoxes: a placeholder so anchor_generator.py imports.
* cvpods.modeling.anchor_generator: the official file, loaded as is (DefaultAnchorGenerator built without cfg).
* cvpods.modeling.meta_arch.fcos.FCOSHead: the class of the official cvpods fcos.py (atss.py imports it; unused).
* RecordingBoxes: the official Boxes, recording the LongTensor it is indexed with (the official get_ground_truth
  indexes gt_boxes with gt_matched_idxs exactly once per image), so the fixtures can report positives per GT.
"""
import functools
import sys

import torch
import torchvision
from torchvision.ops import boxes as box_ops

import official_defcn as od
from official_defcn import CVPODS, DEFCN, boxes_mod, functions_from, load_file

cv = f"{CVPODS}/cvpods"

# --- NMS: cvpods' own functions over torchvision ----------------------------------------------------------
_apex = functions_from(f"{cv}/utils/apex_wrapper.py", ["is_amp_training", "float_function"], {"functools": functools})
_nms_ns = {"torch": torch, "box_ops": box_ops, "nms": torchvision.ops.nms, "float_function": _apex["float_function"]}
_nms = functions_from(f"{cv}/layers/nms.py", ["batched_nms", "generalized_batched_nms"], _nms_ns)
generalized_batched_nms = _nms["generalized_batched_nms"]
layers = od.layers
layers.generalized_batched_nms = generalized_batched_nms
layers.batched_nms = _nms["batched_nms"]


class Instances:
    def __init__(self, image_size, **kwargs):
        self.image_size = image_size
        for k, v in kwargs.items():
            setattr(self, k, v)


structures = od.structures
structures.Instances = Instances
structures.RotatedBoxes = object

anchor_generator = load_file("cvpods.modeling.anchor_generator", f"{cv}/modeling/anchor_generator.py")

# --- the official model files ----------------------------------------------------------------------------
fcos_cvpods = load_file("cvpods_fcos_full", f"{cv}/modeling/meta_arch/fcos.py")
sys_fcos = sys.modules["cvpods.modeling.meta_arch.fcos"]
sys_fcos.FCOSHead = fcos_cvpods.FCOSHead
coco = f"{DEFCN}/playground/detection/coco"
fcos_wo_ctrness = load_file("defcn_fcos_wo_ctrness", f"{coco}/fcos.res50.fpn.coco.800size.3x_ms.wo_ctrness/fcos.py")
fcos_anchor = load_file("defcn_fcos_anchor", f"{coco}/anchor.res50.fpn.coco.800size.3x_ms/fcos.py")
atss = load_file("defcn_atss_crowdhuman", f"{DEFCN}/playground/detection/crowdhuman/atss.res50.fpn.crowdhuman.800size.30k/atss.py")

NMS_CALLS = []   # (number of boxes given to NMS, number kept) per official generalized_batched_nms call


def _recording_nms(boxes, scores, idxs, iou_threshold, **kwargs):
    keep = generalized_batched_nms(boxes, scores, idxs, iou_threshold, **kwargs)
    NMS_CALLS.append((int(boxes.shape[0]), int(keep.numel())))
    return keep


for _m in (fcos_cvpods, fcos_wo_ctrness, fcos_anchor, atss):
    _m.generalized_batched_nms = _recording_nms
    assert _m.Instances is Instances


MATCHED = []     # the gt_matched_idxs of each official get_ground_truth image, in call order


class RecordingBoxes(boxes_mod.Boxes):
    def __getitem__(self, item):
        if isinstance(item, torch.Tensor) and item.dtype == torch.int64 and item.dim() == 1:
            MATCHED.append(item.clone())
        return super().__getitem__(item)


class Target:
    def __init__(self, boxes, classes):
        self.gt_boxes = RecordingBoxes(boxes)
        self.gt_classes = classes

    def __len__(self):
        return len(self.gt_classes)


def anchors_for(sizes, strides, anchor_sizes, num_images, offset=0.5):
    """cvpods DefaultAnchorGenerator (one size per level, aspect ratio 1) on feature maps of the given sizes:
    list (per image) of list (per level) of Boxes."""
    gen = anchor_generator.DefaultAnchorGenerator.__new__(anchor_generator.DefaultAnchorGenerator)
    torch.nn.Module.__init__(gen)
    gen.strides = list(strides)
    gen.offset = offset
    gen.num_features = len(strides)
    gen.cell_anchors = gen._calculate_anchors([[s] for s in anchor_sizes], [[1.0]])
    feats = [torch.zeros(num_images, 1, h, w) for h, w in sizes]
    return gen(feats)


def _common(m, K, strides, score_thresh, topk, nms_thresh, nms_type, max_det):
    torch.nn.Module.__init__(m)
    m.num_classes = K
    m.fpn_strides = list(strides)
    m.focal_loss_alpha = 0.25
    m.focal_loss_gamma = 2.0
    m.iou_loss_type = "giou"
    m.score_threshold = score_thresh
    m.topk_candidates = topk
    m.nms_threshold = nms_thresh
    m.nms_type = nms_type
    m.max_detections_per_image = max_det
    return m


def make_fcos(module, K, strides, osi, radius, score_thresh=0.05, topk=1000, nms_thresh=0.6, max_det=100):
    m = _common(module.FCOS.__new__(module.FCOS), K, strides, score_thresh, topk, nms_thresh, "normal", max_det)
    m.shift2box_transform = od.box_regression.Shift2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0))
    m.center_sampling_radius = radius
    m.object_sizes_of_interest = osi
    return m


def make_atss(K, strides, anchor_scale=8, atss_topk=9, reg_weight=2.0, score_thresh=0.05, topk=1000, nms_thresh=0.6, max_det=100):
    m = _common(atss.ATSS.__new__(atss.ATSS), K, strides, score_thresh, topk, nms_thresh, "normal", max_det)
    m.shift2box_transform = od.box_regression.Shift2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0))
    m.anchor_scale = anchor_scale
    m.atss_topk = atss_topk
    m.reg_weight = reg_weight
    return m


def make_anchor(K, strides, iou_topk=1, reg_weight=2.0, score_thresh=0.05, topk=1000, max_det=100):
    # anchor config: NMS_THRESH_TEST 1.0, NMS_TYPE None (inference sorts by score, no NMS)
    m = _common(fcos_anchor.FCOS.__new__(fcos_anchor.FCOS), K, strides, score_thresh, topk, 1.0, None, max_det)
    m.box2box_transform = od.box_regression.Box2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0))
    m.iou_topk = iou_topk
    m.reg_weight = reg_weight
    return m


permute_to_N_HWA_K = od.retina.permute_to_N_HWA_K
