"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from qa.models import EMBEDDING_NAME, embedding_model_dir


class Embedder:
    """Loads the model on first use and returns L2-normalised float32 vectors."""

    name = EMBEDDING_NAME
    dimensions = 384

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                # The model comes from a package; never let a library reach for a hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                self._model = SentenceTransformer(str(embedding_model_dir()), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)
