"""Tiny ImageNet CNNs of Wells (Model 2) and the KTH group (configuration D) as Keras code on
``minidl.keras``.

* ``--net wells2`` (default): W. Wells (CUNY DATA 698, 2018), Table 2 "Model 2"
  (``shared/papers/000_5da301d92ecade73.txt``): Conv2D 32, 32, MaxPooling2D,
  BatchNormalization, Dropout 0.5; Conv2D 32, 64, MaxPooling2D,
  BatchNormalization, Dropout 0.5; Conv2D 128, MaxPooling2D, Conv2D 128,
  MaxPooling2D, BatchNormalization; Flatten, Dropout 0.75, Dense 512, Dense
  1024, Dense 200 softmax (3x3 "valid" convolutions, ReLU). Adam lr 1e-4 with
  Keras 2's ``decay=1e-6`` (here its Keras 3 spelling, an InverseTimeDecay per
  step), categorical cross-entropy, batch 32, EarlyStopping on val_loss with
  patience 30. Reported: 34.75% top-1 / 60.86% top-5 on val.
* ``--net kth-d``: Skagerström, Price & Lindqvist (KTH DD2424, 2018), Table 1
  configuration D (``001_0e09f11adbc87a55.txt``): conv-32 2x2, 2x1, 1x2,
  max-pool; conv-48 2x2 x3, max-pool; conv-80 2x2 x3, max-pool (each conv
  ReLU then BatchNormalization, He-normal init); FC-2048 + ReLU + BN + Dropout
  0.3; FC-200 softmax; Adam. Reported: 29% top-1 / 55% top-5.

The data is read from the official ``tiny-imagenet-200`` folder layout
(``wnids.txt``, ``train/<wnid>/images/*.JPEG``, ``val/images`` +
``val/val_annotations.txt``) with ``--data-dir``. ``--make-standin DIR``
first writes a small generated stand-in in that layout (minidl's Shapes
images at 64x64, one WordNet-like id per shape) so the pipeline runs offline.

    python examples/keras_tiny_imagenet.py --data-dir ~/data/tiny-imagenet-200 --epochs 100
    python examples/keras_tiny_imagenet.py --make-standin /tmp/tin --epochs 3 --net kth-d
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def make_standin(root, classes=10, per_class=60, val_per_class=15, seed=0):
    """Write a Tiny-ImageNet-layout tree of generated 64x64 JPEGs (class = shape)."""
    from PIL import Image

    from minidl.data import Shapes
    root = Path(root)
    wnids = [f"n{9000000 + k:08d}" for k in range(classes)]
    (root / "wnids.txt").parent.mkdir(parents=True, exist_ok=True)
    (root / "wnids.txt").write_text("\n".join(wnids) + "\n")
    from minidl.data.shapes import SHAPE_NAMES
    (root / "words.txt").write_text("".join(f"{w}\t{SHAPE_NAMES[k]}\n" for k, w in enumerate(wnids)))
    train = Shapes(classes * per_class, image_size=64, num_classes=classes, seed=seed)
    counts = {}
    for img, label in zip(train.data, train.targets):
        w = wnids[int(label)]
        k = counts[w] = counts.get(w, -1) + 1
        path = root / "train" / w / "images" / f"{w}_{k}.JPEG"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(path, "JPEG", quality=95)
    val = Shapes(classes * val_per_class, image_size=64, num_classes=classes, seed=seed + 1)
    (root / "val" / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (img, label) in enumerate(zip(val.data, val.targets)):
        name = f"val_{i}.JPEG"
        Image.fromarray(img).save(root / "val" / "images" / name, "JPEG", quality=95)
        lines.append(f"{name}\t{wnids[int(label)]}\t0\t0\t63\t63")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return root


def build_wells_model2(num_classes, input_shape=(64, 64, 3)):
    from minidl import keras
    from minidl.keras import layers
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
        layers.Conv2D(128, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(128, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dropout(0.75),
        layers.Dense(512, activation="relu"),
        layers.Dense(1024, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def build_kth_d(num_classes, input_shape=(64, 64, 3)):
    from minidl import keras
    from minidl.keras import layers
    model = keras.Sequential([keras.Input(shape=input_shape)])
    blocks = [[(32, (2, 2)), (32, (2, 1)), (32, (1, 2))], [(48, (2, 2))] * 3, [(80, (2, 2))] * 3]
    for block in blocks:
        for filters, kernel in block:
            model.add(layers.Conv2D(filters, kernel, activation="relu", kernel_initializer="he_normal"))
            model.add(layers.BatchNormalization())
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(2048, activation="relu", kernel_initializer="he_normal"))
    model.add(layers.BatchNormalization())
    model.add(layers.Dropout(0.3))
    model.add(layers.Dense(num_classes, activation="softmax", kernel_initializer="he_normal"))
    return model


def load_split(root, split):
    """``(x uint8 (N, 64, 64, 3), y int (N,), class names)`` of a tiny-imagenet-200 folder."""
    from minidl.data import TinyImageNet
    ds = TinyImageNet(root, split=split)
    return np.asarray(ds.data), np.asarray(ds.targets), list(ds.classes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default="wells2", choices=("wells2", "kth-d"))
    parser.add_argument("--data-dir", default=None, help="the tiny-imagenet-200 folder")
    parser.add_argument("--make-standin", default=None, metavar="DIR",
                        help="write a generated stand-in in Tiny ImageNet's layout to DIR and use it")
    parser.add_argument("--standin-classes", type=int, default=10)
    parser.add_argument("--standin-per-class", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=None, help="default: 1e-4 (wells2), 1e-3 (kth-d)")
    parser.add_argument("--patience", type=int, default=30)
    parser.add_argument("--out", default="runs/keras_tiny_imagenet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    from minidl import keras
    keras.utils.set_random_seed(args.seed)
    root = args.data_dir
    if args.make_standin:
        root = make_standin(args.make_standin, args.standin_classes, args.standin_per_class, seed=args.seed)
    if root is None:
        parser.error("give --data-dir (the tiny-imagenet-200 folder) or --make-standin DIR")
    x_train, y_train, classes = load_split(root, "train")
    x_val, y_val, _ = load_split(root, "val")
    num_classes = len(classes)
    print(f"{len(x_train)} training and {len(x_val)} validation images, {num_classes} classes")
    x_train, x_val = x_train.astype("float32") / 255, x_val.astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_val = keras.utils.to_categorical(y_val, num_classes)

    if args.net == "wells2":
        model = build_wells_model2(num_classes)
        lr = keras.optimizers.schedules.InverseTimeDecay(args.lr or 1e-4, decay_steps=1, decay_rate=1e-6)
    else:
        model = build_kth_d(num_classes)
        lr = args.lr or 1e-3
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="categorical_crossentropy",
                  metrics=["accuracy", "top_k_categorical_accuracy"])
    os.makedirs(args.out, exist_ok=True)
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience,
                                               restore_best_weights=True),
                 keras.callbacks.CSVLogger(os.path.join(args.out, f"{args.net}.csv"))]
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_val, y_val), callbacks=callbacks, verbose=args.verbose)
    loss, top1, top5 = model.evaluate(x_val, y_val, verbose=0)
    print(f"val loss {loss:.4f}  top-1 {top1:.4f}  top-5 {top5:.4f}  "
          f"({len(history.epoch)} epochs, {time.time() - start:.0f} s)")
    return loss, top1, top5


if __name__ == "__main__":
    main()
