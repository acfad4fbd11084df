"""Model files: assembled from package chunks, verified by checksum, clear errors."""

import hashlib
import sys

import pytest

from qa.errors import ModelMissing
from qa.models import LOCAL_MODELS, GGUFModel, assemble, embedding_model_dir, package_dir


@pytest.fixture()
def fake_packages(tmp_path, monkeypatch):
    """Two tiny installed 'packages' holding data chunks, as the real model packages do."""
    site = tmp_path / "site"
    chunks = [b"GGUF-first-half-", b"second-half"]
    for i, chunk in enumerate(chunks, start=1):
        data = site / f"fake_model_part{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("raise RuntimeError('package code must never run')\n")
        (data / f"part{i:02d}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(chunks)
    return GGUFModel(
        name="Fake",
        file_name="fake.gguf",
        packages=("fake_model_part1", "fake_model_part2"),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_assembles_once_and_verifies(fake_packages, tmp_path):
    path = assemble(fake_packages, tmp_path / "models")
    assert path.read_bytes() == b"GGUF-first-half-second-half"
    mtime = path.stat().st_mtime_ns
    assert assemble(fake_packages, tmp_path / "models") == path
    assert path.stat().st_mtime_ns == mtime  # not rebuilt
    assert "fake_model_part1" not in sys.modules  # located, never imported


def test_corrupt_file_is_rebuilt(fake_packages, tmp_path):
    path = assemble(fake_packages, tmp_path / "models")
    path.write_bytes(b"GGUF-first-half-secXnd-half")
    assert assemble(fake_packages, tmp_path / "models").read_bytes() == b"GGUF-first-half-second-half"


def test_corrupt_package_names_what_to_reinstall(fake_packages, tmp_path):
    bad = GGUFModel(**{**fake_packages.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelMissing) as err:
        assemble(bad, tmp_path / "models")
    message = str(err.value)
    assert "corrupt" in message and "fake_model_part1" in message and "make install" in message
    assert not (tmp_path / "models" / "fake.gguf").exists()


def test_missing_package_is_named():
    with pytest.raises(ModelMissing) as err:
        package_dir("no_such_model_package_part7")
    assert "no_such_model_package_part7" in str(err.value) and "make install" in str(err.value)


def test_installed_models_match_their_pins():
    assert embedding_model_dir().is_dir()
    spec = LOCAL_MODELS["qwen2.5-1.5b"]
    assert all(package_dir(p).is_dir() for p in spec.packages)
