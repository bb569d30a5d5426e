"""End-to-end fixture: the official DeFCN network (narrow cvpods ResNet-50 FrozenBN + FPN P3-P7 + FCOSHead
with 3DMF, K = 3) with random non-trivial weights, on one normalised padded image; its head outputs and the
official inference + detector_postprocess results.

    /usr/bin/python3 generate_defcn_fixture.py /tmp/defcn /tmp/cvpods     (extractions as in generate_head_fixtures.py)

Writes defcn_r50_narrow.safetensors: "model.<official key>" weights (backbone.* and head.*), "image" (1, 3, 192, 160),
"logits.pN", "bbox_reg.pN", "filter.pN", "raw.boxes/scores/classes" (inference_single_image, reference test
settings), "boxes/scores/classes" (after detector_postprocess to ORIGINAL_SIZE); and defcn_r50_narrow.json.
"""
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "bench", "Forward"))
import official_forward  # noqa: E402
from generate_head_fixtures import save_safetensors, randomise  # noqa: E402

NARROW = dict(STEM_OUT_CHANNELS=8, RES2_OUT_CHANNELS=8, WIDTH_PER_GROUP=2)
FPN_OUT, K, NUM_CONVS = 32, 3, 1
IMAGE_SIZE, ORIGINAL_SIZE, PADDED = (185, 150), (370, 301), (192, 160)  # P7 2x2: GN(32, 32) needs > 1 value per group


def build(defcn_root, cvpods_root):
    """The official fcos module, the narrow network with the fixture's weights (eval mode), the generator
    after the weights were drawn, and the padded image."""
    fcos = official_forward.official_import.load_fcos(
        cvpods_root, os.path.join(defcn_root, "playground/detection/coco/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py"))
    cfg = official_forward.cfg()
    for k, v in NARROW.items():
        setattr(cfg.MODEL.RESNETS, k, v)
    cfg.MODEL.FPN.OUT_CHANNELS = FPN_OUT
    cfg.MODEL.FCOS.NUM_CLASSES = K
    cfg.MODEL.FCOS.NUM_CONVS = NUM_CONVS
    official_forward.cfg = lambda: cfg
    torch.manual_seed(0)
    model = official_forward.Network(fcos, official_forward.backbone_builder())
    gen = torch.Generator().manual_seed(7)
    randomise(model.head, gen)
    with torch.no_grad():
        for name, t in model.backbone.state_dict().items():   # FrozenBN buffers and convs
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen))
            elif name.endswith("running_mean") or name.endswith("bias"):
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith("norm.weight"):
                t.copy_(1 + 0.2 * torch.randn(t.shape, generator=gen))
            elif t.dim() == 4:
                t.copy_(torch.randn(t.shape, generator=gen) / (t[0].numel() ** 0.5))
        model.head.cls_score.bias.copy_(torch.tensor([-1.0, -0.5, -1.5]))
        model.head.bbox_pred.bias.add_(0.5)
    model.eval()
    image = torch.zeros(1, 3, *PADDED)
    image[:, :, :IMAGE_SIZE[0], :IMAGE_SIZE[1]] = torch.randn(1, 3, *IMAGE_SIZE, generator=gen)
    return fcos, model, gen, image


def main():
    fcos, model, gen, image = build(sys.argv[1], sys.argv[2])
    with torch.no_grad():
        cls, reg, flt = model(image)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors["image"] = image
    for l in range(5):
        tensors[f"logits.p{l + 3}"], tensors[f"bbox_reg.p{l + 3}"], tensors[f"filter.p{l + 3}"] = cls[l], reg[l], flt[l]

    from cvpods.modeling.anchor_generator import _create_grid_offsets
    from cvpods.modeling.box_regression import Shift2BoxTransform
    shifts = []
    for t, s in zip(cls, [8, 16, 32, 64, 128]):
        sx, sy = _create_grid_offsets(t.shape[-2:], s, 0.5, torch.device("cpu"))
        shifts.append(torch.stack((sx, sy), dim=1))
    fake = types.SimpleNamespace(num_classes=K, topk_candidates=1000, score_threshold=0.05, nms_type="normal",
                                 nms_threshold=1.0, max_detections_per_image=100,
                                 shift2box_transform=Shift2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0)))
    fake.inference_single_image = types.MethodType(fcos.FCOS.inference_single_image, fake)

    class Images:
        image_sizes = [IMAGE_SIZE]

        def __len__(self):
            return 1

    r = fcos.FCOS.inference(fake, [t.clone() for t in cls], [t.clone() for t in reg], [t.clone() for t in flt], [shifts], Images())[0]
    tensors["raw.boxes"], tensors["raw.scores"], tensors["raw.classes"] = r.pred_boxes.tensor.clone(), r.scores.clone(), r.pred_classes.clone()
    post = fcos.detector_postprocess(r, *ORIGINAL_SIZE)
    tensors["boxes"], tensors["scores"], tensors["classes"] = post.pred_boxes.tensor, post.scores, post.pred_classes
    save_safetensors(os.path.join(HERE, "defcn_r50_narrow.safetensors"), tensors)
    meta = dict(narrow=NARROW, fpn_out=FPN_OUT, num_classes=K, num_convs=NUM_CONVS, image_size=IMAGE_SIZE,
                original_size=ORIGINAL_SIZE, padded=PADDED, detections=int(post.scores.numel()),
                raw_detections=int(r.scores.numel()))
    with open(os.path.join(HERE, "defcn_r50_narrow.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(meta)


if __name__ == "__main__":
    main()
