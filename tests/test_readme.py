"""The README's examples, run: every command in it is run here or by the test named for it, with its promise checked.

`test_every_readme_command_is_checked` fails when the README gains a command
no test runs, so the README cannot promise what the suite does not check.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

README = (ROOT / "README.md").read_text(encoding="utf-8")
QA = str(Path(sys.executable).parent / "qa")
HEADLINE = "How many fighters did Iraq send into Syria?"

# Each shell command of the README -> the test that runs it (in this file unless a path is given).
CHECKED_BY = {
    "make run": "test_make_run_indexes_the_seeds_and_serves_the_chat",
    "make test": "(this run: .ci/run calls it)",
    "qa ingest": "test_headline_question_on_the_command_line",
    f'qa ask "{HEADLINE}"': "test_headline_question_on_the_command_line",
    f'qa ask --json "{HEADLINE}"': "test_headline_question_on_the_command_line",
    "qa ingest https://www.example.com/news/story.html": "tests/test_links.py::test_cli_ingests_a_feed_url_given_as_a_string",
    "qa ingest https://www.example.com/world/rss.xml --max-items 20": "tests/test_links.py::test_cli_ingests_a_feed_url_given_as_a_string",
    'qa ask --since 2024 --until 2024-06 --source Reuters "What did officials say?"': "tests/test_links.py::test_cli_ask_keeps_to_the_dates_and_sources_given",
    "qa docs": "tests/test_cli.py::test_docs_status_remove_and_rebuild",
    "qa remove lighthouse.md": "tests/test_cli.py::test_docs_status_remove_and_rebuild",
    "qa status": "tests/test_cli.py::test_docs_status_remove_and_rebuild",
    "qa chat": "test_make_run_indexes_the_seeds_and_serves_the_chat",
    "qa bench --questions tests/data/dev.jsonl": "test_bench_prints_the_machine_and_percentiles",
    "qa bench --questions tests/data/questions.jsonl --save before.json": "test_bench_prints_the_machine_and_percentiles",
    "qa bench --questions tests/data/questions.jsonl --compare before.json": "test_bench_prints_the_machine_and_percentiles",
    "qa eval --attacks tests/data/attacks.jsonl --corpus tests/data/bbc --report reports/attacks": "tests/test_eval_attacks.py::test_planted_instructions_change_nothing_through_the_real_model (three of the attacks, the same command's code)",
    "qa bench --concurrency 20 --questions tests/data/questions.jsonl": "tests/test_many_users.py::test_bench_command_drives_twenty_clients_through_the_api (the same figures, from a scripted model)",
    "qa chat --cli --resume ID": "tests/test_cli.py::test_terminal_chat_answers_a_question_and_a_follow_up",
    "qa chat --host 0.0.0.0 --port 8080 --open": "test_chat_with_a_login_on_a_chosen_host_and_port",
    "QA_UI_USER=ann QA_UI_PASSWORD=... qa chat": "test_chat_with_a_login_on_a_chosen_host_and_port",
    "qa ingest my_docs/": "tests/test_ingest.py::test_formats_offsets_and_bad_files",
    "qa eval --questions my_questions.jsonl --report reports/latest": "tests/test_eval_run.py::test_eval_writes_reports_and_passes_floors",
    "make eval": "tests/test_eval_real.py::test_small_eval_meets_floors (the same harness on six questions)",
    "make eval-bbc": "tests/test_eval_retrieval.py::test_retrieval_finds_gold_evidence_among_distractors (the same 206 articles)",
    'Q="--questions tests/data/questions.jsonl"': "(a shell variable)",
    "qa eval $Q --fail-under citation_exactness=1.0 --fail-under answer_correctness=0.8 --json": "tests/test_eval_run.py::test_fail_under_names_the_metric",
    "qa eval $Q --limit 5": "tests/test_eval_run.py::test_eval_writes_reports_and_passes_floors",
    "qa eval --checker-only --pairs tests/data/support_pairs.jsonl": "test_checker_commands",
    "qa eval $Q --checker mypkg.nli:NLIChecker": "test_checker_commands",
    "qa eval $Q --grader checker": "tests/test_eval_grading.py::test_self_grading_is_named",
    "qa eval --checker-only --checker qa.eval.grader:EntailmentGrader --pairs tests/data/bbc_support_pairs.jsonl": "test_checker_commands",
    "qa eval $Q --baseline llamaindex --report reports/latest": "tests/test_eval_run.py::test_baseline_maps_cited_chunks_to_exact_spans",
}


def readme_blocks(language: str) -> list[str]:
    return [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", README, re.S) if lang == language]


def readme_commands() -> list[str]:
    lines = [line.split("  #")[0].strip() for block in readme_blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "QA_MODEL_DIR": str(ROOT / "models"), "QA_LLM_TIMEOUT_S": "600", "HF_HUB_OFFLINE": "1",
           "XDG_DATA_HOME": str(tmp_path / "data"), **extra}  # fmt: skip
    for name in ("QA_INDEX_DIR", "QA_SEEDS_DIR", "QA_CONFIG"):
        if name not in extra:
            env.pop(name, None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"nothing listened on port {port} after {seconds:.0f} s")


def test_every_readme_command_is_checked():
    commands = readme_commands()
    assert len(commands) >= 20
    unchecked = [c for c in commands if c not in CHECKED_BY]
    assert not unchecked, f"README commands no test runs: {unchecked}"
    here = Path(__file__).read_text(encoding="utf-8")
    for test in set(CHECKED_BY.values()):
        if test.startswith("("):
            continue
        path, _, name = test.split(" ")[0].rpartition("::")
        source = (ROOT / path).read_text(encoding="utf-8") if path else here
        assert f"def {name}(" in source, f"{test} does not exist"


def test_headline_question_on_the_command_line(tmp_path):
    """The README's first example: "At least 300 fighters ...[1]", from `qa ask`, as text and as JSON."""
    env = _env(tmp_path, QA_INDEX_DIR=str(tmp_path / "index"), QA_SEEDS_DIR=str(ROOT / "seeds"))
    ingest = subprocess.run([QA, "ingest"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert ingest.returncode == 0 and ingest.stdout.startswith("Indexed 2 documents"), ingest.stderr
    text = subprocess.run([QA, "ask", HEADLINE], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()[0]
    assert "300" in first and re.search(r"\[1\]$", first), text.stdout
    raw = subprocess.run([QA, "ask", "--json", HEADLINE], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    answer = json.loads(raw.stdout)  # exactly one JSON object
    assert "300" in answer["text"] and not answer["abstained"] and answer["citations"]
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
    for c in answer["citations"]:
        assert seeds[Path(c["source"]).name][c["start"] : c["end"]] == c["quote"]
    assert any("At least 300 fighters" in c["quote"] for c in answer["citations"])


def test_python_example_runs_and_keeps_its_promises(tmp_path):
    """The README's first Python block, run as written (plus checks of what its comments promise)."""
    (tmp_path / "my_articles").mkdir()
    for seed in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(seed, tmp_path / "my_articles" / seed.name)
    block = readme_blocks("python")[0]
    checks = '''
assert "300" in answer.text and answer.text.endswith("]"), answer.text
assert (c.n, c.quote) == (1, open(c.source, encoding="utf-8").read()[c.start:c.end]) and c.doc_id
assert answer.sentences[0].supported and not answer.abstained and answer.abstain_gate == ""
assert {"first_evidence_ms", "retrieve_ms", "generate_ms", "verify_ms", "judge_ms", "total_ms"} <= set(answer.timings)
assert answer.timings["llm_calls"] >= 1 and answer.timings["prompt_tokens"] > answer.timings["output_tokens"] > 0
import json; assert json.loads(json.dumps(answer.to_dict()))["text"] == answer.text
assert isinstance(part, type(answer)) and part.question == "Who is Hadi al-Bahra?"
assert chat.turns[1].search_question != chat.turns[1].question, chat.turns[1].search_question
assert saved["turns"][0]["answer"]["citations"]
print("README PYTHON OK")
'''
    script = tmp_path / "example.py"
    script.write_text(block + checks, encoding="utf-8")
    env = _env(tmp_path, QA_INDEX_DIR=str(tmp_path / "index"))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert run.returncode == 0 and "README PYTHON OK" in run.stdout, run.stdout[-2000:] + run.stderr[-3000:]
    # the date-limited ask of the example found nothing in range (the seeds state no dates) and printed why
    assert "No indexed document is published between 2024-01-01 and 2024-06-30" in run.stdout, run.stdout[-2000:]


def test_checker_commands(tmp_path):
    """`--checker-only` scores the default checker on the labelled pairs; `--checker` loads a user's own class."""
    env = _env(tmp_path)
    only = subprocess.run([QA, "eval", "--checker-only", "--pairs", "tests/data/support_pairs.jsonl"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)  # fmt: skip
    assert only.returncode == 0, only.stderr
    assert "Balanced accuracy: 0.939" in only.stdout and "| negation | 6 | 6 |" in only.stdout
    package = tmp_path / "plugins" / "mypkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "nli.py").write_text(
        "from qa.verify import Verdict\n\n"
        "class NLIChecker:\n"
        "    name = 'says-yes'\n\n"
        "    def check(self, claim, evidence, question=''):\n"
        "        return Verdict(True, 1.0, 'always')\n"
    )
    own = subprocess.run(
        [QA, "eval", "--checker-only", "--pairs", "tests/data/support_pairs.jsonl", "--checker", "mypkg.nli:NLIChecker", "--json"],
        capture_output=True, text=True, env={**env, "PYTHONPATH": str(tmp_path / "plugins")}, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert own.returncode == 0, own.stderr
    report = json.loads(own.stdout)
    assert report["checker"] == "says-yes" and report["balanced_accuracy"] == 0.5  # every pair called supported
    # The entailment grader needs the LLM: the CLI builds it for a class that asks for `llm=`.
    few = tmp_path / "few.jsonl"
    lines = (ROOT / "tests/data/bbc_support_pairs.jsonl").read_text(encoding="utf-8").splitlines()
    few.write_text("\n".join([lines[0], lines[-1]]) + "\n", encoding="utf-8")  # one supported, one not
    graded = subprocess.run([QA, "eval", "--checker-only", "--checker", "qa.eval.grader:EntailmentGrader", "--pairs", str(few), "--json"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    report = json.loads(graded.stdout)
    assert report["checker"] == "llm-entailment" and report["pairs"] == 2


def test_bench_prints_the_machine_and_percentiles(tmp_path):
    env = _env(tmp_path, QA_SEEDS_DIR=str(ROOT / "seeds"))
    saved = tmp_path / "before.json"
    bench = subprocess.run([QA, "bench", "--questions", "tests/data/dev.jsonl", "--limit", "2", "--json", "--save", str(saved)],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)  # fmt: skip
    assert bench.returncode == 0, bench.stderr
    figures = json.loads(bench.stdout)
    assert json.loads(saved.read_text()) == figures
    for key in ("llm_calls", "prompt_tokens", "output_tokens"):
        assert figures["tokens"][key]["p50"] >= (1 if key != "llm_calls" else 1), key
    assert 0 < figures["latency_ms"]["first_evidence_ms"]["p50"] <= figures["latency_ms"]["total_ms"]["p50"]
    again = subprocess.run([QA, "bench", "--questions", "tests/data/dev.jsonl", "--limit", "1", "--compare", str(saved)],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"Compared with {saved}: total p50 {figures['latency_ms']['total_ms']['p50']} -> " in again.stdout
    assert "first_evidence" in again.stdout and "prompt_tokens" in again.stdout
    assert figures["machine"]["cores"] == os.cpu_count() and figures["questions"] == 2
    assert figures["ingest"]["documents"] == 2 and figures["ingest"]["passages"] > 10
    for stage in ("total_ms", "retrieve_ms", "generate_ms", "verify_ms"):
        row = figures["latency_ms"][stage]
        assert 0 <= row["p50"] <= row["p95"], (stage, row)
    assert figures["latency_ms"]["total_ms"]["p50"] > 0


def test_chat_with_a_login_on_a_chosen_host_and_port(tmp_path, library):
    """`qa chat --host H --port P` with QA_UI_USER/QA_UI_PASSWORD: the page asks for a login; the API answers with it."""
    from gradio_client import Client

    port = _free_port()
    env = _env(tmp_path, QA_INDEX_DIR=str(library.settings.index_dir), QA_UI_USER="ann", QA_UI_PASSWORD="s3cret")
    log = (tmp_path / "chat.log").open("w")
    server = subprocess.Popen([QA, "chat", "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env=env, cwd=tmp_path)  # fmt: skip
    try:
        _wait_for_port(port, server)
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/info", timeout=10)  # no login, no API
        client = Client(f"http://127.0.0.1:{port}/", auth=("ann", "s3cret"), verbose=False)
        answer = client.predict("How many Iranian and Iraqi fighters had arrived to defend Damascus?", api_name="/ask")
        assert "7,000" in answer["text"] and answer["citations"]
        with pytest.raises(Exception):
            Client(f"http://127.0.0.1:{port}/", auth=("ann", "wrong"), verbose=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_make_run_indexes_the_seeds_and_serves_the_chat(tmp_path):
    """`make run` as a new user runs it (the install is already done): seeds indexed, the chat answering on its port."""
    from gradio_client import Client

    port = _free_port()
    env = _env(tmp_path, QA_INDEX_DIR=str(tmp_path / "index"))
    log = (tmp_path / "run.log").open("w")
    server = subprocess.Popen(["make", "run", f"PORT={port}"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                              start_new_session=True)  # fmt: skip
    try:
        _wait_for_port(port, server, seconds=600)
        question = "What troop number was the deployment to the Damascus area aiming to reach?"
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question, api_name="/ask")
        assert "10,000" in answer["text"] and answer["citations"], answer
        assert (tmp_path / "index" / "chroma.sqlite3").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and the chat server it started
        server.wait(timeout=30)
        log.close()
    assert "Indexed 2 documents" in (tmp_path / "run.log").read_text()
