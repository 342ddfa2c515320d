"""``imread`` for binary PPM (P6) files: an (H, W, 3) uint8 array."""
import numpy as np


def imread(path):
    """The image at ``path`` (a binary PPM file) as an (H, W, 3) uint8 array."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, w, h, _ = fields
    assert magic == b"P6", f"{path}: not a binary PPM file"
    w, h = int(w), int(h)
    return np.frombuffer(data[pos + 1:pos + 1 + w * h * 3], np.uint8).reshape(h, w, 3)
