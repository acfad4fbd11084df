"""Server modes against real servers on loopback: Chroma server, OpenAI-compatible LLM endpoint."""

import http.server
import threading
import time

import pytest

from qa.assistant import Assistant
from qa.errors import LLMUnavailable
from qa.library import Library
from qa.models import LOCAL_MODELS, assemble
from tests.servers import chroma_server, free_port, llm_server

pytestmark = pytest.mark.integration


def test_chroma_server_mode(tmp_path, settings, embedder, assistant):
    with chroma_server(tmp_path / "chroma") as url:
        server_settings = settings.model_copy(update={"chroma_url": url, "index_dir": tmp_path / "unused"})
        library = Library(server_settings, embedder=embedder)
        report = library.ingest([settings.seeds_dir])
        assert report.documents == 2 and report.passages > 10
        assert not (tmp_path / "unused").exists(), "server mode must not write a local index"
        a = Assistant(server_settings, embedder=embedder, llm=assistant.llm)
        answer = a.ask("What troop number was the deployment to the Damascus area aiming to reach?")
        assert not answer.abstained and "10,000" in answer.text and answer.citations
        for c in answer.citations:
            assert library.texts([c.doc_id])[c.doc_id][c.start : c.end] == c.quote
        # A second client (a teammate) sees the same index, with nothing on its own disk.
        teammate = Library(server_settings, embedder=embedder)
        assert teammate.ensure_index() is None and len(teammate.documents()) == 2
        assert teammate.status()["passages"] == report.passages


def test_chroma_server_down_is_a_clear_error(settings, embedder):
    from qa.errors import StoreUnavailable

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable) as err:
        Library(settings.model_copy(update={"chroma_url": url}), embedder=embedder).documents()
    assert url.split("//")[1].split(":")[0] in str(err.value) and "chroma run" in str(err.value)


def test_openai_compatible_endpoint(tmp_path, settings, embedder, assistant):
    model_path = assemble(LOCAL_MODELS[settings.local_model], settings.model_dir)
    with llm_server(model_path, tmp_path) as base_url:
        hosted = settings.model_copy(
            update={"llm": "hosted", "hosted_base_url": base_url, "hosted_model": "local-qwen", "llm_timeout_s": 300}
        )
        a = Assistant(hosted, embedder=embedder, store=assistant.store)
        answer = a.ask("How many Iranian and Iraqi fighters had arrived to defend Damascus?")
        assert answer.model == f"local-qwen (hosted at {base_url})"
        assert not answer.abstained and "7,000" in answer.text
        assert answer.citations and all(c.quote for c in answer.citations)
        unanswerable = a.ask("Who won the football World Cup in 2022?")
        assert unanswerable.abstained


def test_endpoint_down_fails_fast_with_a_clear_message(settings, embedder, assistant):
    url = f"http://127.0.0.1:{free_port()}/v1"
    hosted = settings.model_copy(update={"llm": "hosted", "hosted_base_url": url, "hosted_model": "m"})
    a = Assistant(hosted, embedder=embedder, store=assistant.store)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as err:
        a.ask("How many Iranian and Iraqi fighters had arrived to defend Damascus?")
    assert time.monotonic() - started < 30
    assert url in str(err.value) and "running" in str(err.value)


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        time.sleep(5)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_slow_endpoint_times_out_with_a_clear_message(settings, embedder, assistant):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        hosted = settings.model_copy(
            update={"llm": "hosted", "hosted_base_url": url, "hosted_model": "m", "llm_timeout_s": 1.0}
        )
        a = Assistant(hosted, embedder=embedder, store=assistant.store)
        started = time.monotonic()
        with pytest.raises(LLMUnavailable) as err:
            a.ask("How many Iranian and Iraqi fighters had arrived to defend Damascus?")
        assert time.monotonic() - started < 4.5
        assert "1 s" in str(err.value) and "QA_LLM_TIMEOUT_S" in str(err.value)
    finally:
        server.shutdown()


def test_hosted_without_url_says_what_to_set(settings, embedder):
    a = Assistant(settings.model_copy(update={"llm": "hosted"}), embedder=embedder)
    with pytest.raises(LLMUnavailable, match="QA_HOSTED_BASE_URL"):
        a.llm
