"""minidl.summary: hand-computed parameter counts, shapes, trainable vs not, sizes."""
import numpy as np

import minidl.nn as nn
from minidl.summary import summary


def conv_net():
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),     # 4*3*3*3 + 4 = 112
        nn.BatchNorm2d(4),                 # 4 + 4 = 8 params; 4 + 4 + 1 buffers
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 2, 3, bias=False),    # 2*4*3*3 = 72
        nn.Flatten(),
        nn.Linear(2 * 2 * 2, 5),           # 8*5 + 5 = 45
    )


def rows(text):
    return [" ".join(line.split()) for line in text.splitlines()]


def test_counts_shapes_and_totals():
    net = conv_net()
    text = summary(net, (3, 8, 8), print_fn=None)
    r = rows(text)
    assert "0 (Conv2d) [-1, 4, 8, 8] 112" in r
    assert "1 (BatchNorm2d) [-1, 4, 8, 8] 8" in r
    assert "3 (MaxPool2d) [-1, 4, 4, 4] 0" in r
    assert "4 (Conv2d) [-1, 2, 2, 2] 72" in r
    assert "5 (Flatten) [-1, 8] 0" in r
    assert "6 (Linear) [-1, 5] 45" in r
    assert "Total params: 237" in r
    assert "Trainable params: 237" in r
    assert "Non-trainable params: 0" in r
    assert "Buffers (not params): 9" in r
    assert net.training  # mode restored


def test_frozen_params_are_non_trainable_and_sizes():
    net = conv_net()
    for p in net[0].parameters():
        p.requires_grad = False
    text = summary(net, (3, 8, 8), batch_size=4, print_fn=None)
    r = rows(text)
    assert "Trainable params: 125" in r and "Non-trainable params: 112" in r
    assert "0 (Conv2d) [4, 4, 8, 8] 112" in r
    # activations: 256+256+256+64+8+8+5 = 853 floats per sample, x2 (grads), x4 bytes, x4 batch
    expected_fb = 2 * 853 * 4 * 4 / 2 ** 20
    fb = [line for line in r if line.startswith("Forward/backward")][0]
    assert fb == f"Forward/backward pass size (MB): {expected_fb:.2f}"
    assert f"Input size (MB): {3 * 8 * 8 * 4 * 4 / 2 ** 20:.2f}" in r
    assert f"Params size (MB): {237 * 4 / 2 ** 20:.2f}" in r


def test_nested_names_prints_and_custom_modules(capsys):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
            self.scale = nn.Parameter(np.ones(3, dtype=np.float32))  # owned by a non-leaf module

        def forward(self, x):
            return self.features(x) * self.scale
    net = Block()
    text = summary(net, (4,))
    assert capsys.readouterr().out.strip() == text.strip()
    r = rows(text)
    assert "features.0 (Linear) [-1, 3] 15" in r
    assert "features.1 (Tanh) [-1, 3] 0" in r
    assert "block (Block) [-1, 3] 3" in r  # the root's own parameter
    assert "Total params: 18" in r
    assert "forward" not in net.features[0].__dict__  # wrappers removed


def test_wrong_input_shape_names_the_layer():
    import pytest
    net = conv_net()
    with pytest.raises(ValueError) as info:
        summary(net, (3, 16, 16), print_fn=None)
    assert "'6' (Linear)" in " ".join(getattr(info.value, "__notes__", []))
    assert "forward" not in net[6].__dict__
