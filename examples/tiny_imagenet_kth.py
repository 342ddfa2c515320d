"""The KTH DD2424 VGG-style nets (configurations A-F) on Tiny ImageNet.

Reproduces Skagerström, Price & Lindqvist (KTH DD2424, 2018), "Classification
of ImageNet with CNNs" (``shared/papers/001_0e09f11adbc87a55.txt``, Tables 1-3):
2x2 / 2x1 / 1x2 convolutions, BN, dropout 0.3, L2 1e-3 (E) or 5e-3 (F) added
to the loss, He vs random-uniform init, SGD (A) vs Adam (B-F), per-channel mean
subtraction. The paper gives the learning rates of E (Adam 1e-2, decay 1e-6,
60 epochs) and F (Adam 1e-3, a "higher" decay, 100 epochs) only; A-D use
Keras' default rates (SGD 0.01, Adam 0.001) for 20 epochs, F a decay of 1e-5,
and the batch size is 64: all assumed. Reported top-1 / top-5 (val):
A 17/37, B 22/45, C 6/20, D 29/55, E 25/50, F 24/48 (%).

    python examples/tiny_imagenet_kth.py --data-dir ~/data/tiny-imagenet-200 --config D
    python examples/tiny_imagenet_kth.py --dataset shapes --image-size 64 --config F --epochs 3

Tiny ImageNet is not in ``../shared/data``: give ``--data-dir``. Without it,
``python -m minidl.data.standins tiny-imagenet /tmp/tin`` writes a generated
stand-in in the same layout (``--data-dir /tmp/tin`` then runs end to end).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

import minidl  # noqa: E402
import minidl.nn.functional as F  # noqa: E402
from minidl import data, models  # noqa: E402
from minidl.models.papers import PAPER_HPARAMS  # noqa: E402

PAPER = {"A": (0.17, 0.37), "B": (0.22, 0.45), "C": (0.06, 0.20), "D": (0.29, 0.55),
         "E": (0.25, 0.50), "F": (0.24, 0.48)}


def main(argv=None):
    parser = common.make_parser(
        "tiny_imagenet_kth", __doc__.splitlines()[0], datasets=("tiny-imagenet", "shapes"),
        batch_size=64, val_split=0.0, epochs=None, lr=None, optimizer=None, decay=None)
    parser.add_argument("--config", default="D", choices=tuple("ABCDEF"))
    parser.add_argument("--padding", default="valid", choices=("valid", "same"))
    args = parser.parse_args(argv)
    minidl.manual_seed(args.seed)  # before anything random: data, model init
    hp = PAPER_HPARAMS["kth_vgg"][args.config]
    for key in ("epochs", "lr", "optimizer", "decay"):  # the configuration's recipe
        if getattr(args, key) is None:
            setattr(args, key, hp[key])
    common.check_device(args.device)
    train, test = common.load_datasets(args, shapes_size=64)
    resize, size = common.resize_for(args, test)
    model = models.kth_vgg(config=args.config, num_classes=len(test.classes),
                           in_channels=common.image_shape(test)[0], image_size=size,
                           padding=args.padding)
    mean, _ = data.channel_stats(train)
    center = data.transforms.Normalize(mean)  # subtract the training set's channel means

    def loss(output, target):  # cross-entropy + the configuration's L2 terms (Keras-style)
        return F.cross_entropy(output, target) + model.regularization_loss()

    top1, top5 = PAPER[args.config]
    common.train_and_report(args, model, train, test, loss=loss,
                            train_transform=common.compose(resize, common.augmentation(args, size),
                                                           center),
                            eval_transform=common.compose(resize, center),
                            extra={"paper_val_accuracy": top1, "paper_val_top5_accuracy": top5})


if __name__ == "__main__":
    common.run_main(main)
