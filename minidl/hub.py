"""``minidl.hub`` (as ``torch.hub``): cached checkpoint downloads and ``hubconf.py`` entry points.

Where files go: :func:`get_dir` is the folder set by :func:`set_dir` (the configuration field
``minidl.config.hub_dir``, environment variable ``MINIDL_HUB_DIR``), else PyTorch's own hub folder,
``$TORCH_HOME/hub`` (``TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``, ``XDG_CACHE_HOME`` to
``~/.cache``), read when called. Sharing PyTorch's folder means a checkpoint either framework downloaded
is found by the other (``minidl.vision.models``' pretrained weights are read from its ``checkpoints``).

:func:`load_state_dict_from_url` uses ``<hub dir>/checkpoints/<file name>`` when present, else downloads
it with ``urllib`` (``http(s)://`` or ``file://``) through :func:`download_url_to_file`: into a temporary
file in the target folder (created under the user's umask), hashed with SHA-256 on the way, renamed into
place only when complete and, with ``check_hash``, only when the digest starts with the hex digits after
the last ``-`` of the file name (PyTorch's convention, ``resnet18-f37072fd.pth``).

:func:`load` / :func:`list` / :func:`help` read a repository's ``hubconf.py``: ``source="local"`` from a
folder, ``source="github"`` (``"owner/repo[:ref]"``) from GitHub's zip archive, cached in the hub folder
as ``owner_repo_ref`` and checked against the ``trusted_list`` there, as PyTorch's.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import uuid
import zipfile
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen


class _Faketqdm:
    """PyTorch's stand-in for ``tqdm`` when that package is missing: counts ``update`` calls and writes the
    percentage (or byte count) to stderr."""

    def __init__(self, total=None, disable=False, unit=None, *args, **kwargs):
        self.total = total
        self.disable = disable
        self.n = 0

    def update(self, n):
        """Advance by ``n`` and write the progress to stderr."""
        if self.disable:
            return
        self.n += n
        if self.total is None:
            sys.stderr.write(f"\r{self.n:.1f} bytes")
        else:
            sys.stderr.write(f"\r{100 * self.n / float(self.total):.1f}%")
        sys.stderr.flush()

    def set_description(self, *args, **kwargs):
        """Ignored, as in PyTorch's stand-in."""

    def write(self, s):
        """Write ``s`` and a newline to stderr."""
        sys.stderr.write(f"{s}\n")

    def close(self):
        """Stop writing progress."""
        self.disable = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.disable:
            sys.stderr.write("\n")


def __getattr__(name):
    """``torch.hub.tqdm``: the tqdm package's class when installed, else :class:`_Faketqdm`, as PyTorch's (imported
    on first use, keeping ``import minidl`` quick)."""
    if name == "tqdm":
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = _Faketqdm
        globals()["tqdm"] = tqdm
        return tqdm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["get_dir", "set_dir", "load_state_dict_from_url", "download_url_to_file", "list", "help", "load"]

_builtin_list = list
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
READ_DATA_CHUNK = 128 * 1024
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
#: where GitHub archives and the GitHub API live (a test may point them at file:// folders)
_GITHUB = "https://github.com"
_GITHUB_API = "https://api.github.com"


