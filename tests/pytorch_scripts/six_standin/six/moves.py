"""``six.moves`` on Python 3: the standard library's modules under their Python 3 names."""
import urllib  # noqa: F401
import urllib.error  # noqa: F401
import urllib.parse  # noqa: F401
import urllib.request  # noqa: F401
