"""`qa bench --concurrency N`: N users ask at once through the app's /ask API; what each of them got, and when.

The app is started here on loopback over a fresh temporary index of the
corpus (as `qa bench` does; the CLI passes qa.ui.background's server in), or
`--url` names one already running on this machine; other machines are refused, since N clients at once is a load test
their owner did not ask for. N clients (at most 64) each ask a different
question from the question file, all at the same moment, over Gradio's HTTP
API (`POST /gradio_api/call/ask`, then its event stream); the run stops at
the deadline. Reported, with the machine: how many were answered, refused as
busy, failed, or had no answer by the deadline; cross-talk (an answer whose
`question` is not what that client asked); and p50/p95 of each client's
total time and of its wait (the total less the server's own time on the
answer, `timings.total_ms`). Nothing here asserts a speed.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from qa.bench import machine
from qa.errors import ModelBusy, QAError
from qa.eval.metrics import percentile
from qa.settings import Settings

MAX_CLIENTS = 64
GRADIO_QUEUE_FULL = "Queue is full"  # Gradio's own refusal (HTTP 503) when its event queue is full


@dataclass
class Outcome:
    """What one client got: an answer, a busy refusal, an error, or nothing by the deadline."""

    question: str
    status: str = "unfinished"  # "answered", "busy", "error" or "unfinished"
    seconds: float | None = None  # from the common start until the reply
    answer: dict = field(default_factory=dict)
    message: str = ""

    @property
    def cross_talk(self) -> bool:
        """An answer that was meant for another client."""
        return self.status == "answered" and str(self.answer.get("question", "")).strip() != self.question.strip()

    @property
    def wait_s(self) -> float | None:
        """Time not spent on this answer by the server: waiting for the model, and the trip there and back."""
        served_ms = (self.answer.get("timings") or {}).get("total_ms")
        if self.seconds is None or served_ms is None:
            return None
        return max(self.seconds - served_ms / 1000, 0.0)


def run(
    settings: Settings,
    questions: Path,
    clients: int,
    deadline_s: float,
    url: str | None = None,
    serve: Callable[[], AbstractContextManager[str]] | None = None,
) -> dict:
    """Ask `clients` distinct questions from `questions` at once; the figures as a dict (see `render`).

    Give `url`, a running app on this machine, or `serve`, which starts one under `settings` for the length
    of a `with` block and yields its URL (e.g. qa.ui.background.serve_in_background). The client count
    and the question file are checked before anything starts.
    """
    if not 1 <= clients <= MAX_CLIENTS:
        raise QAError(f"--concurrency {clients}: give 1 to {MAX_CLIENTS} clients.")
    if (url is None) == (serve is None):
        raise ValueError("give either the URL of a running app or `serve`, not both")
    asked = distinct_questions(questions, clients)
    results: dict = {"machine": machine(), "threads": settings.threads, "clients": clients, "deadline_s": deadline_s}
    if url is not None:
        results["url"] = require_loopback(url)
        return {**results, **summarise(ask_all(results["url"], asked, deadline_s))}
    with serve() as local_url:
        results["url"] = require_loopback(local_url)
        results["queue"] = {"size": settings.queue_size, "timeout_s": settings.queue_timeout_s}
        return {**results, **summarise(ask_all(local_url, asked, deadline_s))}


def distinct_questions(path: Path, n: int) -> list[str]:
    """The first n different questions of a JSONL question file (each line {"question": ...})."""
    seen: dict[str, None] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(str(json.loads(line)["question"]).strip(), None)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QAError(f"--questions {path}: not a JSONL file of {{\"question\": ...}} lines ({exc}).") from None
    if len(seen) < n:
        raise QAError(f"--questions {path} has {len(seen)} different questions; --concurrency {n} needs {n}.")
    return list(seen)[:n]


def require_loopback(url: str) -> str:
    """The URL of an app on this machine (127.x.x.x, ::1 or localhost), ending in "/"; QAError otherwise.

    >>> require_loopback("http://127.0.0.1:7860")
    'http://127.0.0.1:7860/'
    >>> require_loopback("http://example.org:7860/")
    Traceback (most recent call last):
    ...
    qa.errors.QAError: --url http://example.org:7860/: the bench only drives an app on this machine (127.0.0.1, ::1 or localhost); many clients at once is a load test the owner of another server did not ask for.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QAError(f"--url {url}: give the app's address, e.g. http://127.0.0.1:7860/.")
    try:
        loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:  # another host name may resolve anywhere
        loopback = False
    if not loopback:
        raise QAError(
            f"--url {url}: the bench only drives an app on this machine (127.0.0.1, ::1 or localhost); many "
            "clients at once is a load test the owner of another server did not ask for."
        )
    return url if url.endswith("/") else url + "/"


# Asking -----------------------------------------------------------------------------


def ask_all(url: str, questions: list[str], deadline_s: float) -> list[Outcome]:
    """One client per question, all asking the app at `url` at the same moment; what each got by the deadline."""
    outcomes = [Outcome(q) for q in questions]
    start = threading.Event()
    clock: dict[str, float] = {}

    def client(outcome: Outcome) -> None:
        start.wait()
        ask(url, outcome, clock["start"], clock["deadline"])

    # Daemon threads: a client still waiting at the deadline must not keep the command from ending.
    threads = [threading.Thread(target=client, args=(o,), daemon=True) for o in outcomes]
    for t in threads:
        t.start()
    clock["start"] = time.monotonic()
    clock["deadline"] = clock["start"] + deadline_s
    start.set()
    for t in threads:
        t.join(max(clock["deadline"] - time.monotonic(), 0) + 1)
    return outcomes


