"""``keras.preprocessing.sequence``: ``pad_sequences`` (the same function as ``keras.utils.pad_sequences``).

Keras 3 has no ``keras.preprocessing.text`` (its ``Tokenizer`` went with Keras 2); use
``keras.layers.TextVectorization``.
"""
from minidl.keras.utils import pad_sequences

__all__ = ["pad_sequences"]