def get_dir() -> str:
    """The hub folder: :func:`set_dir`'s (``minidl.config.hub_dir``, ``$MINIDL_HUB_DIR``), else PyTorch's
    ``$TORCH_HOME/hub`` (default ``$XDG_CACHE_HOME/torch/hub``, ``~/.cache/torch/hub``)."""
    from . import config
    if config.hub_dir is not None:
        return config.hub_dir
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.join(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch"))), "hub")


def set_dir(d) -> None:
    """Use folder ``d`` (a str or PathLike; ``~`` expanded) for hub downloads from now on."""
    from . import config
    config.hub_dir = os.path.expanduser(os.fspath(d))


def _open(url, headers=None):
    return urlopen(Request(url, headers={"User-Agent": "minidl.hub", **(headers or {})}))


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download ``url`` to the path ``dst``: written to a temporary file beside it (user's umask), hashed with
    SHA-256, renamed to ``dst`` when complete; with ``hash_prefix`` a digest that does not start with it
    raises ``RuntimeError`` and leaves no file. ``progress`` writes the percentage to stderr."""
    dst = os.path.expanduser(os.fspath(dst))
    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(dst)}.{uuid.uuid4().hex}.partial")
    digest = hashlib.sha256()
    try:
        with _open(url) as response, open(tmp, "wb") as out:
            length = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
            total, done = (int(length) if length and length.isdigit() else None), 0
            for chunk in iter(lambda: response.read(READ_DATA_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    sys.stderr.write(f"\r{done * 100 // total}% of {total} bytes" if total else f"\r{done} bytes")
        if progress:
            sys.stderr.write("\n")
        if hash_prefix is not None and not digest.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest.hexdigest()}")')
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def _is_legacy_zip_format(filename) -> bool:
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as archive:
            infolist = archive.infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def load_state_dict_from_url(url: str, model_dir=None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name=None, weights_only: bool = False) -> dict:
    """The object saved at ``url`` (a state dict), through the cache ``model_dir`` (default
    ``<get_dir()>/checkpoints``): the cached file ``file_name`` (default: the URL's last path part) is used when
    present, else downloaded (:func:`download_url_to_file`; with ``check_hash`` its SHA-256 must start with
    the hex digits after the last ``-`` of the name). Read with :func:`minidl.load` (``map_location``,
    ``weights_only``); a zip holding one file (PyTorch's legacy format) is unpacked first."""
    from .io import load as load_file
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    model_dir = os.path.expanduser(os.fspath(model_dir))
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            match = HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    if _is_legacy_zip_format(cached_file):
        with zipfile.ZipFile(cached_file) as archive:
            member = archive.infolist()[0]
            archive.extract(member, model_dir)
        cached_file = os.path.join(model_dir, member.filename)
    return load_file(cached_file, map_location=map_location, weights_only=weights_only)


# ------------------------------------------------------------------ hubconf repositories
def _parse_repo_info(github):
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    try:
        repo_owner, repo_name = repo_info.split("/")
    except ValueError:
        raise ValueError(f'hub: {github!r} is not a GitHub repository of the form "owner/name[:ref]"') from None
    if ref is None:   # the default branch: main if it exists, else master
        try:
            with _open(f"{_GITHUB}/{repo_owner}/{repo_name}/tree/main/"):
                ref = "main"
        except HTTPError as exc:
            if exc.code != 404:
                raise
            ref = "master"
        except URLError as exc:
            for possible in ("main", "master"):
                if os.path.exists(f"{get_dir()}/{repo_owner}_{repo_name}_{possible}"):
                    ref = possible
                    break
            if ref is None:
                raise RuntimeError("It looks like there is no internet connection and the repo could not be found "
                                   f"in the cache ({get_dir()})") from exc
    return repo_owner, repo_name, ref


def _validate_not_a_forked_repo(repo_owner, repo_name, ref):
    headers = {"Accept": "application/vnd.github.v3+json"}
    if os.environ.get("GITHUB_TOKEN") is not None:
        headers["Authorization"] = f"token {os.environ['GITHUB_TOKEN']}"
    for kind in ("branches", "tags"):
        page = 0
        while True:
            page += 1
            url = f"{_GITHUB_API}/repos/{repo_owner}/{repo_name}/{kind}?per_page=100&page={page}"
            try:
                with _open(url, headers) as response:
                    items = json.loads(response.read().decode("utf-8"))
            except HTTPError:
                headers.pop("Authorization", None)   # retry without a token that lacks permissions
                with _open(url, headers) as response:
                    items = json.loads(response.read().decode("utf-8"))
            if not items:
                break
            if any(item["name"] == ref or item["commit"]["sha"].startswith(ref) for item in items):
                return
    raise ValueError(f"Cannot find {ref} in https://github.com/{repo_owner}/{repo_name}. If it's a commit from a "
                     "forked repo, please call hub.load() with forked repo directly.")


def _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo):
    hub_dir = get_dir()
    trusted_file = os.path.join(hub_dir, "trusted_list")
    Path(trusted_file).touch()
    with open(trusted_file) as handle:
        trusted = tuple(line.strip() for line in handle)
    owner_name = f"{repo_owner}_{repo_name}"
    is_trusted = (owner_name in trusted or owner_name_branch in next(os.walk(hub_dir))[1]
                  or repo_owner in _TRUSTED_REPO_OWNERS)
    response = None
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(f"The repository {owner_name} does not belong to the list of trusted repositories and as "
                         "such cannot be downloaded. Do you trust this repository and wish to add it to the trusted "
                         "list of repositories (y/N)?")
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if (trust_repo is True or response is not None) and not is_trusted:
        with open(trusted_file, "a") as handle:
            handle.write(owner_name + "\n")


def _safe_extract_zip(archive, target):
    root = Path(target).resolve()
    for member in archive.infolist():
        name = os.path.normpath(member.filename)
        if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name):
            raise ValueError(f"Archive entry has an unsafe path: {member.filename}")
        if not (root / name).resolve().is_relative_to(root):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
        archive.extract(member, root)


def _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=False):
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_owner, repo_name, ref = _parse_repo_info(github)
    normalized_br = ref.replace("/", "_")
    owner_name_branch = "_".join([repo_owner, repo_name, normalized_br])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    if not skip_validation:
        _validate_not_a_forked_repo(repo_owner, repo_name, ref)
    cached_file = os.path.join(hub_dir, normalized_br + ".zip")
    url = f"{_GITHUB}/{repo_owner}/{repo_name}/zipball/{ref}"
    sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
    download_url_to_file(url, cached_file, progress=False)
    try:
        with zipfile.ZipFile(cached_file) as archive:
            top = archive.infolist()[0].filename.split("/")[0]
            extracted = os.path.join(hub_dir, top)
            shutil.rmtree(extracted, ignore_errors=True)
            _safe_extract_zip(archive, hub_dir)
    finally:
        os.remove(cached_file)
    shutil.rmtree(repo_dir, ignore_errors=True)
    shutil.move(extracted, repo_dir)
    return repo_dir


@contextlib.contextmanager
def _on_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(repo_dir):
    import importlib.util
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"hub: {path} not found (a hub repository has a {MODULE_HUBCONF} at its root)")
    spec = importlib.util.spec_from_file_location(MODULE_HUBCONF, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _entry(module, model):
    import importlib.util
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    missing = [pkg for pkg in getattr(module, VAR_DEPENDENCY, None) or ()
               if importlib.util.find_spec(pkg) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    func = getattr(module, model, None) if model in dir(module) else None
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):  # noqa: A001
    """The names of the callable entry points (not starting with ``_``) of GitHub repository ``github``'s
    ``hubconf.py`` (``"owner/repo[:ref]"``, downloaded into the hub folder unless cached)."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=verbose,
                                    skip_validation=skip_validation)
    with _on_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):  # noqa: A001
    """The docstring of entry point ``model`` of GitHub repository ``github``'s ``hubconf.py``."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=True,
                                    skip_validation=skip_validation)
    with _on_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return _entry(module, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """``model(*args, **kwargs)`` from the ``hubconf.py`` of ``repo_or_dir``: a folder (``source="local"``) or
    a GitHub repository ``"owner/repo[:ref]"`` (``source="github"``, downloaded into the hub folder unless
    cached or ``force_reload``). The hubconf's ``dependencies`` must be importable (``RuntimeError`` naming
    the missing ones); an unknown entry point raises ``RuntimeError``."""
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose=verbose,
                                           skip_validation=skip_validation)
    repo_or_dir = os.fspath(repo_or_dir)
    with _on_sys_path(repo_or_dir):
        module = _import_hubconf(repo_or_dir)
        return _entry(module, model)(*args, **kwargs)

