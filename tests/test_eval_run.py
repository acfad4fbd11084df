"""`qa eval` end to end with a scripted LLM (real embedding model and Chroma), and its CLI edges."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.eval import run

DATA = Path(__file__).resolve().parent / "data"


class EchoLLM:
    """Answers with the first evidence sentence it is shown, cited: a stand-in for a model that copies."""

    name = "echo"

    def chat(self, messages, schema=None, on_token=None):
        user = messages[-1]["content"]
        if schema is not None and "verdict" in schema.get("properties", {}):  # the yes/no relevance check
            return '{"verdict": "yes"}'
        if schema is not None:  # our JSON answer format
            m = re.search(r"^\[1\] (.+)$", user, re.M)
            return json.dumps({"sentences": [{"evidence": [1], "text": m.group(1)}]}) if m else '{"sentences": []}'
        # llama-index's citation prompt: cite the first real source, whole
        m = re.search(r"------\nSource 1:\n(.+?)\n", user, re.S)
        return f"{m.group(1).split('. ')[0].rstrip('.')} [1]." if m else "None of the sources are helpful."


@pytest.fixture(scope="module")
def echo(settings, embedder, assistant):
    from qa.assistant import Assistant

    return Assistant(settings, llm=EchoLLM(), embedder=embedder, store=assistant.store)


@pytest.mark.integration
def test_eval_writes_reports_and_passes_floors(echo, settings, tmp_path, capsys):
    code = run.main(settings, questions=DATA / "questions.jsonl", report_dir=tmp_path, limit=4,
                    pairs=DATA / "support_pairs.jsonl",
                    fail_under=["citation_exactness=1.0", "retrieval_recall_at_k=0.5"], assistant=echo)  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "| citation_exactness ↑ | 1.000 |" in out.out
    assert "| citation_exactness_disk ↑ | 1.000 |" in out.out  # checked against the seed files themselves
    assert "balanced accuracy" in out.err
    for name in ("report.md", "results.json", "metrics.png", "latency.png", "kinds.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = (tmp_path / "report.md").read_text()
    assert "dev-01" in report and "Support checker" in report and "by the gate that refused" in report
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["systems"]["qa"]["questions"]) == 4


@pytest.mark.integration
def test_fail_under_names_the_metric(echo, settings, capsys):
    code = run.main(settings, questions=DATA / "questions.jsonl", limit=2, json_out=True,
                    fail_under=["answer_correctness=1.01"], assistant=echo)  # fmt: skip
    out = capsys.readouterr()
    assert code == 1
    assert "FAIL: answer_correctness" in out.err
    result = json.loads(out.out)
    assert result["failures"] and result["failures"][0].startswith("answer_correctness")
    assert result["systems"]["qa"]["metrics"]["questions"] == 2


class CrashOnceLLM(EchoLLM):
    """Like EchoLLM, but it crashes whenever it is asked to answer the second question of the set (dev-02),
    as a broken model server or a bug would, however many calls the first question took."""

    def __init__(self):
        lines = (DATA / "questions.jsonl").read_text().splitlines()
        self.crash_on = json.loads(lines[1])["question"]

    def chat(self, messages, schema=None, on_token=None):
        if schema is not None and "sentences" in schema.get("properties", {}) and self.crash_on in messages[-1]["content"]:
            raise RuntimeError("injected crash")
        return super().chat(messages, schema, on_token)


@pytest.mark.integration
def test_a_crash_is_reported_as_an_error_and_fails_the_floors(settings, embedder, assistant, capsys):
    from qa.assistant import Assistant

    crashing = Assistant(settings, llm=CrashOnceLLM(), embedder=embedder, store=assistant.store)
    code = run.main(settings, questions=DATA / "questions.jsonl", limit=3, json_out=True,
                    fail_under=["citation_exactness=1.0"], assistant=crashing)  # fmt: skip
    out = capsys.readouterr()
    assert code == 1
    result = json.loads(out.out)
    assert result["systems"]["qa"]["metrics"]["errors"] == 1
    assert any(f.startswith("errors = 1") for f in result["failures"])
    assert "dev-02: ERROR: RuntimeError: injected crash" in out.err
    without_floors = run.main(settings, questions=DATA / "questions.jsonl", limit=3, assistant=
                              Assistant(settings, llm=CrashOnceLLM(), embedder=embedder, store=assistant.store))  # fmt: skip
    assert without_floors == 0 and "| errors ↓ | 1 |" in capsys.readouterr().out


@pytest.mark.integration
def test_baseline_maps_cited_chunks_to_exact_spans(echo, library, settings, tmp_path, capsys):
    code = run.main(settings, questions=DATA / "questions.jsonl", report_dir=tmp_path, limit=2,
                    baseline="llamaindex", fail_under=["citation_exactness=1.0"], assistant=echo)  # fmt: skip
    assert code == 0, capsys.readouterr().err
    data = json.loads((tmp_path / "results.json").read_text())
    texts = run.stored_texts(library)
    baseline = data["systems"]["llamaindex"]["questions"]
    citations = [c for q in baseline for c in q["answer_full"]["citations"]]
    assert citations, "the scripted model cites Source 1"
    for c in citations:
        assert texts[c["source"]][c["start"] : c["end"]] == c["quote"]
    assert "| qa answer | qa verdict | llamaindex answer | llamaindex verdict |" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--fail-under", "nonsense=1"], 1, "unknown metric 'nonsense'"),
        (["--baseline", "haystack"], 1, "--baseline 'haystack' is not known"),
        (["--limit", "0"], 1, "--limit must be at least 1"),
    ],
)
def test_cli_rejects_bad_options_before_loading_models(args, code, message):
    result = CliRunner().invoke(app, ["eval", "--questions", "questions.jsonl", *args])
    assert result.exit_code == code
    assert message in result.output


def test_cli_needs_a_question_file():
    result = CliRunner().invoke(app, ["eval"])
    assert result.exit_code == 2 and "--questions" in result.output


def test_cli_names_the_bad_line(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a", "question": "Why?", "answerable": true, "expected": ["x"]}\n{"id": "b"}\n')
    result = CliRunner().invoke(app, ["eval", "--questions", str(bad)])
    assert result.exit_code == 2
    assert "line 2" in result.output
