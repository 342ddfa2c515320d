"""Wells' Tiny ImageNet CNNs ("Model 1" and "Model 2").

Reproduces W. Wells (CUNY DATA 698, 2018), "Image Classification using Deep
Learning" (``shared/papers/000_5da301d92ecade73.txt``, Tables 2 and 3):
Adam lr 1e-4 with decay 1e-6, categorical cross-entropy, early stopping on
val_loss with patience 30, optional augmentation; the paper's validation set
(Tiny ImageNet ``val``) is both the monitor and the reported score, as here
(``--val-split 0``). Best: Model 2 without augmentation, 34.75% top-1 /
60.86% top-5 after 88 epochs.

    python examples/tiny_imagenet_wells.py --data-dir ~/data/tiny-imagenet-200 --model 2
    python examples/tiny_imagenet_wells.py --data-dir ... --model 1 --augment

Tiny ImageNet is not in ``../shared/data``; give ``--data-dir`` (the
``tiny-imagenet-200`` folder) or put it in ``$MINIDL_DATA/tiny-imagenet``.
``--dataset shapes --image-size 64`` runs the same pipeline offline, and a
generated stand-in in Tiny ImageNet's own layout runs the real reading path:

    python -m minidl.data.standins tiny-imagenet /tmp/tin --classes 200
    python examples/tiny_imagenet_wells.py --data-dir /tmp/tin --epochs 2
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

import minidl  # noqa: E402
from minidl import data, models  # noqa: E402
from minidl.models.papers import PAPER_HPARAMS  # noqa: E402

HP = PAPER_HPARAMS["wells_cnn"]


def main(argv=None):
    parser = common.make_parser(
        "tiny_imagenet_wells", __doc__.splitlines()[0], datasets=("tiny-imagenet", "shapes"),
        epochs=300, batch_size=HP["batch_size"], lr=HP["lr"], decay=HP["decay"],
        optimizer=HP["optimizer"], patience=HP["patience"], monitor=HP["monitor"], val_split=0.0)
    parser.add_argument("--model", type=int, default=2, choices=(1, 2))
    parser.add_argument("--dropout", type=float, nargs="+", default=None,
                        help="Model 1: one rate (0.5); Model 2: three (0.5 0.5 0.75)")
    args = parser.parse_args(argv)
    minidl.manual_seed(args.seed)  # before anything random: data, model init
    common.check_device(args.device)
    train, test = common.load_datasets(args, shapes_size=64)
    resize, size = common.resize_for(args, test)
    dropout = args.dropout
    if dropout is not None:
        dropout = dropout[0] if args.model == 1 else tuple(dropout)
    model = models.wells_cnn(model=args.model, num_classes=len(test.classes),
                             in_channels=common.image_shape(test)[0], image_size=size,
                             dropout=dropout)
    augment = None
    if args.augment != "none":  # Keras' ImageDataGenerator-style shifts, rotations, zoom and flips
        T = data.transforms
        augment = T.Compose([T.RandomAffine(degrees=20, translate=(0.1, 0.1), scale=(0.9, 1.1)),
                             T.RandomHorizontalFlip()])
    paper = {1: (0.3200, 0.5918), 2: (0.3475, 0.6086)}[args.model]
    common.train_and_report(args, model, train, test,
                            train_transform=common.compose(resize, augment), eval_transform=resize,
                            extra={"paper_val_accuracy": paper[0], "paper_val_top5_accuracy": paper[1]})


if __name__ == "__main__":
    common.run_main(main)
