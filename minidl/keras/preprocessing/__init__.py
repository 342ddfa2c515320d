"""``keras.preprocessing``: ``sequence`` (``pad_sequences``)."""
from minidl.keras.preprocessing import sequence  # noqa: F401
