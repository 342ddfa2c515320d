# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Training a CNN end to end
#
# Everything from notebooks 01-03, assembled: a small convolutional network
# (conv → batch norm → ReLU → max-pool, twice, then a linear classifier) trained
# with `minidl.train.fit` on **Shapes**, the dataset minidl generates itself (ten
# classes of coloured shapes on noisy backgrounds; no download). Then we look at
# what it learned: training curves, a confusion matrix, the first layer's
# filters and the test images it gets most confidently wrong.
#
# Set `DATASET = "mnist"` below to train on a subset of MNIST instead, when the
# project's `../shared/data/mnist` folder is present beside the checkout.

# %% tags=["parameters"]
# parameters
DATASET = "shapes"     # or "mnist" (needs ../shared/data/mnist)
N_TRAIN, N_TEST = 3000, 500
EPOCHS = 10

# %%
from pathlib import Path

import minidl as mdl


def find_repo():
    """The checkout holding this notebook (docs/notebooks/ -> repo root), or None."""
    starts = [Path.cwd().resolve(), Path(mdl.__file__).resolve().parent]
    for start in starts:
        for p in (start, *start.parents):
            if (p / "setup.cfg").is_file() and (p / "minidl" / "__init__.py").is_file():
                return p
    return None

REPO = find_repo()
SHARED_DATA = REPO.parent / "shared" / "data" if REPO is not None else None
print("repository:", REPO.name if REPO else None, "| shared data present:",
      bool(SHARED_DATA and SHARED_DATA.is_dir()))

# %%
import tempfile

import numpy as np
from IPython.display import Image, display

import minidl.nn as nn
import minidl.optim as optim
from minidl import metrics, viz
from minidl.data import MNIST, DataLoader, Shapes, Subset
from minidl.summary import summary
from minidl.train import LearningRateScheduler, evaluate, fit, predict

mdl.manual_seed(0)
OUT = Path(tempfile.mkdtemp(prefix="minidl-nb04-"))   # plots go here, not into the repo

# %% [markdown]
# ## 1. Data
#
# `Shapes(n, image_size, num_classes, seed)` renders `n` images deterministically
# from `seed`, so train and test sets just use different seeds. Images are kept as
# uint8 `(N, H, W, C)` in `.data`; the `DataLoader` yields float32 NCHW batches in
# $[0, 1]$ and int64 labels. 16×16 pixels keeps the run to seconds.

# %%
if DATASET == "mnist" and SHARED_DATA is not None and (SHARED_DATA / "mnist").is_dir():
    full_train = MNIST(SHARED_DATA / "mnist", train=True)
    full_test = MNIST(SHARED_DATA / "mnist", train=False)
    pick = np.random.default_rng(0)
    train_ds = Subset(full_train, pick.choice(len(full_train), N_TRAIN, replace=False))
    test_ds = Subset(full_test, pick.choice(len(full_test), N_TEST, replace=False))
    classes = full_train.classes
    test_images = full_test.data[test_ds.indices]
else:
    if DATASET != "shapes":
        print(f"{DATASET!r} not available here: using Shapes")
    train_ds = Shapes(N_TRAIN, image_size=16, num_classes=10, seed=0)
    test_ds = Shapes(N_TEST, image_size=16, num_classes=10, seed=1)
    classes = train_ds.classes
    test_images = test_ds.data

x0, y0 = train_ds[0]
print(f"{len(train_ds)} training and {len(test_ds)} test images; one image: {x0.shape} {x0.dtype}; "
      f"classes: {classes}")

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(2, 10, figsize=(10, 2.4))
for k, ax in enumerate(axes.flat):
    x, y = train_ds[k]
    ax.imshow(x.transpose(1, 2, 0).squeeze(), cmap="gray" if x.shape[0] == 1 else None)
    ax.set_title(str(classes[y])[:9], fontsize=8); ax.axis("off")
plt.tight_layout(); plt.show()

# %% [markdown]
# ## 2. Model
#
# Two conv blocks of the shape notebooks 02 and 03 took apart. Padding 1 keeps
# the 3×3 convolutions size-preserving, so each max-pool halves the side:
# 16 → 8 → 4. `summary` runs one probe forward pass and prints the layer shapes.

