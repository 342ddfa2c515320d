"""``keras.datasets``: ``mnist``, ``fashion_mnist``, ``cifar10`` with Keras' ``load_data()``."""
from minidl.keras.datasets import cifar10, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10"]

# session 11 (ktext): word-index, CIFAR-100 and regression datasets
from minidl.keras.datasets import boston_housing, california_housing, cifar100, imdb, reuters  # noqa: E402

__all__ += ["imdb", "reuters", "cifar100", "boston_housing", "california_housing"]
