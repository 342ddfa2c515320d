"""A stand-in for the part of pandas that PyTorch's data-loading tutorial uses (``read_csv`` and a frame's
``iloc[row, col]``/``iloc[row, 1:]`` and ``len``), so the script runs where pandas (no minidl dependency) is absent."""
import csv

import numpy as np


class _ILoc:
    def __init__(self, frame):
        self._frame = frame

    def __getitem__(self, key):
        row, col = key
        values = self._frame._rows[row]
        picked = values[col]
        if isinstance(col, slice):
            return Series([_number(v) for v in picked], self._frame.columns[col])
        return _number(picked)


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


class Series:
    """A row's values with their column names (``np.asarray`` reads the values)."""

    def __init__(self, values, index):
        self.values, self.index = values, list(index)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)

    def __len__(self):
        return len(self.values)

    def to_numpy(self, dtype=None):
        return np.asarray(self.values, dtype=dtype)


class DataFrame:
    """Rows of text read from a CSV file, with its header as ``columns``."""

    def __init__(self, columns, rows):
        self.columns, self._rows = list(columns), rows
        self.iloc = _ILoc(self)

    def __len__(self):
        return len(self._rows)

    @property
    def shape(self):
        return (len(self._rows), len(self.columns))


def read_csv(path):
    """The CSV file at ``path`` as a :class:`DataFrame` (first line the header)."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return DataFrame(header, [row for row in reader])
