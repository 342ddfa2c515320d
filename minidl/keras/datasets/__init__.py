"""``keras.datasets``: ``mnist``, ``fashion_mnist``, ``cifar10`` with Keras' ``load_data()``."""
from minidl.keras.datasets import cifar10, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10"]
