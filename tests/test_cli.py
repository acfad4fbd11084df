"""The command line as a user runs it: exit codes, stdout/stderr discipline, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

QA = str(Path(sys.executable).parent / "qa")


def run(*args, env=None, cwd=ROOT, timeout=900):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([QA, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)


def test_help_loads_no_heavy_library():
    code = (
        "import sys, qa.cli\n"
        "heavy = {'torch', 'chromadb', 'llama_cpp', 'gradio', 'sentence_transformers', 'llama_index'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = run("--help")
    assert result.returncode == 0 and "ingest" in result.stdout and "ask" in result.stdout


@pytest.mark.parametrize("question, needle", [("", "empty"), ("   ", "empty"), ("x" * 2001, "limit")])
def test_bad_question_exit_code_2_and_a_message(question, needle):
    result = run("ask", question)
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_invalid_setting_is_reported_not_raised():
    result = run("ask", "Anything?", env={"QA_TOP_K": "zero"})
    assert result.returncode == 2 and "top_k" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.integration
def test_ingest_warns_about_bad_files_and_ask_json_prints_one_object(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text((ROOT / "seeds" / "003_c00daf70bb690643.txt").read_text())
    (docs / "b.bin.txt").write_bytes(b"\x00\x00binary")
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_MODEL_DIR": str(ROOT / "models"), "QA_LLM_TIMEOUT_S": "600"}

    ingest = run("ingest", str(docs), env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert "b.bin.txt" in ingest.stderr and "binary" in ingest.stderr
    assert ingest.stdout.startswith("Indexed 1 documents")

    ask = run("ask", "--json", "What troop number was the deployment to the Damascus area aiming to reach?", env=env)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)  # exactly one JSON document on stdout
    assert "10,000" in answer["text"] and answer["abstained"] is False
    text = (docs / "a.txt").read_text()
    for c in answer["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]
    assert set(answer["timings"]) >= {"retrieve_ms", "generate_ms", "verify_ms", "total_ms"}
