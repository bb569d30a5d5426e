"""Writes the tiny OTB-style sequence fixture (run once with /usr/bin/python3 from this folder):
otb_style/img/0001.jpg..0003.jpg, grey (128) 40 x 30 frames with a white 10 x 8 block at x = 5 + 4 i, y = 6
(i = 0, 1, 2), and otb_style/groundtruth_rect.txt with the blocks as tab-separated x, y, w, h lines."""
import os
from PIL import Image

os.makedirs("otb_style/img", exist_ok=True)
lines = []
for i in range(3):
    img = Image.new("RGB", (40, 30), (128, 128, 128))
    x, y = 5 + 4 * i, 6
    img.paste((255, 255, 255), (x, y, x + 10, y + 8))
    img.save(f"otb_style/img/{i + 1:04d}.jpg", quality=95)
    lines.append(f"{x}\t{y}\t10\t8")
with open("otb_style/groundtruth_rect.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
