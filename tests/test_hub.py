"""minidl.hub: the hub folder, cached downloads with hash checks (file:// URLs), hubconf entry points
(a local folder, and the GitHub code path pointed at a file:// stand-in for github.com)."""
import hashlib
import os
import stat
import zipfile

import numpy as np
import pytest

import minidl as mdl
from minidl import hub

HUBCONF = '''
"""A hub repository for the tests."""
dependencies = ["numpy"]
import minidl as torch


def tiny_linear(out_features=2, pretrained=False):
    """A Linear(3, out_features) from the hub."""
    torch.manual_seed(0)
    return torch.nn.Linear(3, out_features)


def _private():
    return 1

not_callable = 5
'''


@pytest.fixture
def hub_dir(tmp_path):
    old = mdl.config.hub_dir
    hub.set_dir(tmp_path / "hub")
    yield tmp_path / "hub"
    mdl.config.hub_dir = old


def test_get_dir_follows_set_dir_then_torch_home(tmp_path, monkeypatch):
    with mdl.using_config(hub_dir=None):
        monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
        assert hub.get_dir() == str(tmp_path / "th" / "hub")
        monkeypatch.delenv("TORCH_HOME")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert hub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub")
        hub.set_dir(tmp_path / "mine")
        assert hub.get_dir() == str(tmp_path / "mine") == mdl.config.hub_dir
    with pytest.raises(ValueError, match="minidl.config.hub_dir must be a folder path"):
        mdl.config.hub_dir = 3


def _weights_file(tmp_path, name_stem):
    state = {"weight": mdl.arange(6.0).reshape(2, 3), "bias": mdl.ones(2)}
    raw = tmp_path / "raw.pth"
    mdl.save(state, raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    source = tmp_path / "server" / f"{name_stem}-{digest[:8]}.pth"
    source.parent.mkdir()
    os.replace(raw, source)
    return source, digest


def test_load_state_dict_from_url_downloads_once_then_uses_the_cache(tmp_path, hub_dir, capsys):
    source, _ = _weights_file(tmp_path, "tiny")
    url = source.as_uri()
    state = hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    assert sorted(state) == ["bias", "weight"] and state["weight"].tolist() == [[0, 1, 2], [3, 4, 5]]
    cached = hub_dir / "checkpoints" / source.name
    assert cached.is_file() and "Downloading" in capsys.readouterr().err
    source.unlink()                       # the cached copy is used from now on
    again = hub.load_state_dict_from_url(url, map_location="cpu")
    np.testing.assert_array_equal(again["bias"].numpy(), [1, 1])
    assert capsys.readouterr().err == ""
    (tmp_path / "m").mkdir()
    os.replace(cached, tmp_path / "m" / "y.pth")       # model_dir and file_name choose the cached file
    named = hub.load_state_dict_from_url("file:///nowhere/x.pth", model_dir=tmp_path / "m", file_name="y.pth")
    assert named["weight"].shape == (2, 3)


def test_a_bad_hash_leaves_no_file(tmp_path, hub_dir):
    source, digest = _weights_file(tmp_path, "tiny")
    bad = source.with_name("tiny-" + ("0" if digest[0] != "0" else "1") + digest[1:8] + ".pth")
    os.replace(source, bad)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(bad.as_uri(), check_hash=True, progress=False)
    assert os.listdir(hub_dir / "checkpoints") == []
    state = hub.load_state_dict_from_url(bad.as_uri(), check_hash=False, progress=False)   # hash not asked
    assert "weight" in state


def test_download_url_to_file_respects_the_umask(tmp_path):
    source = tmp_path / "blob.bin"
    source.write_bytes(b"x" * 1000)
    old = os.umask(0o027)
    try:
        hub.download_url_to_file(source.as_uri(), str(tmp_path / "out" / "blob.bin"),
                                 hash_prefix=hashlib.sha256(b"x" * 1000).hexdigest()[:10], progress=True)
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "blob.bin").read_bytes() == b"x" * 1000
    assert stat.S_IMODE(os.stat(tmp_path / "out" / "blob.bin").st_mode) == 0o640
    assert os.listdir(tmp_path / "out") == ["blob.bin"]


def test_legacy_single_file_zip_is_unpacked(tmp_path, hub_dir):
    inner = tmp_path / "inner.pth"
    mdl.save({"w": mdl.ones(3)}, inner)
    legacy = tmp_path / "legacy.zip"
    with zipfile.ZipFile(legacy, "w") as archive:
        archive.write(inner, "inner.pth")
    assert hub.load_state_dict_from_url(legacy.as_uri(), progress=False)["w"].tolist() == [1, 1, 1]


def _repo(folder):
    folder.mkdir(parents=True)
    (folder / "hubconf.py").write_text(HUBCONF)
    return folder


def test_local_hubconf(tmp_path):
    repo = _repo(tmp_path / "repo")
    model = hub.load(str(repo), "tiny_linear", 4, source="local")
    assert isinstance(model, mdl.nn.Linear) and model.out_features == 4
    with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
        hub.load(repo, "nope", source="local")
    with pytest.raises(RuntimeError, match="Cannot find callable not_callable"):
        hub.load(repo, "not_callable", source="local")
    with pytest.raises(ValueError, match='Unknown source: "disk"'):
        hub.load(repo, "tiny_linear", source="disk")
    (repo / "hubconf.py").write_text(HUBCONF.replace('["numpy"]', '["numpy", "no_such_package_xyz"]'))
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_package_xyz"):
        hub.load(repo, "tiny_linear", source="local")


def test_github_code_path_against_a_local_stand_in(tmp_path, hub_dir, monkeypatch, capsys):
    """github.com/<owner>/<repo>/zipball/<ref> served from a folder of file:// URLs."""
    site = tmp_path / "site"
    _repo(tmp_path / "src" / "alice-tinyrepo-abc123")
    archive_path = site / "alice" / "tinyrepo" / "zipball" / "main"
    archive_path.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.write(tmp_path / "src" / "alice-tinyrepo-abc123", "alice-tinyrepo-abc123/")
        archive.write(tmp_path / "src" / "alice-tinyrepo-abc123" / "hubconf.py", "alice-tinyrepo-abc123/hubconf.py")
    monkeypatch.setattr(hub, "_GITHUB", site.as_uri())
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(Exception, match="Untrusted repository"):
        hub.list("alice/tinyrepo:main", skip_validation=True)
    with pytest.raises(RuntimeError, match="no internet connection and the repo could not be found in the cache"):
        hub.list("alice/tinyrepo", skip_validation=True, trust_repo=True)   # no ref: github.com's tree/main
    names = hub.list("alice/tinyrepo:main", skip_validation=True, trust_repo=True)
    assert names == ["tiny_linear"]
    assert (hub_dir / "alice_tinyrepo_main" / "hubconf.py").is_file()
    assert (hub_dir / "trusted_list").read_text() == "alice_tinyrepo\n"
    assert hub.help("alice/tinyrepo:main", "tiny_linear", skip_validation=True).strip() == \
        "A Linear(3, out_features) from the hub."
    assert "Using cache found in" in capsys.readouterr().err
    # no ref and github.com unreachable: the cached main branch is used, as PyTorch's
    model = hub.load("alice/tinyrepo", "tiny_linear", out_features=5, skip_validation=True)
    assert model.out_features == 5
