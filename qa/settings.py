"""One explicit settings object: defaults < config file < environment (QA_*).

Built once at the edge (CLI, UI, `ask()`) and passed down; nothing reads the
environment behind its back.

>>> Settings(top_k=4).top_k
4
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "QA_CONFIG"
DEFAULT_CONFIG_FILE = "qa.toml"


class Settings(BaseSettings):
    """Every knob of the assistant, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="QA_",
        extra="forbid",
        frozen=True,
        toml_file=DEFAULT_CONFIG_FILE,
    )

    # Where things live.
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    model_dir: Path = Field(
        default=Path("models"),
        description="Where the local GGUF model is assembled from its packages.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="http://host:port of a Chroma server; unset means embedded Chroma in index_dir.",
    )
    collection: str = "qa"

    # Ingestion.
    passage_chars: int = Field(default=700, ge=100, le=8000)
    max_file_mb: float = Field(default=50.0, gt=0)
    embed_batch_size: int = Field(default=64, ge=1)

    # Retrieval.
    top_k: int = Field(default=6, ge=1, le=50, description="Passages fused from dense + BM25.")
    evidence_sentences: int = Field(default=8, ge=1, le=30, description="Sentences shown to the LLM.")
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

    @field_validator("chroma_url", "hosted_base_url", "hosted_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
        )

    def hosted_api_key(self) -> str | None:
        """The hosted endpoint's API key, read from the named environment variable."""
        return os.environ.get(self.hosted_api_key_env) or None
