"""Shared fixtures.

The real models are loaded once per test session: one Library (embedded
Chroma index of seeds/) and one Assistant (embedding model, that index, the
local LLM) serve every integration test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return load_jsonl(DATA / "dev.jsonl")


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from qa.settings import Settings

    return Settings(
        index_dir=tmp_path_factory.mktemp("index"),
        seeds_dir=ROOT / "seeds",
        model_dir=ROOT / "models",
        llm_timeout_s=600,
    )


@pytest.fixture(scope="session")
def embedder(settings):
    from qa.embed import Embedder

    return Embedder.from_settings(settings)


@pytest.fixture(scope="session")
def library(settings, embedder):
    """The seeds indexed in a fresh embedded Chroma, with the packaged embedding model."""
    from qa.library import Library

    lib = Library(settings, embedder=embedder)
    lib.ingest([settings.seeds_dir])
    return lib


@pytest.fixture(scope="session")
def assistant(settings, embedder, library):
    """The real thing: packaged embedding model, embedded Chroma with seeds/, local llama.cpp LLM."""
    from qa.assistant import Assistant

    return Assistant(settings, embedder=embedder, store=library.store)


@pytest.fixture(scope="session")
def bbc_library(tmp_path_factory, settings, embedder):
    """The 206 BBC articles of tests/data/bbc in their own index: documents no rule was written against."""
    from qa.library import Library

    bbc_settings = settings.model_copy(update={"index_dir": tmp_path_factory.mktemp("bbc-index"), "seeds_dir": DATA / "bbc"})
    lib = Library(bbc_settings, embedder=embedder)
    lib.ingest([DATA / "bbc"])
    return lib


@pytest.fixture(scope="session")
def bbc_assistant(bbc_library, assistant):
    """An Assistant over the BBC index, sharing the session's loaded LLM."""
    from qa.assistant import Assistant

    return Assistant(bbc_library.settings, llm=assistant.llm, embedder=bbc_library.embedder, store=bbc_library.store)


def pytest_sessionfinish(session, exitstatus):
    """Print how many tests were skipped; in CI (CI=true) any skip fails the run, since a skip hides a missing part."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = len(reporter.stats.get("skipped", []))
    reporter.write("\n")
    reporter.write_line(f"skipped tests: {skipped}")
    if skipped and os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        reporter.write_line("CI=true: every test must run; a skipped test fails the run (see the skip reasons above).", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
