"""A test stand-in for the few pandas members that structured_data_classification_with_feature_space.py
uses (pandas is not a minidl dependency): ``read_csv`` and a ``DataFrame`` of NumPy columns with
``shape``, ``head``, ``sample(frac, random_state)``, ``drop(index)``, ``copy``, ``pop``, ``index``,
``len()`` and the mapping protocol that ``dict(dataframe)`` reads. ``sample`` draws as pandas does
(``np.random.RandomState(random_state).choice(n, round(frac * n), replace=False)``); columns are int64,
float64 or object (str) as pandas infers them for a plain CSV.
"""
import csv

import numpy as np


def _column(values):
    for kind in (int, float):
        try:
            return np.array([kind(v) for v in values])
        except ValueError:
            continue
    return np.array(values, dtype=object)


class DataFrame:
    """Columns (name -> 1-D array) sharing a row ``index`` of labels."""

    def __init__(self, columns, index):
        self._columns, self.index = dict(columns), np.asarray(index)

    @property
    def shape(self):
        return (len(self.index), len(self._columns))

    def __len__(self):
        return len(self.index)

    def keys(self):
        return list(self._columns)

    def __iter__(self):
        return iter(self._columns)

    def __getitem__(self, name):
        return self._columns[name]

    def _rows(self, positions):
        return DataFrame({k: v[positions] for k, v in self._columns.items()}, self.index[positions])

    def head(self, n=5):
        return self._rows(np.arange(min(n, len(self))))

    def sample(self, frac, random_state=None):
        positions = np.random.RandomState(random_state).choice(len(self), size=round(frac * len(self)),
                                                               replace=False)
        return self._rows(positions)

    def drop(self, labels):
        return self._rows(np.flatnonzero(~np.isin(self.index, np.asarray(labels))))

    def copy(self):
        return DataFrame({k: v.copy() for k, v in self._columns.items()}, self.index.copy())

    def pop(self, name):
        return self._columns.pop(name)


def read_csv(path):
    """A DataFrame of a CSV file with a header row."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return DataFrame({name: _column([row[i] for row in body]) for i, name in enumerate(header)},
                     np.arange(len(body)))
