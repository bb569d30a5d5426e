"""Writes official_defcn_r50_keys.json: every state-dict key and shape of the official R-50 DeFCN model
(poto...3dmf.aux: cvpods ResNet-50 FrozenBN + FPN P3-P7 from P5 + FCOSHead with 3DMF, K = 80), i.e. what an
official checkpoint's "model" holds (FCOS registers only backbone.* and head.*).

    /usr/bin/python3 generate_defcn_keys.py /tmp/defcn /tmp/cvpods     (extractions as in generate_head_fixtures.py)
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "bench", "Forward"))
import official_forward  # noqa: E402  (the official network builder of bench/Forward)


def main():
    defcn_root, cvpods_root = sys.argv[1], sys.argv[2]
    fcos = official_forward.official_import.load_fcos(
        cvpods_root, os.path.join(defcn_root, "playground/detection/coco/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py"))
    model = official_forward.Network(fcos, official_forward.backbone_builder())
    keys = {k: list(v.shape) for k, v in model.state_dict().items()}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "official_defcn_r50_keys.json")
    with open(out, "w") as f:
        json.dump(keys, f, separators=(",", ":"), sort_keys=True)
    print(len(keys), "keys")


if __name__ == "__main__":
    main()
