"""A tiny stand-in for the data-loading tutorial's ``data/faces/``: ``face_landmarks.csv`` (image name, then 68
(x, y) landmark pairs) and one binary PPM image per row, of varied sizes, drawn from a seeded NumPy generator."""
from pathlib import Path

import numpy as np


def make(root, count=6):
    """Write ``root/data/faces/`` with ``count`` images and their landmarks."""
    faces = Path(root) / "data" / "faces"
    faces.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    header = ["image_name"] + [f"part_{i}_{axis}" for i in range(68) for axis in "xy"]
    lines = [",".join(header)]
    for k in range(count):
        h, w = int(rng.integers(40, 90)), int(rng.integers(40, 90))
        pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        name = f"face_{k}.ppm"
        (faces / name).write_bytes(b"P6\n%d %d\n255\n" % (w, h) + pixels.tobytes())
        points = np.stack([rng.integers(0, w, 68), rng.integers(0, h, 68)], axis=1).reshape(-1)
        lines.append(",".join([name] + [str(int(v)) for v in points]))
    (faces / "face_landmarks.csv").write_text("\n".join(lines) + "\n")
