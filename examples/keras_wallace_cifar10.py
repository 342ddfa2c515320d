"""Wallace's CIFAR-10 networks written as Keras code, run on ``minidl.keras``.

K. Wallace (Springboard capstone, 2018), "Image Classification through CNNs on
the CIFAR-10 Dataset using AWS" (``shared/papers/004_07e52d57e7862ac7.txt``)
built everything with Keras' Sequential API on the data "built-in to Keras"
(``keras.datasets.cifar10``). This script is that code with ``import keras``
replaced by ``from minidl import keras``:

* ``--model mlp``: the baseline without convolution: images reshaped to
  (N, 3072), Dense 512 + ReLU + Dropout 0.5 twice, Dense 10 softmax; Adadelta
  (Keras 2's lr 1.0), batch 500 (his best baseline: 52%).
* ``--model deep`` (default): the deep CNN, Set 4b: three pairs of
  Conv2D(filters, 2x2, "same") + ReLU, MaxPooling2D 2x2 and Dropout 0.25 after
  each pair (48-48-96-96-192-192 filters), Flatten, Dense 512 + ReLU, Dropout
  0.5, Dense 10 softmax; Adam lr 1e-4, batch 64, EarlyStopping and
  ModelCheckpoint on val_loss, a CSVLogger (84.84% test after 300 epochs).

Data: ``keras.datasets.cifar10.load_data()`` reads Keras' cache
(``~/.keras/datasets``, ``$KERAS_HOME``) or downloads; ``--data-dir`` points
it at another folder holding ``cifar-10-batches-py`` or a
``cifar10-jpeg.tar.gz`` re-encoding (e.g. the repository's ``../shared/data``).
``--train-subset``/``--test-subset`` take N random images (seeded), for short runs.

    python examples/keras_wallace_cifar10.py --epochs 300                     # Set 4b
    python examples/keras_wallace_cifar10.py --model mlp --epochs 500
    python examples/keras_wallace_cifar10.py --data-dir ../shared/data --epochs 1 --train-subset 5000
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def build_mlp(num_classes=10):
    from minidl import keras
    from minidl.keras.layers import Dense, Dropout
    model = keras.models.Sequential()
    model.add(Dense(512, activation="relu", input_shape=(3072,)))
    model.add(Dropout(0.5))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation="softmax"))
    return model


def build_deep_cnn(input_shape, filter1=48, kernel=2, num_classes=10):
    from minidl import keras
    from minidl.keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    model = keras.models.Sequential()
    model.add(Conv2D(filter1, (kernel, kernel), padding="same", input_shape=input_shape))
    model.add(Activation("relu"))
    model.add(Conv2D(filter1, (kernel, kernel), padding="same"))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    for filters in (filter1 * 2, filter1 * 4):
        model.add(Conv2D(filters, (kernel, kernel), padding="same"))
        model.add(Activation("relu"))
        model.add(Conv2D(filters, (kernel, kernel), padding="same"))
        model.add(Activation("relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(512))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="deep", choices=("deep", "mlp"))
    parser.add_argument("--epochs", type=int, default=None, help="default: 300 (deep), 500 (mlp)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 64 (deep), 500 (mlp)")
    parser.add_argument("--lr", type=float, default=None, help="default: 1e-4 Adam (deep), 1.0 Adadelta (mlp)")
    parser.add_argument("--filter1", type=int, default=48, help="Set 1: 32, Sets 2/4: 48, Set 3: 64")
    parser.add_argument("--kernel", type=int, default=2, choices=(2, 3))
    parser.add_argument("--patience", type=int, default=10, help="EarlyStopping patience on val_loss")
    parser.add_argument("--data-dir", default=None, help="folder with CIFAR-10 in Keras' cache layout")
    parser.add_argument("--train-subset", type=int, default=None, help="use N random training images")
    parser.add_argument("--test-subset", type=int, default=None, help="use N random test images")
    parser.add_argument("--out", default="runs/keras_wallace", help="checkpoint and log folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["MINIDL_KERAS_DATASETS"] = os.path.abspath(args.data_dir)

    from minidl import keras
    keras.utils.set_random_seed(args.seed)
    num_classes = 10
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    rng = np.random.default_rng(args.seed)  # random subsets: a re-encoded copy may be sorted by class
    if args.train_subset:
        keep = rng.permutation(len(x_train))[:args.train_subset]
        x_train, y_train = x_train[keep], y_train[keep]
    if args.test_subset:
        keep = rng.permutation(len(x_test))[:args.test_subset]
        x_test, y_test = x_test[keep], y_test[keep]
    print("x_train shape:", x_train.shape, x_train.shape[0], "train samples,", x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    if args.model == "mlp":
        x_train = np.reshape(x_train, (x_train.shape[0], -1))
        x_test = np.reshape(x_test, (x_test.shape[0], -1))
        model = build_mlp(num_classes)
        opt = keras.optimizers.Adadelta(learning_rate=args.lr or 1.0)  # Keras 2's default lr
        epochs, batch_size = args.epochs or 500, args.batch_size or 500
    else:
        model = build_deep_cnn(x_train.shape[1:], args.filter1, args.kernel, num_classes)
        opt = keras.optimizers.Adam(learning_rate=args.lr or 1e-4)
        epochs, batch_size = args.epochs or 300, args.batch_size or 64
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    os.makedirs(args.out, exist_ok=True)
    name = f"{args.model}{args.filter1 if args.model == 'deep' else ''}"
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience),
        keras.callbacks.ModelCheckpoint(os.path.join(args.out, f"model_{name}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.CSVLogger(os.path.join(args.out, f"{name}.log")),
    ]
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), shuffle=True, callbacks=callbacks,
                        verbose=args.verbose)
    seconds = time.time() - start
    scores = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {scores[0]:.4f}")
    print(f"Test accuracy: {scores[1]:.4f}")
    print(f"epochs run: {len(history.epoch)}, train accuracy (last epoch): "
          f"{history.history['accuracy'][-1]:.4f}, fit time: {seconds:.0f} s")
    return scores


if __name__ == "__main__":
    main()
