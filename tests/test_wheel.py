"""The built wheel works from anywhere: it carries its prompts, and `qa` run in an empty folder writes nothing there.

The wheel is built from a copy of the sources and installed with
`pip install --no-deps` into a fresh virtual environment that sees this
environment's packages (so llama.cpp is not compiled again) but not the
checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

QUESTION = "What troop number was the deployment to the Damascus area aiming to reach?"


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("qa", "prompts"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)])
    assert built.returncode == 0, built.stderr
    return next(out.glob("qa-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(root)])
    assert made.returncode == 0, made.stderr
    python = root / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # This environment's packages, appended after the venv's own: the wheel's qa comes first.
    (site / "project-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr
    return root


def test_wheel_carries_the_prompts(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for prompt in ("answer", "judge", "followup"):
        assert f"qa/_prompts/{prompt}.txt" in names
    assert not any(n.startswith(("tests/", "seeds/")) for n in names)


def test_qa_from_an_empty_folder_answers_or_says_how_to_ingest_and_writes_nothing_there(venv, tmp_path):
    here = tmp_path / "empty"
    here.mkdir()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),  # the per-user data folder, kept inside the test
        "QA_MODEL_DIR": str(ROOT / "models"),  # the model assembled by `make install`, not a second copy
        "QA_LLM_TIMEOUT_S": "600",
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("QA_INDEX_DIR", "PYTHONPATH", "QA_CONFIG"):
        env.pop(name, None)
    qa = str(venv / "bin" / "qa")

    where = _run([str(venv / "bin" / "python"), "-c", "import qa; print(qa.__file__)"], cwd=here, env=env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr

    # No index anywhere: a clear message, exit 2, and nothing created in the folder or the data folder.
    missing = _run([qa, "ask", QUESTION], cwd=here, env=env)
    assert missing.returncode == 2, missing.stderr
    assert "qa ingest" in missing.stderr and "Traceback" not in missing.stderr
    assert list(here.iterdir()) == []
    assert not (tmp_path / "data" / "qa" / "index").exists()

    # An index built elsewhere and named by QA_INDEX_DIR: answered, with exact quotes.
    env["QA_INDEX_DIR"] = str(tmp_path / "index")
    ingest = _run([qa, "ingest", str(ROOT / "seeds")], cwd=here, env=env)
    assert ingest.returncode == 0, ingest.stderr
    ask = _run([qa, "ask", "--json", QUESTION], cwd=here, env=env)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert not answer["abstained"] and "10,000" in answer["text"], answer
    assert answer["prompt"].startswith("answer@") and answer["citations"]
    for c in answer["citations"]:
        assert Path(c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    assert list(here.iterdir()) == [], "qa wrote into the folder it was run from"
