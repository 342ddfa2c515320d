"""``keras.preprocessing``: ``image`` (and the dataset utility Keras also exposes here)."""
from minidl.keras.image_dataset import image_dataset_from_directory
from minidl.keras.preprocessing import image

__all__ = ["image", "image_dataset_from_directory"]
