"""Settings: defaults < qa.toml < QA_* environment; unknown keys rejected."""

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
