"""Settings: defaults < qa.toml < QA_* environment; unknown keys rejected."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.settings import Settings


def test_defaults():
    s = Settings()
    assert s.llm == "local" and s.temperature == 0.0 and s.chroma_url is None


def test_environment_overrides_file(tmp_path, monkeypatch):
    config = tmp_path / "qa.toml"
    config.write_text('top_k = 3\nllm = "hosted"\n')
    monkeypatch.setenv("QA_CONFIG", str(config))
    assert Settings().top_k == 3
    monkeypatch.setenv("QA_TOP_K", "9")
    assert Settings().top_k == 9 and Settings().llm == "hosted"


def test_unknown_key_in_file_is_rejected(tmp_path, monkeypatch):
    config = tmp_path / "qa.toml"
    config.write_text("top_kk = 3\n")
    monkeypatch.setenv("QA_CONFIG", str(config))
    with pytest.raises(ValidationError, match="top_kk"):
        Settings()


def test_invalid_value_is_rejected(monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_blank_url_means_unset(monkeypatch):
    monkeypatch.setenv("QA_CHROMA_URL", " ")
    assert Settings().chroma_url is None


def test_api_key_comes_from_the_named_variable(monkeypatch):
    monkeypatch.setenv("MY_KEY", "secret")
    assert Settings(hosted_api_key_env="MY_KEY").hosted_api_key() == "secret"
    assert "secret" not in repr(Settings(hosted_api_key_env="MY_KEY"))


def test_places_default_to_the_per_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject.toml, no qa.toml here
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    s = Settings()
    assert (s.index_dir, s.model_dir, s.seeds_dir) == (tmp_path / "xdg/qa/index", tmp_path / "xdg/qa/models", None)
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert Settings().index_dir == tmp_path / "data/index"
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert Settings().index_dir == tmp_path / "elsewhere" and Settings().model_dir == tmp_path / "data/models"
    assert list(tmp_path.iterdir()) == [], "building settings creates no folder"


def test_a_project_pins_its_places_in_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.qa]\nindex_dir = "idx"\ntop_k = 4\n')
    assert Settings().index_dir == Path("idx") and Settings().top_k == 4
    (tmp_path / "qa.toml").write_text("top_k = 5\n")
    assert Settings().top_k == 5  # qa.toml over [tool.qa]
    monkeypatch.setenv("QA_TOP_K", "6")
    assert Settings().top_k == 6  # the environment over both
    (tmp_path / "pyproject.toml").write_text("[tool.qa]\nindex_folder = 'idx'\n")
    with pytest.raises(ValidationError, match="index_folder"):
        Settings()


def test_this_repository_keeps_its_index_seeds_and_model_in_the_checkout(monkeypatch):
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    s = Settings()
    assert (s.index_dir, s.seeds_dir, s.model_dir) == (Path("index"), Path("seeds"), Path("models"))
    assert s.examples and all(q.endswith("?") for q in s.examples)
