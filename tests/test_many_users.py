"""Many users at once: the waiting line (threads, no model), its async glue, and the app under load.

The app tests serve the real app on loopback over an index of seeds/ with a
scripted model that answers with the question it was asked, so an answer
that reached the wrong client shows; a gated variant holds the model until
the test lets it go, so who waits, and for how long, is exactly known.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from qa import bench_concurrent
from qa.errors import ModelBusy
from qa.ui import render
from qa.ui.turns import Waiting, call_in_turn, in_turn
from qa.waiting_line import WaitingLine

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
DAMASCUS = "How many Iranian and Iraqi fighters had arrived to defend Damascus?"
IRAQ = "How many fighters did Iraq send into Syria, according to Iraqi security sources?"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The waiting line -------------------------------------------------------------------


def test_line_counts_the_places_ahead_and_moves_up_when_one_leaves():
    line = WaitingLine(size=5, timeout_s=60)
    a, b, c = line.join(), line.join(), line.join()
    assert [line.ahead(t) for t in (a, b, c)] == [0, 1, 2]
    line.leave(b)  # a waiting user gave up
    assert [line.ahead(t) for t in (a, c)] == [0, 1]
    line.leave(a)
    assert line.ahead(c) == 0 and len(line) == 1
    line.leave(c)
    line.leave(c)  # leaving twice is harmless
    assert len(line) == 0
    with pytest.raises(ValueError, match="left the line"):
        line.ahead(c)


def test_threads_take_turns_one_at_a_time_in_the_order_they_came():
    line = WaitingLine(size=10, timeout_s=30)
    tickets = [line.join() for _ in range(8)]  # joined here, so the order is known
    served: list[int] = []
    inside = []
    overlap = []

    def user(i: int) -> None:
        while line.wait(tickets[i], timeout_s=1.0) > 0:
            pass
        inside.append(i)
        overlap.append(len(inside))
        time.sleep(0.01)  # "using the model"
        served.append(i)
        inside.remove(i)
        line.leave(tickets[i])

    threads = [threading.Thread(target=user, args=(i,)) for i in reversed(range(8))]  # started out of order
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert served == list(range(8))
    assert max(overlap) == 1


def test_a_full_line_refuses_at_once_with_a_clear_message():
    line = WaitingLine(size=2, timeout_s=60)
    line.join(), line.join(), line.join()  # one answered, two waiting
    with pytest.raises(ModelBusy) as refused:
        line.join()
    assert str(refused.value) == "The assistant is busy: 2 questions are already waiting for it. Try again in a minute."
    assert str(refused.value).startswith(ModelBusy.PREFIX)
    assert len(line) == 3


def test_a_line_of_size_zero_serves_one_and_refuses_the_next():
    line = WaitingLine(size=0, timeout_s=60)
    first = line.join()
    with pytest.raises(ModelBusy):
        line.join()
    line.leave(first)
    assert line.ahead(line.join()) == 0


def test_waiting_past_the_deadline_is_refused_but_the_question_being_answered_is_not():
    clock = FakeClock()
    line = WaitingLine(size=5, timeout_s=30, clock=clock)
    answering, waiting = line.join(), line.join()
    clock.now += 31
    with pytest.raises(ModelBusy, match=r"^The assistant is busy: your question waited 30 s without getting a turn\. Try again in a minute\.$"):
        line.ahead(waiting)
    assert line.ahead(answering) == 0  # its answer is bounded by the model's own timeout
    assert len(line) == 1
    with pytest.raises(ModelBusy):  # and it stays refused
        line.ahead(waiting)


def test_an_expired_ticket_is_cleared_by_those_behind_it():
    clock = FakeClock()
    line = WaitingLine(size=5, timeout_s=30, clock=clock)
    line.join()
    gone = line.join()  # its page was closed: nobody asks for its place any more
    clock.now += 20
    later = line.join()
    assert line.ahead(later) == 2
    clock.now += 11
    assert line.ahead(later) == 1
    assert gone.expired


def test_wait_wakes_as_soon_as_the_line_moves():
    line = WaitingLine(size=5, timeout_s=60)
    front, mine = line.join(), line.join()
    seen: list[int] = []
    waiter = threading.Thread(target=lambda: seen.append(line.wait(mine, timeout_s=10)))
    waiter.start()
    time.sleep(0.1)
    started = time.monotonic()
    line.leave(front)
    waiter.join(10)
    assert seen == [0]
    assert time.monotonic() - started < 2


def test_wait_gives_up_at_the_deadline():
    line = WaitingLine(size=5, timeout_s=0.2)
    line.join()
    mine = line.join()
    with pytest.raises(ModelBusy, match="waited 0.2 s"):
        line.wait(mine, timeout_s=10)


# Taking turns from async handlers ------------------------------------------------------


def test_in_turn_shows_the_place_then_streams_and_then_frees_the_line():
    async def scenario():
        line = WaitingLine(size=5, timeout_s=30)
        holder = line.join()
        got: list = []
        closed: list[bool] = []

        def work():
            try:
                yield "searching"
                yield "answer"
            finally:
                closed.append(True)

        async def user():
            async for item in in_turn(line, work):
                got.append(item)

        task = asyncio.create_task(user())
        await asyncio.sleep(0.5)
        assert got == [Waiting(1)] and len(line) == 2  # no repeat while the place does not change
        line.leave(holder)
        await asyncio.wait_for(task, 10)
        assert got == [Waiting(1), "searching", "answer"]
        assert closed == [True] and len(line) == 0

    asyncio.run(scenario())


def test_in_turn_abandoned_midway_frees_the_line_and_closes_the_work():
    async def scenario():
        line = WaitingLine(size=5, timeout_s=30)
        closed: list[bool] = []

        def work():
            try:
                yield "first"
                yield "second"
            finally:
                closed.append(True)

        stream = in_turn(line, work)
        assert await stream.__anext__() == "first"
        await stream.aclose()  # the page went away
        assert closed == [True] and len(line) == 0

    asyncio.run(scenario())


def test_call_in_turn_waits_for_its_turn_and_says_busy_past_the_deadline():
    async def scenario():
        line = WaitingLine(size=5, timeout_s=0.5)
        assert await call_in_turn(line, lambda: 42) == 42
        holder = line.join()
        with pytest.raises(ModelBusy, match="waited 0.5 s"):
            await call_in_turn(line, lambda: 42)
        line.leave(holder)
        assert len(line) == 0

    asyncio.run(scenario())


def test_a_waiting_turn_shows_its_place_in_the_chat():
    page = render.render_conversation([{"question": "<b>Who?</b>", "answer": None, "error": "", "waiting": Waiting(3).message()}])
    assert "Waiting: 3 questions ahead of yours" in page
    assert "&lt;b&gt;Who?&lt;/b&gt;" in page


# The app under load ----------------------------------------------------------------------


class EchoLLM:
    """A scripted model: its answer repeats the question in the prompt, so an answer cannot pass for another's.

    With `hold`, every call waits for that event first, so a test decides when the model is free.
    """

    name = "echo"

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.hold = hold
        self.busy = threading.Event()  # set once a call has the model
        self.asked: list[str] = []

    def chat(self, messages, schema=None, on_token=None) -> str:
        self.busy.set()
        if self.hold is not None:
            self.hold.wait(60)
        props = (schema or {}).get("properties", {})
        if "sentences" in props:
            question = messages[-1]["content"].rsplit("Question:", 1)[-1].strip()
            self.asked.append(question)
            reply = json.dumps({"sentences": [{"evidence": [1], "text": f"You asked: {question}"}]})
        elif "question" in props:
            reply = json.dumps({"question": messages[-1]["content"]})
        else:
            reply = '{"verdict": "yes"}'
        for i in range(0, len(reply), 16):
            if on_token:
                on_token(reply[i : i + 16])
        return reply


@pytest.fixture(scope="module")
def seed_library(embedder, tmp_path_factory):
    from qa.library import Library
    from qa.settings import Settings

    settings = Settings(index_dir=tmp_path_factory.mktemp("index"), seeds_dir=ROOT / "seeds", model_dir=ROOT / "models")
    library = Library(settings, embedder=embedder)
    library.ingest([settings.seeds_dir])
    return library


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(library, llm, line: WaitingLine | None = None):
    from qa.assistant import Assistant
    from qa.conversation import Assistants
    from qa.ui.app import build_app

    assistant = Assistant(library.settings, llm=llm, embedder=library.embedder, store=library.store)
    demo = build_app(Assistants(assistant), library, line)
    port = _free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


def _in_thread(fn, *args) -> threading.Thread:
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


def _until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_twenty_api_clients_at_once_each_get_the_answer_to_their_own_question(seed_library):
    llm = EchoLLM()
    questions = bench_concurrent.distinct_questions(QUESTIONS, 20)
    with running_app(seed_library, llm) as (url, _):
        outcomes = bench_concurrent.ask_all(url, questions, deadline_s=180)
    assert [o.status for o in outcomes] == ["answered"] * 20, [o.message for o in outcomes]
    for o in outcomes:
        assert o.answer["question"] == o.question
        echoed = [s["text"] for s in o.answer["sentences"] if s["text"].startswith("You asked:")]
        assert all(text == f"You asked: {o.question}" for text in echoed), (o.question, echoed)
    assert sorted(llm.asked) == sorted(set(llm.asked)) and set(llm.asked) <= set(questions)
    figures = bench_concurrent.summarise(outcomes)
    assert (figures["answered"], figures["cross_talk"], figures["busy"], figures["errors"]) == (20, 0, 0, 0)


def test_bench_command_drives_twenty_clients_through_the_api(seed_library):
    from qa.cli import app

    with running_app(seed_library, EchoLLM()) as (url, _):
        result = CliRunner().invoke(
            app, ["bench", "--concurrency", "20", "--url", url, "--questions", str(QUESTIONS), "--deadline", "180", "--json"]
        )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["answered"] == 20 and figures["cross_talk"] == 0, figures["problems"]
    assert figures["busy"] == figures["errors"] == figures["unfinished"] == 0
    assert set(figures["total_s"]) == {"p50", "p95", "max"} and set(figures["wait_s"]) == {"p50", "p95", "max"}
    assert figures["machine"]["cores"] and figures["model"] == "echo"
    text = bench_concurrent.render(figures)
    assert text.startswith("Machine: ") and "Answered 20" in text and "cross-talk 0" in text


def test_bench_starts_the_app_itself_on_loopback(seed_library):
    from qa.ui.background import serve_in_background

    settings = seed_library.settings
    serve = lambda: serve_in_background(settings, [settings.seeds_dir], llm=EchoLLM(), embedder=seed_library.embedder)  # noqa: E731
    figures = bench_concurrent.run(settings, QUESTIONS, clients=3, deadline_s=120, serve=serve)
    assert figures["url"].startswith("http://127.0.0.1:")
    assert figures["answered"] == 3 and figures["cross_talk"] == 0, figures["problems"]
    assert figures["queue"] == {"size": 20, "timeout_s": 300.0}


def test_bench_refuses_another_machine_and_too_many_clients():
    from qa.cli import app

    runner = CliRunner()
    remote = runner.invoke(app, ["bench", "--concurrency", "5", "--url", "http://192.0.2.7:7860/", "--questions", str(QUESTIONS)])
    assert remote.exit_code == 1 and "only drives an app on this machine" in remote.output
    many = runner.invoke(app, ["bench", "--concurrency", "65", "--questions", str(QUESTIONS)])
    assert many.exit_code == 2 and "64" in many.output
    alone = runner.invoke(app, ["bench", "--url", "http://127.0.0.1:7860/", "--questions", str(QUESTIONS)])
    assert alone.exit_code == 1 and "give both" in alone.output


def test_past_the_line_size_a_client_is_told_busy_at_once(seed_library):
    from gradio_client import Client

    hold = threading.Event()
    llm = EchoLLM(hold)
    line = WaitingLine(size=1, timeout_s=60)
    questions = bench_concurrent.distinct_questions(QUESTIONS, 4)
    with running_app(seed_library, llm, line) as (url, demo):
        first, second = bench_concurrent.Outcome(DAMASCUS), bench_concurrent.Outcome(questions[1])
        started = time.monotonic()
        threads = [_in_thread(bench_concurrent.ask, url, first, started, started + 60)]
        _until(llm.busy.is_set)  # the first question has the model
        threads.append(_in_thread(bench_concurrent.ask, url, second, started, started + 60))
        _until(lambda: len(line) == 2)  # the second waits: the line is full
        try:
            with pytest.raises(Exception, match=r"The assistant is busy: 1 question is already waiting for it\. Try again in a minute\."):
                Client(url, verbose=False).predict(questions[2], api_name="/ask")
            third = bench_concurrent.Outcome(questions[3])
            bench_concurrent.ask(url, third, time.monotonic(), time.monotonic() + 30)
            assert third.status == "busy" and third.message.startswith(ModelBusy.PREFIX)
            assert third.seconds < 10  # refused at once, not after a wait

            # In the chat, the refusal is the answer's place, and the question goes back in the box.
            inputs = [questions[3], None, "local", 6, "", "", [], None, "chat-session-browser-key"]
            chat = _event(url, _fn_index(demo, "respond"), inputs, "chat-session")
            page, box = chat[-1]["output"]["data"][:2]
            assert "Could not answer." in page and "The assistant is busy: 1 question is already waiting" in page
            assert box == questions[3]
        finally:
            hold.set()
        for t in threads:
            t.join(60)
    assert first.status == second.status == "answered", (first.message, second.message)
    assert len(line) == 0


def test_a_question_past_its_deadline_is_told_busy(seed_library):
    from gradio_client import Client

    hold = threading.Event()
    llm = EchoLLM(hold)
    line = WaitingLine(size=5, timeout_s=1.0)
    with running_app(seed_library, llm, line) as (url, _):
        first = bench_concurrent.Outcome(DAMASCUS)
        started = time.monotonic()
        thread = _in_thread(bench_concurrent.ask, url, first, started, started + 60)
        _until(llm.busy.is_set)
        try:
            asked = time.monotonic()
            with pytest.raises(Exception, match=r"The assistant is busy: your question waited 1 s without getting a turn\."):
                Client(url, verbose=False).predict("Who crossed the border?", api_name="/ask")
            assert time.monotonic() - asked < 15
        finally:
            hold.set()
        thread.join(60)
    assert first.status == "answered", first.message


# Pages that never wait for the model ------------------------------------------------------


def _fn_index(demo, name: str) -> int:
    return next(i for i, fn in demo.fns.items() if fn.name == name)


def _event(url: str, fn_index: int, data: list, session: str, seconds: float = 20) -> list[dict]:
    """Run one of the page's own events as the browser does (queue/join, then the session's event stream)."""
    with httpx.Client(base_url=url, timeout=seconds) as http:
        joined = http.post("gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                          "event_data": None, "trigger_id": None})  # fmt: skip
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        messages = []
        with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id:
                    continue
                messages.append(message)
                if message.get("msg") == "process_completed":
                    return messages
    raise AssertionError(f"event {fn_index} did not complete: {messages}")


def test_questions_share_no_group_and_the_documents_have_their_own(seed_library):
    from qa.ui.app import LIBRARY_SLOT

    with running_app(seed_library, EchoLLM()) as (_, demo):
        fns = {fn.name: fn for fn in demo.fns.values()}
    for name in ("respond", "ask"):
        assert fns[name].concurrency_limit is None  # they wait in the line, where each sees its place
    for name in ("upload", "add_link", "remove", "reindex"):
        assert fns[name].concurrency_id == LIBRARY_SLOT and fns[name].concurrency_limit == 1
    for name in ("open_citation", "refresh", "clear", "choose_llm"):
        assert fns[name].concurrency_id not in (LIBRARY_SLOT, fns["respond"].concurrency_id, fns["ask"].concurrency_id)


def test_documents_tab_and_chat_places_work_while_a_question_holds_the_model(seed_library):
    hold = threading.Event()
    llm = EchoLLM(hold)
    line = WaitingLine(size=5, timeout_s=60)
    with running_app(seed_library, llm, line) as (url, demo):
        first = bench_concurrent.Outcome(DAMASCUS)
        started = time.monotonic()
        thread = _in_thread(bench_concurrent.ask, url, first, started, started + 60)
        _until(llm.busy.is_set)
        try:
            began = time.monotonic()
            listed = _event(url, _fn_index(demo, "refresh"), [], "docs-session")
            reindexed = _event(url, _fn_index(demo, "reindex"), [], "docs-session")
            assert time.monotonic() - began < 15
            assert listed[-1]["success"] and reindexed[-1]["success"]
            assert "2 unchanged" in reindexed[-1]["output"]["data"][0]  # the status line of the documents tab

            # A chat question now waits behind the held one, and the chat itself says so.
            chat_messages: list[dict] = []
            inputs = [IRAQ, None, "local", 6, "", "", [], None, "chat-session-browser-key"]
            chat = _in_thread(lambda: chat_messages.extend(_event(url, _fn_index(demo, "respond"), inputs, "chat-session", 60)))
            _until(lambda: len(line) == 2)
            time.sleep(0.5)
        finally:
            hold.set()
        chat.join(60)
        thread.join(60)
    shown = [json.dumps(m.get("output", {})) for m in chat_messages if m.get("msg") in ("process_generating", "process_completed")]
    assert any("Waiting: 1 question ahead of yours" in s for s in shown), shown[:2]
    assert chat_messages[-1]["success"] and f"You asked: {IRAQ}" in shown[-1]
    assert first.status == "answered", first.message