def ask(url: str, outcome: Outcome, started: float, deadline: float) -> None:
    """Ask outcome.question through the app's /ask API and record what came back by `deadline` (monotonic)."""
    import httpx

    def finish(status: str, message: str = "", answer: dict | None = None) -> None:
        outcome.status, outcome.message, outcome.answer = status, message, answer or {}
        outcome.seconds = round(time.monotonic() - started, 3)

    try:
        # No single read may outlast the deadline; the app's heartbeats keep a long wait's stream alive.
        with httpx.Client(base_url=url, timeout=max(deadline - time.monotonic(), 0.1)) as http:
            # All of /ask's inputs (question, since, until, sources): this API fills in no defaults.
            posted = http.post("gradio_api/call/ask", json={"data": [outcome.question, "", "", []]})
            if posted.status_code == 503:  # Gradio's own queue is full
                return finish("busy", f"{GRADIO_QUEUE_FULL} (HTTP 503): {posted.text[:200]}")
            posted.raise_for_status()
            event_id = posted.json()["event_id"]
            with http.stream("GET", f"gradio_api/call/ask/{event_id}") as stream:
                event = ""
                for line in stream.iter_lines():
                    if time.monotonic() > deadline:
                        return
                    if line.startswith("event:"):
                        event = line.partition(":")[2].strip()
                    elif line.startswith("data:") and event in ("complete", "error"):
                        data = json.loads(line.partition(":")[2] or "null")
                        if event == "complete":
                            return finish("answered", answer=data[0] if isinstance(data, list) and data else {})
                        message = _error_message(data)
                        return finish("busy" if _is_busy(message) else "error", message)
        finish("error", "the event stream ended without an answer")
    except httpx.TimeoutException:
        return  # still unfinished at the deadline
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        finish("error", f"{type(exc).__name__}: {exc}")


def _error_message(data: object) -> str:
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or data)
    return "" if data is None else str(data)


def _is_busy(message: str) -> bool:
    return message.startswith(ModelBusy.PREFIX) or GRADIO_QUEUE_FULL in message


# Figures ---------------------------------------------------------------------------


def summarise(outcomes: list[Outcome]) -> dict:
    """Counts and percentiles over the clients' outcomes."""
    answered = [o for o in outcomes if o.status == "answered"]
    problems = list(dict.fromkeys(o.message for o in outcomes if o.status in ("busy", "error") and o.message))
    return {
        "model": next((o.answer.get("model") for o in answered if o.answer.get("model")), None),
        "answered": len(answered),
        "abstained": sum(bool(o.answer.get("abstained")) for o in answered),
        "busy": sum(o.status == "busy" for o in outcomes),
        "errors": sum(o.status == "error" for o in outcomes),
        "unfinished": sum(o.status == "unfinished" for o in outcomes),
        "cross_talk": sum(o.cross_talk for o in outcomes),
        "wait_s": _row([o.wait_s for o in answered if o.wait_s is not None]),
        "total_s": _row([o.seconds for o in answered if o.seconds is not None]),
        "wall_s": max((o.seconds for o in outcomes if o.seconds is not None), default=None),
        "problems": problems[:5],
        "outcomes": [
            {"question": o.question, "status": o.status, "seconds": o.seconds, "wait_s": o.wait_s,
             "answered_question": o.answer.get("question"), "message": o.message}
            for o in outcomes
        ],  # fmt: skip
    }


def _row(values: list[float]) -> dict:
    if not values:
        return {}
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2), "max": round(max(values), 2)}


def render(results: dict) -> str:
    """The figures for people, with the machine they were taken on."""
    m = results["machine"]
    queue = results.get("queue")
    app = f"{results['url']} " + (
        f"(started here; queue_size {queue['size']}, queue_timeout_s {queue['timeout_s']:g})" if queue else "(given with --url)"
    )
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {results['threads']} threads used; Python {m['python']}",
        f"App:     {app}; model {results.get('model') or '?'}",
        f"Clients: {results['clients']} at once, each asking a different question; deadline {results['deadline_s']:g} s",
        f"Answered {results['answered']} ({results['abstained']} abstained); busy {results['busy']}; errors "
        f"{results['errors']}; unfinished at the deadline {results['unfinished']}; cross-talk {results['cross_talk']}",
    ]
    if results["total_s"]:
        lines.append(f"{'per answer':16}{'p50 s':>10}{'p95 s':>10}{'max s':>10}")
        for key in ("wait_s", "total_s"):
            row = results[key]
            if row:
                lines.append(f"{key[:-2]:16}{row['p50']:>10}{row['p95']:>10}{row['max']:>10}")
    if results.get("wall_s") is not None:
        lines.append(f"The last reply came {results['wall_s']:g} s after the start.")
    lines += [f"  - {p}" for p in results.get("problems", [])]
    return "\n".join(lines)


def compare(results: dict, baseline: dict) -> str:
    """Each figure beside the same figure of a saved `--concurrency` run.

    >>> compare({"total_s": {"p95": 90.0}, "busy": 0}, {"total_s": {"p95": 270.0}, "busy": 2})
    'total p95 270.0 -> 90.0 s (-67%); busy 2 -> 0'
    """
    parts = []
    for key in ("wait_s", "total_s"):
        for p in ("p50", "p95"):
            old, new = baseline.get(key, {}).get(p), results.get(key, {}).get(p)
            if old is not None and new is not None:
                change = f" ({(new - old) / old:+.0%})" if old else ""
                parts.append(f"{key[:-2]} {p} {old} -> {new} s{change}")
    for key in ("answered", "busy", "errors", "unfinished", "cross_talk"):
        if key in baseline and key in results:
            parts.append(f"{key.replace('_', '-')} {baseline[key]} -> {results[key]}")
    return "; ".join(parts)
