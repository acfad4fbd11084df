"""The app served from this process on a free loopback port, over a temporary index: for `qa bench --concurrency`.

    with serve_in_background(settings, [Path("seeds")]) as url:
        ...  # http://127.0.0.1:PORT/ answers until the block ends
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from qa.settings import Settings

if TYPE_CHECKING:
    from qa.embed import Embedder


@contextmanager
def serve_in_background(
    settings: Settings, corpus: Sequence[Path] = (), llm=None, embedder: Embedder | None = None
) -> Iterator[str]:
    """Index `corpus` (default: the seeds folder) into a fresh temporary index, load the models, serve the app on
    127.0.0.1 until the block ends, and yield its URL. llm (a chat model, as `Assistant` takes) and embedder
    default to the configured ones."""
    from qa.assistant import Assistant
    from qa.conversation import Assistants
    from qa.library import Library
    from qa.ui.app import build_app

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        served = settings.model_copy(update={"index_dir": Path(tmp), "chroma_url": None})
        library = Library(served, embedder=embedder)
        library.ingest(list(corpus) or None)
        assistant = Assistant(served, llm=llm, embedder=library.embedder)
        assistant.warm_up()
        demo = build_app(Assistants(assistant), library)
        port = _free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=False)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            demo.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
