"""One explicit settings object: defaults < pyproject [tool.qa] < qa.toml < environment (QA_*).

Built once at the edge (CLI, UI, `ask()`) and passed down; nothing reads the
environment behind its back. Models and the index live in a per-user data
folder (`platformdirs`, or `QA_DATA_DIR`) unless a setting names another
place, so `qa` run from any folder never writes into it. A project folder can
pin its own places in its `pyproject.toml` under `[tool.qa]`, as this
repository does for `index/`, `seeds/` and `models/`.

>>> Settings(top_k=4, model_dir="/opt/models").top_k
4
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "QA_CONFIG"
DEFAULT_CONFIG_FILE = "qa.toml"
APP_NAME = "qa"


def default_data_dir() -> Path:
    """The per-user folder for models and the default index (e.g. ~/.local/share/qa)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    """Every knob of the assistant, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="QA_",
        extra="forbid",
        frozen=True,
        toml_file=DEFAULT_CONFIG_FILE,
        pyproject_toml_table_header=("tool", "qa"),
    )

    # Where things live.
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Per-user folder holding models/ and index/ unless those are set on their own.",
    )
    index_dir: Path = Field(default=None, description="Embedded Chroma folder (default: <data_dir>/index).")  # type: ignore[assignment]
    model_dir: Path = Field(default=None, description="Where the local GGUF model is assembled (default: <data_dir>/models).")  # type: ignore[assignment]
    seeds_dir: Path | None = Field(
        default=None,
        description="Articles indexed when the index is empty (`qa chat`, `qa ask`); unset means none.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="http://host:port of a Chroma server; unset means embedded Chroma in index_dir.",
    )
    collection: str = "qa"
    history_path: Path | None = Field(
        default=None,
        description="SQLite file of saved conversations (default: <index_dir>/history.sqlite3).",
    )

    # Ingestion.
    passage_chars: int = Field(default=700, ge=100, le=8000)
    max_file_mb: float = Field(default=50.0, gt=0)
    embed_batch_size: int = Field(default=16, ge=1, description="Texts per embedding batch (16 measured fastest).")
    ingest_batch_passages: int = Field(
        default=1024,
        ge=1,
        description="Passages embedded and written to the index in one go; an interrupted ingest keeps the batches it wrote.",
    )
    index_lock_timeout_s: float = Field(
        default=600.0,
        ge=0,
        description="Seconds a change to the index waits while another process changes it, then gives up (0: at once).",
    )
    fetch_timeout_s: float = Field(default=20.0, gt=0, description="Seconds to wait for a web page or feed.")
    fetch_max_mb: float = Field(default=10.0, gt=0, description="Largest web page or feed fetched, in MB.")
    feed_max_items: int = Field(default=50, ge=1, description="Entries read from one feed (qa ingest --max-items).")
    allow_private_urls: bool = Field(
        default=False,
        description="Let links point to loopback, private and link-local addresses (off: no server-side request forgery).",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx", description="How the embedding model runs: onnxruntime (faster) or torch; same vectors."
    )

    # Retrieval.
    top_k: int = Field(default=6, ge=1, le=50, description="Passages fused from dense + BM25.")
    evidence_sentences: int = Field(default=8, ge=1, le=30, description="At most this many sentences shown to the LLM.")
    evidence_tokens: int | None = Field(
        default=None,
        ge=20,
        description="About how many tokens of evidence the LLM reads (best sentences first); more costs time.",
    )
    min_relevance: float = Field(
        default=0.2,
        description="Abstain without calling the LLM when no sentence is at least this similar.",
    )

    # Generation.
    llm: Literal["local", "hosted"] = "local"
    local_model: Literal["qwen2.5-1.5b", "qwen2.5-0.5b"] = "qwen2.5-1.5b"
    threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    context_tokens: int = Field(default=4096, ge=512)
    max_answer_tokens: int = Field(default=320, ge=16)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    hosted_base_url: str | None = None
    hosted_model: str | None = None
    hosted_api_key_env: str = Field(
        default="QA_HOSTED_API_KEY",
        description="Name of the environment variable that holds the hosted API key.",
    )
    llm_timeout_s: float = Field(default=120.0, gt=0)

    # Verification.
    support_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    relevance_check: bool = Field(
        default=True, description="Ask the LLM whether a supported answer answers the question asked."
    )

    # Input limits.
    max_question_chars: int = Field(default=2000, ge=10)

    # Chat UI.
    examples: list[str] = Field(
        default_factory=list, description="Example questions offered in the chat (default: generic ones)."
    )

    # Many users at once: chat and /ask API questions take turns at the model in one line.
    queue_size: int = Field(
        default=20,
        ge=0,
        description="Questions that may wait for the model behind the one it is answering; one more is told it is busy.",
    )
    queue_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="Longest a question waits for its turn at the model before the user is told to try again.",
    )

    @field_validator("chroma_url", "hosted_base_url", "hosted_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="before")
    @classmethod
    def _places_under_data_dir(cls, values: object) -> object:
        if not isinstance(values, dict):
            return values
        values = dict(values)
        if not values.get("data_dir"):
            values["data_dir"] = default_data_dir()
        for key, folder in (("index_dir", "index"), ("model_dir", "models")):
            if values.get(key) in (None, ""):
                values[key] = Path(values["data_dir"]) / folder
        for key in ("seeds_dir", "history_path"):
            if values.get(key) == "":
                values[key] = None
        return values

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE)
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
            PyprojectTomlConfigSettingsSource(settings_cls),
        )

    def hosted_api_key(self) -> str | None:
        """The hosted endpoint's API key, read from the named environment variable."""
        return os.environ.get(self.hosted_api_key_env) or None
