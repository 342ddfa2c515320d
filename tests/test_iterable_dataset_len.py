"""An IterableDataset without ``__len__`` (PyTorch's docs example): ``list(DataLoader(ds))`` works and
``len()`` is a TypeError, as in PyTorch (whose Dataset has no ``__len__``)."""
import pytest

import minidl
from minidl.utils.data import DataLoader, Dataset, IterableDataset


class RangeStream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def test_list_of_loader_over_stream():
    batches = list(DataLoader(RangeStream(3, 10), batch_size=3))
    assert [b.tolist() for b in batches] == [[3, 4, 5], [6, 7, 8], [9]]
    assert all(isinstance(b, minidl.Tensor) for b in batches)
    assert list(DataLoader(RangeStream(0, 4), batch_size=None)) == [0, 1, 2, 3]


def test_len_is_a_type_error():
    with pytest.raises(TypeError, match="has no len"):
        len(RangeStream(0, 3))
    with pytest.raises(TypeError):
        len(DataLoader(RangeStream(0, 3), batch_size=2))

    class NoLen(Dataset):
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="^object of type 'NoLen' has no len\\(\\)$"):
        len(NoLen())
