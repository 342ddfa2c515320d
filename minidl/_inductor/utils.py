"""``torch._inductor.utils``: ``fresh_inductor_cache``, a context manager giving compilation a fresh kernel cache
(minidl compiles nothing, so there is none to refresh)."""
import contextlib
import tempfile

__all__ = ["fresh_inductor_cache"]


@contextlib.contextmanager
def fresh_inductor_cache(cache_entries=None, dir=None, delete=True):  # noqa: A002
    """Run the block with a fresh (temporary) cache folder, removed afterwards unless ``delete`` is False; yields
    nothing, as PyTorch's."""
    with tempfile.TemporaryDirectory(dir=dir, ignore_cleanup_errors=True) as folder:
        del folder
        yield
