"""Idler's fruit classifier on any folder of images (``root/<class>/<image>``).

Reproduces C. Idler (AIML421), "Image Classification" (tomato / cherry /
strawberry, ``shared/papers/002_63fa335fb2b400eb.txt``): the PyTorch CIFAR-10
tutorial CNN with two dropouts on 300x300 images (74.5% val) and the baseline
MLP (51.6%). Recipe: Adam lr 1e-4, batch 8, at most 10 epochs, early
stopping on val accuracy with patience 3 restoring the best weights, a
stratified 20% validation split, ImageNet mean/std normalisation, flips +
scale 0.8-1.0 + rotation up to 15 degrees, seed 2342.

    python examples/imagefolder_classifier.py --data-dir fruit/          # 80/20 train/test split
    python examples/imagefolder_classifier.py --data-dir fruit/ --model mlp
    python examples/imagefolder_classifier.py --data-dir fruit/ --image-size 128 --epochs 20

``--data-dir`` holding ``train/`` and ``test/`` sub-folders uses them as the
split; otherwise 20% of each class is the test set. Corrupt files are skipped.
``python -m minidl.data.standins fruit /tmp/fruit`` writes a generated stand-in
(three classes of mostly 300x300 JPEGs) to try the script without the real images.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

import minidl  # noqa: E402
from minidl import data, models  # noqa: E402
from minidl.models.papers import PAPER_HPARAMS  # noqa: E402

HP = PAPER_HPARAMS["idler_cnn"]
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def main(argv=None):
    parser = common.make_parser(
        "imagefolder_classifier", __doc__.splitlines()[0], datasets=("imagefolder", "shapes"),
        image_size=300, epochs=HP["epochs"], batch_size=HP["batch_size"], lr=HP["lr"],
        optimizer=HP["optimizer"], patience=HP["patience"], monitor=HP["monitor"],
        seed=HP["seed"], val_split=0.2)
    parser.add_argument("--model", default="cnn", choices=("cnn", "mlp"))
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--no-augment", dest="paper_augment", action="store_false",
                        help="turn off the paper's flips + scale + rotation augmentation")
    args = parser.parse_args(argv)
    minidl.manual_seed(args.seed)  # before anything random: data, model init
    common.check_device(args.device)
    train, test = common.load_datasets(args, shapes_size=args.image_size)
    resize, size = common.resize_for(args, test)
    channels = common.image_shape(test)[0]
    model = models.idler_cnn(kind=args.model, image_size=size, num_classes=len(test.classes),
                             in_channels=channels, dropout=args.dropout)
    T = data.transforms
    norm = T.Normalize(IMAGENET_MEAN, IMAGENET_STD) if channels == 3 else None
    augment = None
    if args.paper_augment:
        augment = T.Compose([T.RandomHorizontalFlip(), T.RandomVerticalFlip(),
                             T.RandomAffine(degrees=15, scale=(0.8, 1.0))])
    paper = 0.745 if args.model == "cnn" else 0.5163
    common.train_and_report(args, model, train, test,
                            train_transform=common.compose(resize, augment, norm),
                            eval_transform=common.compose(resize, norm),
                            extra={"paper_val_accuracy": paper})


if __name__ == "__main__":
    common.run_main(main)
