"""``keras.preprocessing.image``: Keras 3's image helpers, plus tf.keras 2.x's ``ImageDataGenerator``
and its iterators (absent from Keras 3; kept for scripts written against tf.keras 2)."""
from minidl.keras.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from minidl.keras.preprocessing.image_generator import (
                                                        ImageDataGenerator,
                                                        apply_affine_transform,
                                                        apply_brightness_shift,
                                                        apply_channel_shift,
)
from minidl.keras.preprocessing.image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize", "ImageDataGenerator",
           "Iterator", "NumpyArrayIterator", "DirectoryIterator", "apply_affine_transform", "apply_channel_shift",
           "apply_brightness_shift"]
