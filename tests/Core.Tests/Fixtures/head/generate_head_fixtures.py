"""Generates the head / MaxFiltering / inference parity fixtures from the official DeFCN code.

Run (not part of CI; the outputs are committed):
    mkdir -p /tmp/defcn /tmp/cvpods
    git --git-dir=<DeFCN mirror> archive HEAD playground/detection/coco | tar -x -C /tmp/defcn
    git --git-dir=<cvpods mirror> archive HEAD cvpods | tar -x -C /tmp/cvpods
    /usr/bin/python3 generate_head_fixtures.py /tmp/defcn /tmp/cvpods
(DeFCN commit bd7e24d7, cvpods 2deea5dc; Debian torch 1.13.1, CPU.)

Writes:
  head_full.safetensors     FCOSHead of poto...3dmf.aux (C=32, K=3, 2 convs, k=3, tau=2), random
                            non-trivial weights (keys "head.*"), inputs "input.pN" (N=2), outputs
                            "logits.pN", "bbox_reg.pN", "filter.pN".
  head_nofilter.safetensors FCOSHead of poto...3x_ms (no 3DMF, no filter), same layout without filter.
  max_filtering.safetensors MaxFiltering with and without GN (3dmf / 3dmf_wo_gn folders) for k in {1,3,5}
                            x tau in {0,2,4}: shared weights "gn.conv.*", "gn.norm.*", input "input.pN",
                            outputs "out.gn.k{k}.t{tau}.pN" / "out.nogn.k{k}.t{tau}.pN".
  inference.safetensors     official FCOS.inference + detector_postprocess on crafted head outputs
                            (N=2, K=3) for three settings (see INFERENCE_CASES); shifts of the cvpods
                            ShiftGenerator (offset 0.5).
  head_fixtures.json        sizes and settings of the above.
"""
import json
import math
import os
import struct
import sys
import types

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_import  # noqa: E402

COCO = "playground/detection/coco"
FOLDER_3DMF_AUX = "poto.res50.fpn.coco.800size.3x_ms.3dmf.aux"
FOLDER_WO_GN = "poto.res50.fpn.coco.800size.3x_ms.3dmf_wo_gn"
FOLDER_POTO = "poto.res50.fpn.coco.800size.3x_ms"
STRIDES = [8, 16, 32, 64, 128]
C, K, NUM_CONVS = 32, 3, 2
# Level sizes of a 136x88 image padded to 160x96: P3..P5 = /8../32, P6/P7 = ceil halves (odd, non-square).
HEAD_SIZES = [(20, 12), (10, 6), (5, 3), (3, 2), (2, 1)]
# Odd / non-square sizes for MaxFiltering alone, not tied to an image (the module accepts any sizes).
MF_SIZES = [(9, 7), (5, 6), (3, 4), (2, 3), (2, 2)]  # >= 4 values per GN group: GN(32, 32) over 1-2 values is ill-conditioned
INFERENCE_CASES = {
    "reference": dict(topk=1000, thresh=0.05, nms_type="normal", nms_thresh=1.0, max_det=100),
    "nms": dict(topk=50, thresh=0.3, nms_type="normal", nms_thresh=0.5, max_det=30),
    "none": dict(topk=1000, thresh=0.05, nms_type=None, nms_thresh=1.0, max_det=100),
}
IMAGE_SIZES = [(150, 90), (160, 77)]      # resized (un-padded) input size per image
ORIGINAL_SIZES = [(301, 181), (487, 233)]  # original image size per image


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def head_cfg(kernel=3, tau=2):
    n = types.SimpleNamespace
    shift_gen = n(num_cell_shifts=[1] * len(STRIDES))
    return n(MODEL=n(FCOS=n(NUM_CLASSES=K, NUM_CONVS=NUM_CONVS, PRIOR_PROB=0.01, FPN_STRIDES=STRIDES,
                            NORM_REG_TARGETS=True),
                     POTO=n(FILTER_KERNEL_SIZE=kernel, FILTER_TAU=tau)),
             build_shift_generator=lambda cfg, shapes: shift_gen)


