"""The reference nets N1-N6 of ``bench_train.py`` written with DeZero (0.0.13), for timing it as a peer.

DeZero is never a dependency of minidl: ``bench_train.py`` imports this module
only in a child process that times DeZero, and only when ``dezero`` is
importable. DeZero's layers are Chainer-style: ``Conv2d(out_channels,
kernel_size, stride, pad, nobias, in_channels=...)``, ``Linear(out_size,
in_size=...)``, ``BatchNorm()`` (eps 2e-5, momentum 0.1, like PyTorch's
default momentum), and functions ``relu``, ``pooling`` (max, whose stride
defaults to 1, so it is given), ``average_pooling`` and ``dropout``. With
those it can express all six nets; the layer shapes match the minidl/PyTorch
versions exactly (same parameter counts), the initialisations differ.

DeZero 0.0.13 refers to ``np.int``, which NumPy 1.24 removed;
``import_dezero`` restores that alias before importing it.
"""
from __future__ import annotations

import numpy as np


def import_dezero():
    """Import DeZero, restoring the ``np.int`` alias that DeZero 0.0.13 still uses."""
    if "int" not in np.__dict__:
        np.int = int  # DeZero 0.0.13's transforms.py uses it as a default argument
    import dezero
    return dezero


def _sequential(dezero, *stages):
    """A DeZero model that applies ``stages`` (layers or plain functions) in order."""
    class Seq(dezero.Model):
        def __init__(self):
            super().__init__()
            self.stages = list(stages)
            for i, stage in enumerate(stages):
                if isinstance(stage, dezero.Layer):
                    setattr(self, f"l{i}", stage)

        def forward(self, x):
            for stage in self.stages:
                x = stage(x)
            return x
    return Seq()


def build(net):
    """Build reference net ``net`` ("N1".."N6") as a DeZero model."""
    dezero = import_dezero()
    L, F = dezero.layers, dezero.functions

    def pool(x):
        return F.pooling(x, 2, stride=2)

    def flatten(x):
        return F.reshape(x, (x.shape[0], -1))

    def conv_relu(cin, cout, k=3, pad=1):
        return [L.Conv2d(cout, k, pad=pad, in_channels=cin), F.relu]

    def dropout(ratio):
        return lambda x: F.dropout(x, ratio)

    if net == "N1":
        return _sequential(dezero, *conv_relu(3, 6, 5, 0), pool, *conv_relu(6, 16, 5, 0), pool, flatten,
                           L.Linear(120, in_size=400), F.relu, L.Linear(84, in_size=120), F.relu,
                           L.Linear(10, in_size=84))
    if net == "N2":
        stages, cin = [], 3
        for w in (32, 64, 128):
            stages += conv_relu(cin, w) + conv_relu(w, w) + [pool, dropout(0.25)]
            cin = w
        return _sequential(dezero, *stages, flatten, L.Linear(512, in_size=128 * 4 * 4), F.relu, dropout(0.5),
                           L.Linear(10, in_size=512))
    if net == "N3":
        return _sequential(dezero, *conv_relu(3, 10, 3, 0), *conv_relu(10, 10, 3, 0), pool,
                           *conv_relu(10, 10, 3, 0), *conv_relu(10, 10, 3, 0), pool, flatten,
                           L.Linear(10, in_size=13 * 13 * 10))
    if net == "N4":
        return _sequential(dezero, *conv_relu(3, 32), *conv_relu(32, 32), pool, L.BatchNorm(), dropout(0.5),
                           *conv_relu(32, 32), *conv_relu(32, 64), pool, L.BatchNorm(), dropout(0.5),
                           *conv_relu(64, 128), pool, *conv_relu(128, 128), pool, L.BatchNorm(),
                           flatten, dropout(0.5), L.Linear(512, in_size=128 * 4 * 4), F.relu,
                           L.Linear(1024, in_size=512), F.relu, L.Linear(200, in_size=1024))
    if net == "N5":
        return _sequential(dezero, flatten, L.Linear(512, in_size=3072), F.relu, L.Linear(10, in_size=512))
    if net == "N6":
        return _resnet18_cifar(dezero)
    raise ValueError(f"unknown net {net!r}; choose from N1..N6")


def _resnet18_cifar(dezero):
    L, F = dezero.layers, dezero.functions

    class BasicBlock(dezero.Layer):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = L.Conv2d(cout, 3, stride=stride, pad=1, nobias=True, in_channels=cin)
            self.bn1 = L.BatchNorm()
            self.conv2 = L.Conv2d(cout, 3, pad=1, nobias=True, in_channels=cout)
            self.bn2 = L.BatchNorm()
            self.has_projection = stride != 1 or cin != cout
            if self.has_projection:
                self.short_conv = L.Conv2d(cout, 1, stride=stride, nobias=True, in_channels=cin)
                self.short_bn = L.BatchNorm()

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            shortcut = self.short_bn(self.short_conv(x)) if self.has_projection else x
            return F.relu(self.bn2(self.conv2(out)) + shortcut)

    stages, cin = [L.Conv2d(64, 3, pad=1, nobias=True, in_channels=3), L.BatchNorm(), F.relu], 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        stages += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    return _sequential(dezero, *stages, lambda x: F.average_pooling(x, x.shape[2]),
                       lambda x: F.reshape(x, (x.shape[0], -1)), L.Linear(10, in_size=512))
