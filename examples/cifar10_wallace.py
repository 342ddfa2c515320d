"""Wallace's CIFAR-10 CNNs: the baseline MLP, the basic CNN and the deep CNN "Sets".

Reproduces K. Wallace (Springboard capstone, 2018), "Image Classification
through CNNs on the CIFAR-10 Dataset using AWS"
(``shared/papers/004_07e52d57e7862ac7.txt``). The defaults are his best run,
Set 4b: the deep CNN with 48 base filters (48-48-96-96-192-192), kernel 2,
Adam lr 1e-4, batch 64, 300 epochs: 84.84% test accuracy on a GPU. The
network is ``minidl.models.wallace_cnn`` (see its docstring for what the
report leaves open and how it was read).

    python examples/cifar10_wallace.py                                  # Set 4b (300 epochs!)
    python examples/cifar10_wallace.py --epochs 30 --lr 1e-3            # a CPU-sized run
    python examples/cifar10_wallace.py --kind basic --epochs 100        # the basic CNN
    python examples/cifar10_wallace.py --kind mlp --optimizer adadelta --lr 1.0 --batch-size 500

CIFAR-10 is read from ``../shared/data/cifar10-jpeg.tar.gz`` when present
(else ``--data-dir``: the official pickles or a train/ + test/ image tree).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

from minidl import models  # noqa: E402


def main(argv=None):
    parser = common.make_parser(
        "cifar10_wallace", __doc__.splitlines()[0], datasets=("cifar10", "shapes"),
        epochs=300, batch_size=64, lr=1e-4, optimizer="adam")
    parser.add_argument("--kind", default="deep", choices=("deep", "basic", "mlp"))
    parser.add_argument("--base-filters", type=int, default=48, help="Set 1: 32, Sets 2/4: 48, Set 3: 64")
    parser.add_argument("--kernel-size", type=int, default=2, choices=(2, 3))
    parser.add_argument("--dense", type=int, default=512, help="width of the hidden dense layer(s)")
    parser.add_argument("--dropout", type=float, nargs=2, default=(0.25, 0.5), metavar="P",
                        help="after each conv pair, after the dense layer")
    args = parser.parse_args(argv)
    common.check_device(args.device)
    train, test = common.load_datasets(args)
    resize, size = common.resize_for(args, test)
    model = models.wallace_cnn(kind=args.kind, base_filters=args.base_filters,
                               kernel_size=args.kernel_size, num_classes=len(test.classes),
                               in_channels=common.image_shape(test)[0], image_size=size,
                               dense=args.dense, dropout=tuple(args.dropout))
    common.train_and_report(args, model, train, test,
                            train_transform=common.compose(resize, common.augmentation(args, size)),
                            eval_transform=resize,
                            extra={"paper_test_accuracy": 0.8484, "paper_epochs": 300})


if __name__ == "__main__":
    common.run_main(main)
