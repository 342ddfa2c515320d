"""``load(path, mmap=True)``: a ``.pt`` zip record memory-mapped copy-on-write instead of read (as
``torch.load(mmap=True)``: changes to the tensors never reach the file)."""
from __future__ import annotations

import mmap
import zipfile

import numpy as np

from ._common import format_error

__all__ = ["mapped_record"]


def mapped_record(zf, path, name, numel, dtype, byteorder):
    """The stored (uncompressed) zip record ``name`` of ``path`` as a copy-on-write memory-mapped array of
    ``numel`` ``dtype`` values; None when the record is compressed (then it is read)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise format_error(path, f"missing record {name} (file incomplete)") from None
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    dtype = dtype.newbyteorder(">" if byteorder == "big" else "<")
    if info.file_size != numel * dtype.itemsize:
        raise format_error(path, f"storage {name} holds {info.file_size} bytes, expected "
                                 f"{numel} x {dtype.itemsize} = {numel * dtype.itemsize}")
    if numel == 0:
        return np.zeros(0, dtype)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)   # the local file header: its name and extra field lengths end it
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise format_error(path, f"corrupt local header of record {name}")
        start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + \
            int.from_bytes(header[28:30], "little")
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    if start + info.file_size > len(mapped):
        raise format_error(path, f"record {name} reaches past the end of the file (truncated?)")
    return np.frombuffer(mapped, dtype, count=numel, offset=start)
