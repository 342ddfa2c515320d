"""The reference papers' own networks (``shared/papers/``), one constructor each.

Each docstring cites the layer table it follows and says where the paper is
silent and what was assumed. All return logits (the papers' final softmax is
left to the loss). The papers trained in Keras, so these nets default to
Keras' initialisation (Glorot-uniform weights, zero biases) and Keras'
batch-norm constants (momentum 0.99 = PyTorch momentum 0.01, eps 1e-3);
the training recipes (optimiser, lr, decay, batch size, epochs, patience) are
in :data:`PAPER_HPARAMS` and are the defaults of the matching ``examples/``
script.
"""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.models._init import keras_init_
from minidl.models._shapes import check_size, conv_out
from minidl.models.lenet import LeNet
from minidl.models.registry import register_model
from minidl.nn.containers import Sequential
from minidl.nn.layers import BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU
from minidl.nn.module import Module

__all__ = ["PaperNet", "wells_cnn", "kth_vgg", "wallace_cnn", "idler_cnn", "PAPER_HPARAMS",
           "KTH_CONFIGS", "keras_init_"]


def _bn2d(c):
    return BatchNorm2d(c, eps=1e-3, momentum=0.01)


def _bn1d(c):
    return BatchNorm1d(c, eps=1e-3, momentum=0.01)


class PaperNet(Module):
    """``features`` (convolutional part) -> flatten -> ``classifier``.

    ``l2`` maps parameter names to Keras-style L2 coefficients (the paper's
    ``kernel_regularizer=l2(c)``): :meth:`regularization_loss` returns
    sum(c * ||w||^2) to add to the data loss (empty for most nets).

    Shapes: (N, C, H, W) -> (N, num_classes).
    """

    def __init__(self, features, classifier, l2=None):
        super().__init__()
        self.features = features
        self.classifier = classifier
        self.l2 = dict(l2 or {})

    def forward(self, x):
        """(N, C, H, W) -> logits (N, num_classes)."""
        return self.classifier(F.flatten(self.features(x), 1))

    def regularization_loss(self):
        """sum over ``l2`` of coeff * (w ** 2).sum(), a scalar Tensor (0.0 when ``l2`` is empty)."""
        params = dict(self.named_parameters())
        total = 0.0
        for name, coeff in self.l2.items():
            total = total + (params[name] ** 2).sum() * coeff
        return total


