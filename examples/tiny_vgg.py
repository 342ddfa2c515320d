"""Train CNN Explainer's TinyVGG; the headline example.

With no flags it runs offline on the embedded, generated ``Shapes`` data set
(10 classes of coloured shapes, 32x32; 4,500 training, 500 validation and
2,000 test images) for 10 epochs on the CPU: about 13 s on an idle 2-core machine,
reaching 88.45% test accuracy with the default seed 0 (85.6-92.7%, mean 88.0%,
over seeds 0-4; see docs/results.md)::

    python examples/tiny_vgg.py
    python examples/tiny_vgg.py --dataset cifar10 --epochs 30          # ../shared/data copy
    python examples/tiny_vgg.py --dataset tiny-imagenet --data-dir ~/data/tiny-imagenet-200
    python examples/tiny_vgg.py --dataset imagefolder --data-dir photos/ --image-size 64
    python examples/tiny_vgg.py --device gpu

Outputs in ``runs/tiny_vgg/`` (``--out``): log.csv, best.h5, curves.png,
confusion_matrix.png, worst_errors.png, summary.json. TinyVGG (two blocks of
two 3x3 valid convs with 10 filters + max-pool, then one dense layer) is
built by ``minidl.models.tiny_vgg``; its input size follows ``--image-size``
(64 for CNN Explainer's own trained model, 32 here by default).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

import minidl  # noqa: E402
from minidl import models  # noqa: E402

# Shapes: how many images to generate for training (10% is held out for
# validation) and testing; sized so the default run fits in a few minutes.
SHAPES_N = (5000, 2000)


def main(argv=None):
    parser = common.make_parser(
        "tiny_vgg", __doc__.splitlines()[0],
        epochs=10, batch_size=32, lr=2e-3, optimizer="adam", schedule="cosine")
    parser.add_argument("--filters", type=int, default=10, help="filters per conv (CNN Explainer: 10)")
    args = parser.parse_args(argv)
    minidl.manual_seed(args.seed)  # before anything random: data, model init
    common.check_device(args.device)  # fail fast, before loading data
    train, test = common.load_datasets(args, shapes_n=SHAPES_N, shapes_size=32)
    resize, size = common.resize_for(args, test)
    model = models.tiny_vgg(num_classes=len(test.classes), in_channels=common.image_shape(test)[0],
                            image_size=size, filters=args.filters)
    common.train_and_report(args, model, train, test,
                            train_transform=common.compose(resize, common.augmentation(args, size)),
                            eval_transform=resize)


if __name__ == "__main__":
    common.run_main(main)