# %%
in_ch, size = x0.shape[0], x0.shape[1]

def make_cnn(in_channels, image_size, num_classes, width=8):
    s = image_size // 4
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * width * s * s, num_classes),
    )

model = make_cnn(in_ch, size, len(classes))
_ = summary(model, (in_ch, size, size))

# %% [markdown]
# ## 3. Training with `fit`
#
# `fit` is Keras-style: it runs the epochs, evaluates `val_data` after each in eval
# mode (batch norm then uses its running statistics), and returns a `History`.
# Each step is the loop of notebook 01 at scale: forward, cross-entropy loss,
# `backward()`, `optimizer.step()`. A cosine schedule, driven by the
# `LearningRateScheduler` callback, lowers Adam's step size towards the end.
# `seed=0` makes each epoch's shuffling depend only on (seed, epoch).

# %%
opt = optim.Adam(model.parameters(), lr=5e-3)
schedule = LearningRateScheduler(optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS))
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True, seed=0)
test_loader = DataLoader(test_ds, batch_size=250)

history = fit(model, train_loader, epochs=EPOCHS, optimizer=opt, loss="cross_entropy",
              val_data=test_loader, callbacks=[schedule], verbose=2, seed=0)

# %%
print(history)
best_epoch, best_acc = history.best("val_accuracy")
print(f"best val_accuracy {best_acc:.3f} at epoch {best_epoch + 1}")
display(Image(filename=viz.plot_history(history, OUT / "history.png")))

# %% [markdown]
# ## 4. Evaluation: confusion matrix and per-class scores
#
# `predict` returns the logits for the whole test set as one NumPy array; the
# metrics take logits or labels. Row $i$ of the confusion matrix counts the test
# images of class $i$ by predicted class.

# %%
print(evaluate(model, test_loader, loss="cross_entropy"))
logits = predict(model, test_loader)
y_true = np.concatenate([y for _, y in test_loader])
y_pred = logits.argmax(axis=1)
print("accuracy:", metrics.accuracy(logits, y_true))
cm = metrics.confusion_matrix(y_true, y_pred, num_classes=len(classes))
print(metrics.classification_report(y_true, y_pred, class_names=classes))
display(Image(filename=viz.plot_confusion_matrix(cm, OUT / "cm.png", class_names=classes)))

# %% [markdown]
# ## 5. Learned filters
#
# The first conv layer's 8 filters, each $3\times3$ over the input channels,
# drawn in RGB for colour input (each filter rescaled to $[0, 1]$, so mid-grey
# means zero). Nine pixels per filter are hard to read one by one; what shows is
# that most of them respond to colour *differences* between neighbouring pixels (edges
# between a shape and its background) rather than to one fixed colour, which
# matters here because every image draws its colours at random. A number backs
# that up: $|\sum w| / \sum |w|$ of a filter is 0 when it ignores a flat patch
# (weights summing to zero) and 1 when all its weights share one sign.

# %%
display(Image(filename=viz.plot_filters(model[0], OUT / "filters.png")))
w1 = model[0].weight.numpy()
flatness = np.abs(w1.sum(axis=(1, 2, 3))) / np.abs(w1).sum(axis=(1, 2, 3))
print("|sum w| / sum|w| per filter:", flatness.round(2))

# %% [markdown]
# ## 6. The worst errors
#
# The misclassified test images on which the model was most confident, with the
# true class, the prediction and its softmax probability: a quick way to find
# label noise, ambiguous classes, or a systematic blind spot.

# %%
display(Image(filename=viz.plot_worst_errors(test_images, y_true, y_pred, logits, OUT / "worst.png",
                                             class_names=classes, n=8)))

# %% [markdown]
# **Where next.** `minidl.models` has larger networks (`tiny_vgg`, `lenet`,
# `resnet18` ...), `minidl.train` has early stopping, checkpoints and
# hyper-parameter search, and `docs/results.md` reports the reference runs.