def randomise(module, gen):
    """Non-trivial weights: conv ~ N(0, 1/sqrt(fan_in)), biases, GN affine and scales away from init."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("scale"):
                p.copy_(0.6 + 0.8 * torch.rand(p.shape, generator=gen))
            elif p.dim() == 4:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p[0].numel()))
            elif ".norm." in f".{name}" or _is_gn(module, name):
                if name.endswith("weight"):
                    p.copy_(1 + 0.3 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


def _is_gn(module, name):
    owner = module
    for part in name.split(".")[:-1]:
        owner = getattr(owner, part) if not part.isdigit() else owner[int(part)]
    return isinstance(owner, torch.nn.GroupNorm)


def level_inputs(sizes, n, gen):
    return [torch.randn(n, C, h, w, generator=gen) for h, w in sizes]


def head_fixture(fcos, out_dir, name, with_filter, gen):
    torch.manual_seed(0)
    head = fcos.FCOSHead(head_cfg(), [types.SimpleNamespace(channels=C, stride=s) for s in STRIDES])
    randomise(head, gen)
    with torch.no_grad():
        # Bias the regression output so that relu keeps most values (a dead relu would test nothing).
        head.bbox_pred.bias.add_(0.5)
    head.eval()
    inputs = level_inputs(HEAD_SIZES, 2, gen)
    with torch.no_grad():
        outputs = head(inputs)
    tensors = {f"head.{k}": v for k, v in head.state_dict().items()}
    for l, x in enumerate(inputs):
        tensors[f"input.p{l + 3}"] = x
        tensors[f"logits.p{l + 3}"] = outputs[0][l]
        tensors[f"bbox_reg.p{l + 3}"] = outputs[1][l]
        if with_filter:
            tensors[f"filter.p{l + 3}"] = outputs[2][l]
    save_safetensors(os.path.join(out_dir, name), tensors)


def max_filtering_fixture(fcos_gn, fcos_nogn, out_dir, gen):
    inputs = level_inputs(MF_SIZES, 1, gen)
    template = fcos_gn.MaxFiltering(C, kernel_size=3, tau=2)
    randomise(template, gen)
    tensors = {f"gn.{k}": v for k, v in template.state_dict().items()}
    for l, x in enumerate(inputs):
        tensors[f"input.p{l + 3}"] = x
    for k in (1, 3, 5):
        for tau in (0, 2, 4):
            for variant, module_cls in (("gn", fcos_gn.MaxFiltering), ("nogn", fcos_nogn.MaxFiltering)):
                mf = module_cls(C, kernel_size=k, tau=tau)
                mf.load_state_dict({kk: v for kk, v in template.state_dict().items()
                                    if variant == "gn" or not kk.startswith("norm.")})
                with torch.no_grad():
                    outs = mf(inputs)
                for l, o in enumerate(outs):
                    tensors[f"out.{variant}.k{k}.t{tau}.p{l + 3}"] = o
    save_safetensors(os.path.join(out_dir, "max_filtering.safetensors"), tensors)


def inference_fixture(fcos, out_dir, gen):
    from cvpods.modeling.anchor_generator import _create_grid_offsets
    from cvpods.modeling.box_regression import Shift2BoxTransform
    n = len(IMAGE_SIZES)
    cls = [torch.randn(n, K, h, w, generator=gen) * 2 - 2.5 for h, w in HEAD_SIZES]
    flt = [torch.randn(n, 1, h, w, generator=gen) * 2 + 0.5 for h, w in HEAD_SIZES]
    reg = [torch.relu(torch.randn(n, 4, h, w, generator=gen) + 1.5) * s * 2 for (h, w), s in zip(HEAD_SIZES, STRIDES)]
    shifts = []
    for (h, w), s in zip(HEAD_SIZES, STRIDES):
        sx, sy = _create_grid_offsets((h, w), s, 0.5, torch.device("cpu"))
        shifts.append(torch.stack((sx, sy), dim=1))
    tensors = {}
    for l in range(len(STRIDES)):
        tensors[f"cls.p{l + 3}"] = cls[l]
        tensors[f"filter.p{l + 3}"] = flt[l]
        tensors[f"bbox_reg.p{l + 3}"] = reg[l]
        tensors[f"shifts.p{l + 3}"] = shifts[l]
    for case, s in INFERENCE_CASES.items():
        model = types.SimpleNamespace(num_classes=K, topk_candidates=s["topk"], score_threshold=s["thresh"],
                                      nms_type=s["nms_type"], nms_threshold=s["nms_thresh"],
                                      max_detections_per_image=s["max_det"],
                                      shift2box_transform=Shift2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0)))
        model.inference_single_image = types.MethodType(fcos.FCOS.inference_single_image, model)
        images = types.SimpleNamespace(image_sizes=IMAGE_SIZES, __len__=lambda: n)
        # The official inference overwrites its inputs with sigmoids (sigmoid_ on views): give it copies.
        results = fcos.FCOS.inference(model, [t.clone() for t in cls], [t.clone() for t in reg],
                                      [t.clone() for t in flt], [shifts] * n, _Images(IMAGE_SIZES))
        for i, r in enumerate(results):
            tensors[f"{case}.raw.boxes.{i}"] = r.pred_boxes.tensor.clone()
            tensors[f"{case}.raw.scores.{i}"] = r.scores.clone()
            tensors[f"{case}.raw.classes.{i}"] = r.pred_classes.clone()
            post = fcos.detector_postprocess(r, ORIGINAL_SIZES[i][0], ORIGINAL_SIZES[i][1])
            tensors[f"{case}.boxes.{i}"] = post.pred_boxes.tensor
            tensors[f"{case}.scores.{i}"] = post.scores
            tensors[f"{case}.classes.{i}"] = post.pred_classes
    save_safetensors(os.path.join(out_dir, "inference.safetensors"), tensors)
    return {case: [int(tensors[f"{case}.scores.{i}"].numel()) for i in range(n)] for case in INFERENCE_CASES}


class _Images:
    def __init__(self, sizes):
        self.image_sizes = sizes

    def __len__(self):
        return len(self.image_sizes)


def main():
    defcn_root, cvpods_root = sys.argv[1], sys.argv[2]
    out_dir = os.path.dirname(os.path.abspath(__file__))
    path = lambda folder: os.path.join(defcn_root, COCO, folder, "fcos.py")
    fcos = official_import.load_fcos(cvpods_root, path(FOLDER_3DMF_AUX), "fcos_3dmf_aux")
    fcos_nogn = official_import.load_fcos(cvpods_root, path(FOLDER_WO_GN), "fcos_3dmf_wo_gn")
    fcos_poto = official_import.load_fcos(cvpods_root, path(FOLDER_POTO), "fcos_poto")
    gen = torch.Generator().manual_seed(20210110)
    head_fixture(fcos, out_dir, "head_full.safetensors", True, gen)
    head_fixture(fcos_poto, out_dir, "head_nofilter.safetensors", False, gen)
    max_filtering_fixture(fcos, fcos_nogn, out_dir, gen)
    counts = inference_fixture(fcos, out_dir, gen)
    meta = dict(channels=C, num_classes=K, num_convs=NUM_CONVS, strides=STRIDES, prior_prob=0.01,
                head_kernel=3, head_tau=2, head_sizes=HEAD_SIZES, max_filtering_sizes=MF_SIZES,
                inference_cases=INFERENCE_CASES, image_sizes=IMAGE_SIZES, original_sizes=ORIGINAL_SIZES,
                detections_per_case=counts, torch=torch.__version__)
    with open(os.path.join(out_dir, "head_fixtures.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
