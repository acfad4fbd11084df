"""LLM backends without a model: streaming, timeouts, and the hosted response_format fallbacks against a stub server."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from qa.errors import LLMUnavailable
from qa.llm import FakeLLM, HostedLLM, LocalLLM, _collect, make_llm
from qa.settings import Settings


def test_collect_streams_pieces_and_joins_them():
    seen = []
    assert _collect(["At ", "", "least ", "300"], seen.append, 10, "m") == "At least 300"
    assert seen == ["At ", "least ", "300"]


def test_collect_stops_a_slow_stream_with_a_clear_message():
    def slow():
        for piece in ("a", "b", "c"):
            time.sleep(0.2)
            yield piece

    with pytest.raises(LLMUnavailable, match="did not finish within 0.3 s.*QA_LLM_TIMEOUT_S"):
        _collect(slow(), None, 0.3, "The model")


def test_fake_llm_replays_its_queue_and_records_calls():
    llm = FakeLLM(["first", "second"])
    pieces = []
    assert llm.chat([{"role": "user", "content": "q"}], on_token=pieces.append) == "first"
    assert "".join(pieces) == "first"
    assert llm.chat([]) == "second" and len(llm.calls) == 2
    with pytest.raises(LLMUnavailable, match="no replies"):
        llm.chat([])


def test_make_llm_follows_the_settings():
    assert isinstance(make_llm(Settings(llm="local")), LocalLLM)
    with pytest.raises(LLMUnavailable, match="QA_HOSTED_BASE_URL"):
        make_llm(Settings(llm="hosted"))


class _Server:
    """An OpenAI-compatible stub: refuses response formats it is told to, streams a fixed reply."""

    def __init__(self, refuse: dict[str, int], reply: str = '{"sentences": []}') -> None:
        self.refuse, self.reply, self.formats = refuse, reply, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                kind = (body.get("response_format") or {}).get("type", "none")
                if kind == "json_object" and "schema" in body.get("response_format", {}):
                    kind = "json_object_schema"
                outer.formats.append(kind)
                if kind in outer.refuse:
                    self.send_response(outer.refuse[kind])
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "unsupported response_format"}}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "delta": {"content": outer.reply}, "finish_reason": None}]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.mark.parametrize(
    ("refuse", "tried"),
    [
        ({}, ["json_schema"]),
        ({"json_schema": 400}, ["json_schema", "json_object_schema"]),
        ({"json_schema": 500, "json_object_schema": 422}, ["json_schema", "json_object_schema", "none"]),
    ],
)
def test_hosted_falls_back_to_simpler_formats_and_remembers(refuse, tried):
    server = _Server(refuse)
    try:
        llm = HostedLLM(Settings(llm="hosted", hosted_base_url=server.url, hosted_model="m", llm_timeout_s=10))
        assert llm.chat([{"role": "user", "content": "q"}], schema={"type": "object"}) == '{"sentences": []}'
        assert server.formats == tried
        server.formats.clear()
        llm.chat([{"role": "user", "content": "q"}], schema={"type": "object"})
        assert server.formats == tried[-1:], "the accepted form is remembered, not renegotiated"
        llm.chat([{"role": "user", "content": "q"}])  # no schema: no response_format at all
        assert server.formats[-1] == "none"
    finally:
        server.close()


def test_hosted_error_without_a_schema_is_reported_not_retried():
    server = _Server({"none": 503})
    try:
        llm = HostedLLM(Settings(llm="hosted", hosted_base_url=server.url, hosted_model="m", llm_timeout_s=10))
        with pytest.raises(LLMUnavailable, match=f"The LLM at {server.url} failed"):
            llm.chat([{"role": "user", "content": "q"}])
        assert server.formats == ["none"]
    finally:
        server.close()
