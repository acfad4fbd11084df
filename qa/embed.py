"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline.

Two ways to run the same model, giving the same vectors (cosine 1.0000 on
BBC sentences and passages): onnxruntime (default, see `embed_onnx`) and
sentence-transformers on torch. When the ONNX file cannot be exported or
loaded, the torch path is used and a warning says why.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.models import EMBEDDING_NAME, embedding_model_dir

log = logging.getLogger(__name__)


class Embedder:
    """Loads the model on first use and returns L2-normalised float32 vectors."""

    name = EMBEDDING_NAME
    dimensions = 384

    def __init__(self, batch_size: int = 16, model_dir: Path | None = None, backend: str = "onnx") -> None:
        self.batch_size = batch_size
        self.model_dir = model_dir
        self.backend = backend
        self._model = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> Embedder:
        return cls(settings.embed_batch_size, settings.model_dir, settings.embedding_backend)

    def _load(self):
        with self._lock:
            if self._model is None:
                # The model comes from a package; never let a library reach for a hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                if self.backend == "onnx":
                    self._model = self._load_onnx()
                if self._model is None:
                    self.backend = "torch"
                    self._model = self._load_torch()
        return self._model

    def _load_onnx(self):
        from qa import embed_onnx

        model_dir = self.model_dir
        if model_dir is None:
            from qa.settings import Settings

            model_dir = Settings().model_dir
        try:
            return embed_onnx.OnnxMiniLM(embed_onnx.export(model_dir))
        except Exception as exc:  # any failure here has a working, slower way out
            log.warning(
                "The ONNX embedding model could not be prepared in %s (%s); using sentence-transformers "
                "on torch instead (same vectors, slower). Set QA_EMBEDDING_BACKEND=torch to skip this.",
                model_dir,
                exc,
            )
            return None

    @staticmethod
    def _load_torch():
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        return SentenceTransformer(str(embedding_model_dir()), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = self._load()
        if self.backend == "onnx":
            return model.encode(list(texts), self.batch_size)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def encode_in_context(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """(one vector per text, per text one vector per character span of it).

        With onnxruntime both come from one pass: a span's vector pools the
        text's own token vectors inside it, so a sentence is read in its
        passage (see `OnnxMiniLM.encode_with_spans`). Spans the model's window
        cut off, and every span with the torch backend, are embedded on their
        own.
        """
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32), []
        model = self._load()
        if self.backend == "onnx":
            vectors, pooled = model.encode_with_spans(list(texts), [list(s) for s in spans], self.batch_size)
        else:
            vectors, pooled = self.encode(texts), [[None] * len(s) for s in spans]
        alone = [(t, k) for t, row in enumerate(pooled) for k, v in enumerate(row) if v is None]
        for (t, k), v in zip(alone, self.encode([texts[t][slice(*spans[t][k])] for t, k in alone])):
            pooled[t][k] = v
        return vectors, [np.asarray(row, dtype=np.float32).reshape(len(row), self.dimensions) for row in pooled]
