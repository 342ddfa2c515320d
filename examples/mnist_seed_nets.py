"""VGG-16, GoogLeNet and ResNet-18 (and a LeNet-style CNN) on MNIST or Fashion-MNIST.

Reproduces M. Asif (QMUL), "Deep Networks for Image Classification"
(``shared/papers/003_3c5d2adb896989a2.txt``): three torchvision-style nets
trained for 10 epochs with batch size 32, SGD vs Adam, learning rate 0.001 vs
0.01 (Table I: ResNet-18 + SGD 99.4%, VGG-16 99.1%, GoogLeNet 99.1%).

The paper fed 224 px images on a GPU; on a CPU this script keeps MNIST's
28 px (VGG-16 needs 32: images are resized) and the 32 px VGG-16 variant
(512-wide classifier). The SGD momentum (0.9) is assumed: the paper does not
give one. GoogLeNet trains with its two auxiliary heads (loss weight 0.3).

    python examples/mnist_seed_nets.py --model resnet18                 # SGD, lr 0.001
    python examples/mnist_seed_nets.py --model googlenet --optimizer adam
    python examples/mnist_seed_nets.py --grid --epochs 1 --limit-train 2000   # the paper's table
    python examples/mnist_seed_nets.py --model lenet --epochs 12 --optimizer adam --lr 1e-3 \\
        --schedule cosine                                                 # LeNet-style CNN
    python examples/mnist_seed_nets.py --model lenet --dataset fashion-mnist ...
"""
from __future__ import annotations

import copy
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

import minidl.nn.functional as F  # noqa: E402
from minidl import data, models  # noqa: E402

MNIST_STATS = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}
PAPER = {  # Table I of the paper: (model, optimiser or None, lr) -> test accuracy %
    ("vgg16", None, 0.001): 99.1, ("vgg16", None, 0.01): 98.4, ("vgg16", "sgd", 0.001): 99.1,
    ("vgg16", "adam", 0.001): 98.2, ("googlenet", None, 0.001): 98.7,
    ("googlenet", None, 0.01): 81.5, ("googlenet", "sgd", 0.001): 99.1,
    ("googlenet", "adam", 0.001): 99.0, ("resnet18", None, 0.001): 99.2,
    ("resnet18", None, 0.01): 98.0, ("resnet18", "sgd", 0.001): 99.4,
    ("resnet18", "adam", 0.001): 98.3,
}


def build_model(args, num_classes):
    """The ``--model`` net for 1-channel images; returns (model, image size)."""
    if args.model == "vgg16":
        size = args.image_size or 32
        return models.vgg16(num_classes=num_classes, in_channels=1, image_size=size,
                            batch_norm=args.batch_norm), size
    size = args.image_size or 28
    if args.model == "resnet18":
        return models.resnet18(num_classes=num_classes, in_channels=1,
                               cifar_stem=args.cifar_stem), size
    if args.model == "googlenet":
        return models.googlenet(num_classes=num_classes, in_channels=1, aux_logits=True), size
    return models.lenet(num_classes=num_classes, in_channels=1, image_size=size,
                        channels=tuple(args.lenet_channels), hidden=tuple(args.lenet_hidden),
                        dropout=args.dropout), size


def run_one(args, train, test):
    """Train and test one configuration; returns its summary dict."""
    model, size = build_model(args, len(test.classes))
    native = common.image_shape(test)[1]
    mean, std = MNIST_STATS[args.dataset]
    resize = data.transforms.Resize(size) if size != native else None
    norm = data.transforms.Normalize((mean,), (std,))
    augment = (data.transforms.RandomAffine(degrees=10, translate=(0.1, 0.1))
               if args.augment != "none" else None)
    loss = models.googlenet_loss() if args.model == "googlenet" else F.cross_entropy
    paper = PAPER.get((args.model, args.optimizer, args.lr))
    return common.train_and_report(
        args, model, train, test, loss=loss,
        train_transform=common.compose(resize, augment, norm),
        eval_transform=common.compose(resize, norm),
        extra={"paper_test_accuracy": paper / 100 if paper else None})


def main(argv=None):
    parser = common.make_parser(
        "mnist_seed_nets", __doc__.splitlines()[0], datasets=("mnist", "fashion-mnist"),
        epochs=10, batch_size=32, optimizer="sgd", lr=1e-3, momentum=0.9)
    parser.add_argument("--model", default="resnet18",
                        choices=("vgg16", "googlenet", "resnet18", "lenet"))
    parser.add_argument("--grid", action="store_true",
                        help="run the paper's grid: the three nets x {SGD, Adam} x lr {0.001, 0.01}; "
                             "each run in --out/<model>_<optimizer>_<lr>/, the table in --out/grid.csv")
    parser.add_argument("--batch-norm", action="store_true", help="VGG-16 with batch norm")
    parser.add_argument("--cifar-stem", action="store_true",
                        help="ResNet-18 with a 3x3 stride-1 stem and no max-pool (slower, "
                             "keeps more resolution)")
    parser.add_argument("--lenet-channels", type=int, nargs=2, default=(32, 64), metavar="C",
                        help="--model lenet: filters of its two 5x5 convs (tutorial: 6 16)")
    parser.add_argument("--lenet-hidden", type=int, nargs="*", default=(256,), metavar="H",
                        help="--model lenet: hidden FC widths (tutorial: 120 84)")
    parser.add_argument("--dropout", type=float, default=0.25, help="--model lenet: dropout")
    args = parser.parse_args(argv)
    common.check_device(args.device)
    train, test = common.load_datasets(args)
    if not args.grid:
        run_one(args, train, test)
        return
    rows, root = [], Path(args.out)
    for model in ("vgg16", "googlenet", "resnet18"):
        for opt in ("sgd", "adam"):
            for lr in (0.001, 0.01):
                sub = copy.copy(args)
                sub.model, sub.optimizer, sub.lr = model, opt, lr
                sub.out = str(root / f"{model}_{opt}_{lr:g}")
                print(f"\n=== {model}, {opt}, lr {lr:g} ===", flush=True)
                s = run_one(sub, train, test)
                rows.append({"model": model, "optimizer": opt, "lr": lr, "epochs": s["epochs"],
                             "test_accuracy": s["test_accuracy"],
                             "paper_test_accuracy": s.get("paper_test_accuracy"),
                             "wall_time_s": s["wall_time_s"]})
    with open(root / "grid.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"grid written to {root / 'grid.csv'}")


if __name__ == "__main__":
    common.run_main(main)
