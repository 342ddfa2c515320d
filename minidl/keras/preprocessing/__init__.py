"""``keras.preprocessing``: ``image``, ``sequence`` (``pad_sequences``), and the dataset utilities Keras also
exposes here."""
from minidl.keras.image_dataset import image_dataset_from_directory
from minidl.keras.preprocessing import image, sequence
from minidl.keras.text_dataset import text_dataset_from_directory
from minidl.keras.timeseries_dataset import timeseries_dataset_from_array

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