# ----------------------------------------------------------------- Wells 2018
@register_model
def wells_cnn(model: int = 1, num_classes: int = 200, in_channels: int = 3,
              image_size: int = 64, dropout=None):
    """Wells (2018), "Image Classification using Deep Learning", Tiny ImageNet:
    ``shared/papers/000_5da301d92ecade73.txt``, section 5.1, Table 2 ("Trained CNN
    Architectures"); dropout rates from Table 3.

    Model 1: conv32-pool-conv64-pool-conv128-pool-conv128-pool (3x3 valid convs
    + ReLU, 2x2 max-pools), Flatten, Dropout, Dense 512 + ReLU, Dense classes.
    At 64 px the flattened map is 128x2x2 (606,088 parameters at 200 classes).

    Model 2: conv32, conv32, pool, BN, Dropout, conv32, conv64, pool, BN,
    Dropout, conv128, pool, conv128, pool, BN, Flatten, Dropout, Dense 512,
    Dense 1024, Dense classes (flattened map 128x1x1 at 64 px).

    ``dropout``: Model 1 one rate (default 0.5); Model 2 three rates (default
    (0.5, 0.5, 0.75), the best run 022924989 of Table 3). The paper (Keras in R)
    does not state the padding; Keras' default "valid" is used.

    Recipe (section 5.2): Adam, lr 1e-4, decay 1e-6, categorical cross-entropy,
    early stopping on val_loss with patience 30; batch size 32 (section 5.1's
    example batch). Reported: Model 2 34.75% top-1 / 60.86% top-5 (val).

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """
    relu = ReLU
    if model == 1:
        p = 0.5 if dropout is None else float(dropout)
        layers, c = [], in_channels
        for width in (32, 64, 128, 128):
            layers += [Conv2d(c, width, 3), relu(), MaxPool2d(2)]
            c = width
        s = image_size
        for _ in range(4):
            s = conv_out(s, 3) // 2
        s = check_size("wells_cnn", s, image_size)
        classifier = Sequential(Dropout(p), Linear(128 * s * s, 512), relu(),
                                Linear(512, num_classes))
    elif model == 2:
        p1, p2, p3 = (0.5, 0.5, 0.75) if dropout is None else (float(d) for d in dropout)
        layers = [Conv2d(in_channels, 32, 3), relu(), Conv2d(32, 32, 3), relu(), MaxPool2d(2),
                  _bn2d(32), Dropout(p1),
                  Conv2d(32, 32, 3), relu(), Conv2d(32, 64, 3), relu(), MaxPool2d(2),
                  _bn2d(64), Dropout(p2),
                  Conv2d(64, 128, 3), relu(), MaxPool2d(2),
                  Conv2d(128, 128, 3), relu(), MaxPool2d(2), _bn2d(128)]
        s = conv_out(conv_out(image_size, 3), 3) // 2
        s = conv_out(conv_out(s, 3), 3) // 2
        s = conv_out(conv_out(s, 3) // 2, 3) // 2
        s = check_size("wells_cnn", s, image_size)
        classifier = Sequential(Dropout(p3), Linear(128 * s * s, 512), relu(),
                                Linear(512, 1024), relu(), Linear(1024, num_classes))
    else:
        raise ValueError(f"wells_cnn: model must be 1 or 2, got {model!r}")
    return keras_init_(PaperNet(Sequential(*layers), classifier))


# ------------------------------------------------------------ KTH DD2424 2018
# config -> (batch norm, dropout after FC, init, FC widths, L2 coefficient)
KTH_CONFIGS = {
    "A": dict(bn=False, dropout=False, init="random_uniform", fc=(2048,), l2=0.0),
    "B": dict(bn=True, dropout=False, init="random_uniform", fc=(2048,), l2=0.0),
    "C": dict(bn=False, dropout=True, init="random_uniform", fc=(2048,), l2=0.0),
    "D": dict(bn=True, dropout=True, init="he_normal", fc=(2048,), l2=0.0),
    "E": dict(bn=True, dropout=False, init="he_normal", fc=(4096, 4096, 4096), l2=1e-3),
    "F": dict(bn=True, dropout=False, init="he_normal", fc=(), l2=5e-3),
}


@register_model
def kth_vgg(config: str = "D", num_classes: int = 200, in_channels: int = 3,
            image_size: int = 64, padding: str = "valid", dropout: float = 0.3):
    """Skagerström, Price & Lindqvist (KTH DD2424, 2018), "Classification of
    ImageNet with CNNs", Tiny ImageNet 64x64: ``shared/papers/001_0e09f11adbc87a55.txt``,
    section 3.4 Table 1 (configurations A-D) and section 4.2 Table 2 (E, F).

    Every configuration: conv-32 2x2, conv-32 2x1, conv-32 1x2, max-pool 2x2;
    conv-48 2x2 x3, max-pool; conv-80 2x2 x3, max-pool; each conv followed by
    ReLU (then BN in B, D, E, F, the table's order). Then
    A-D: FC-2048 + ReLU (+BN in B, D; + Dropout 0.3 in C, D); E: 3x FC-4096 +
    ReLU + BN; F: no hidden FC; then FC-classes.
    Init: Keras RandomUniform (U(-0.05, 0.05), "RUI") for A-C, He normal for
    D-F. E and F put an L2 penalty (1e-3 in E, 5e-3 in F) on the third conv of
    each block and on the FC-4096 layers (``model.l2``; add
    ``model.regularization_loss()`` to the loss).

    The paper does not state the padding: Keras' default "valid" is used (the
    flattened map is 80x5x5 at 64 px); ``padding="same"`` gives 80x8x8.

    Recipes (section 4): A SGD, B-F Adam; E lr 1e-2, decay 1e-6, 60 epochs;
    F lr 1e-3, a higher decay, 100 epochs. Reported top-1/top-5 (val), Table 3:
    A 17/37, B 22/45, C 6/20, D 29/55, E 25/50, F 24/48 (%).

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """
    config = str(config).upper()
    if config not in KTH_CONFIGS:
        raise ValueError(f"kth_vgg: config must be one of A-F, got {config!r}")
    cfg = KTH_CONFIGS[config]
    pad = "same" if padding == "same" else 0
    convs = [(32, (2, 2)), (32, (2, 1)), (32, (1, 2)), "M", (48, (2, 2)), (48, (2, 2)),
             (48, (2, 2)), "M", (80, (2, 2)), (80, (2, 2)), (80, (2, 2)), "M"]
    layers, l2_names, c, h, w = [], [], in_channels, image_size, image_size
    for i, item in enumerate(convs):
        if item == "M":
            layers.append(MaxPool2d(2))
            h, w = h // 2, w // 2
            continue
        width, (kh, kw) = item
        if cfg["l2"] and convs[i + 1] == "M":
            l2_names.append(f"features.{len(layers)}.weight")
        layers += [Conv2d(c, width, (kh, kw), padding=pad), ReLU()]
        if pad == 0:
            h, w = h - kh + 1, w - kw + 1
        if cfg["bn"]:
            layers.append(_bn2d(width))
        c = width
    check_size("kth_vgg", min(h, w), image_size)
    head, width = [], c * h * w
    for units in cfg["fc"]:
        if cfg["l2"]:
            l2_names.append(f"classifier.{len(head)}.weight")
        head += [Linear(width, units), ReLU()]
        if cfg["bn"]:
            head.append(_bn1d(units))
        if cfg["dropout"]:
            head.append(Dropout(dropout))
        width = units
    head.append(Linear(width, num_classes))
    net = PaperNet(Sequential(*layers), Sequential(*head),
                   l2={name: cfg["l2"] for name in l2_names})
    return keras_init_(net, cfg["init"])


# -------------------------------------------------------------- Wallace 2018
@register_model
def wallace_cnn(kind: str = "deep", base_filters: int = 48, kernel_size: int = 2,
                num_classes: int = 10, in_channels: int = 3, image_size: int = 32,
                dense: int = 512, dropout=(0.25, 0.5)):
    """Wallace (2018), "Image Classification through CNNs on the CIFAR-10 Dataset
    using AWS": ``shared/papers/004_07e52d57e7862ac7.txt``, sections "Baseline
    Modeling", "Models with Convolution", "Secondary Results" and Appendix A.

    The report gives the deep CNN only in words: three pairs of convolutions
    with base_filters, 2x, 4x filters (Set 1: 32-32-64-64-128-128, Set 2: 48...,
    Set 3: 64...), max-pool + dropout after each pair, kernel 2 (or 3), then
    "2 Dense layers of different sizes". Read as the Keras ``cifar10_cnn``
    pattern it extends: each pair is conv(k, "same") + ReLU twice, MaxPool 2,
    Dropout(dropout[0]); then Flatten, Dense ``dense`` + ReLU, Dropout(dropout[1]),
    Dense classes.

    * ``kind="deep"``: the above (Set 4b: base 48, kernel 2; 84.84% test after
      300 epochs, Adam lr 1e-4, batch 64).
    * ``kind="basic"``: one pair of ``base_filters`` convs, the same head (the
      paper's "basic CNN": 72-74% after 100 epochs).
    * ``kind="mlp"``: the baseline without convolution: Flatten, Dense ``dense``
      + ReLU + Dropout(dropout[1]) twice, Dense classes (47-52%).

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """
    p_conv, p_dense = (float(d) for d in dropout)
    if kind == "mlp":
        flat = in_channels * image_size * image_size
        head = Sequential(Linear(flat, dense), ReLU(), Dropout(p_dense),
                          Linear(dense, dense), ReLU(), Dropout(p_dense),
                          Linear(dense, num_classes))
        return keras_init_(PaperNet(Sequential(), head))
    if kind not in ("deep", "basic"):
        raise ValueError(f"wallace_cnn: kind must be 'mlp', 'basic' or 'deep', got {kind!r}")
    pairs = 3 if kind == "deep" else 1
    layers, c, s = [], in_channels, image_size
    for i in range(pairs):
        width = base_filters * 2 ** i
        layers += [Conv2d(c, width, kernel_size, padding="same"), ReLU(),
                   Conv2d(width, width, kernel_size, padding="same"), ReLU(),
                   MaxPool2d(2), Dropout(p_conv)]
        c, s = width, s // 2
    s = check_size("wallace_cnn", s, image_size)
    head = Sequential(Linear(c * s * s, dense), ReLU(), Dropout(p_dense),
                      Linear(dense, num_classes))
    return keras_init_(PaperNet(Sequential(*layers), head))


# ---------------------------------------------------------------- Idler (AIML421)
@register_model
def idler_cnn(kind: str = "cnn", image_size: int = 300, num_classes: int = 3,
              in_channels: int = 3, dropout: float = 0.5):
    """Idler, AIML421 "Image Classification" (tomato / cherry / strawberry, 300x300):
    ``shared/papers/002_63fa335fb2b400eb.txt``, section 4.2 (layer summary of the
    initial CNN) and section 4.1 (baseline MLP).

    * ``kind="cnn"``: the PyTorch CIFAR-10 tutorial CNN with two Dropouts:
      Conv2d(3, 6, 5), MaxPool 2, Conv2d(6, 16, 5), MaxPool 2, Dropout,
      Linear(16*72*72, 120), Linear(120, 84), Dropout, Linear(84, classes),
      ReLU after each conv and hidden Linear: 9,966,691 parameters at 300 px
      (as the paper's summary). Dropout rate not stated: PyTorch's default 0.5.
    * ``kind="mlp"``: Flatten, Linear(3*300*300, 255), ReLU, Linear(255, classes):
      68,851,023 parameters.

    Recipe (section 3): Adam lr 1e-4, batch 8, at most 10 epochs, early stopping
    on val accuracy with patience 3 restoring the best weights, a stratified 20%
    validation split, ImageNet mean/std normalisation, flips + scale 0.8-1.0 +
    rotation 15 degrees augmentation, seed 2342. Reported: CNN 74.5% val, MLP 51.6%.

    Shapes: (N, in_channels, image_size, image_size) -> (N, num_classes).
    """
    if kind == "cnn":
        return LeNet(num_classes, in_channels, image_size, (6, 16), (120, 84), dropout)
    if kind == "mlp":
        flat = in_channels * image_size * image_size
        return PaperNet(Sequential(), Sequential(Linear(flat, 255), ReLU(),
                                                 Linear(255, num_classes)))
    raise ValueError(f"idler_cnn: kind must be 'cnn' or 'mlp', got {kind!r}")


# The papers' training recipes; examples/ use these as their defaults. Values the
# paper does not give are marked "assumed" in the example's help text.
PAPER_HPARAMS = {
    "wells_cnn": dict(optimizer="adam", lr=1e-4, decay=1e-6, batch_size=32, patience=30,
                      monitor="val_loss"),
    "kth_vgg": {
        "A": dict(optimizer="sgd", lr=1e-2, decay=0.0, epochs=20),
        "B": dict(optimizer="adam", lr=1e-3, decay=0.0, epochs=20),
        "C": dict(optimizer="adam", lr=1e-3, decay=0.0, epochs=20),
        "D": dict(optimizer="adam", lr=1e-3, decay=0.0, epochs=20),
        "E": dict(optimizer="adam", lr=1e-2, decay=1e-6, epochs=60),
        "F": dict(optimizer="adam", lr=1e-3, decay=1e-5, epochs=100),
    },
    "wallace_cnn": dict(optimizer="adam", lr=1e-4, batch_size=64, epochs=300),
    "idler_cnn": dict(optimizer="adam", lr=1e-4, batch_size=8, epochs=10, patience=3,
                      monitor="val_accuracy", seed=2342),
}
