#!/usr/bin/env python3
"""Checks a screenshot of a screen's report.html shows its three plots:
counts pixels of the parity points (#1f77b4), the recall curve (#d62728) and
the histogram bars (#2ca02c).

    /usr/bin/python3 tests/check_report_screenshot.py shot.png
"""
import sys

from PIL import Image

img = Image.open(sys.argv[1]).convert("RGB")
colours = {"parity points": (31, 119, 180), "recall curve": (214, 39, 40), "histogram bars": (44, 160, 44)}
counts = {k: 0 for k in colours}
for px in img.getdata():
    for k, c in colours.items():
        if all(abs(a - b) <= 40 for a, b in zip(px, c)):
            counts[k] += 1
print(img.size, counts)
sys.exit(0 if all(v >= 200 for v in counts.values()) else 1)
