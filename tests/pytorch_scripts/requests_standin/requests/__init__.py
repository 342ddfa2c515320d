"""A stand-in for the ``requests`` package, for scripts that download a dataset: ``get(url, stream=True)`` serves
the file named by the last path part of ``url`` from the folder ``$REQUESTS_STANDIN_DIR`` (the current folder by
default) instead of the network, as a response usable as a context manager with ``.raw``, ``.content`` and
``.status_code``."""
import io
import os


class Response:
    """The local file's bytes as a streamed response."""

    def __init__(self, data):
        self.content = data
        self.raw = io.BytesIO(data)
        self.status_code = 200

    def raise_for_status(self):
        """Nothing to raise: the file was found."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()
        return False


def get(url, stream=False, **kwargs):
    """The file ``os.path.basename(url)`` from ``$REQUESTS_STANDIN_DIR``."""
    folder = os.environ.get("REQUESTS_STANDIN_DIR", ".")
    with open(os.path.join(folder, url.rstrip("/").rsplit("/", 1)[-1]), "rb") as f:
        return Response(f.read())
