"""Retrieval over the real index: a question embeds only itself; sentence vectors come from the store."""

from __future__ import annotations

import numpy as np
import pytest

from qa.retrieve import Retriever

pytestmark = pytest.mark.integration


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.texts = inner, inner.name, 0

    def encode(self, texts, progress=False):
        self.texts += len(texts)
        return self.inner.encode(texts)

    def encode_in_context(self, texts, spans):
        self.texts += len(texts)
        return self.inner.encode_in_context(texts, spans)


def test_a_question_embeds_only_itself_and_scores_sentences_with_their_stored_vectors(library, embedder):
    counting = CountingEmbedder(embedder)
    retriever = Retriever(library.settings, library.store, counting)
    result = retriever.retrieve("How many fighters crossed into Syria late on Sunday?")
    assert counting.texts == 1
    assert any("300" in e.text for e in result.evidence[:3])

    # The stored vectors are the sentences read in their passage, as embedding the passage now gives.
    passage = result.evidence[0].passage
    stored = library.store.sentence_vectors([passage])[passage.passage_id]
    spans = [(s - passage.start, e - passage.start) for s, e in passage.sentences]
    fresh = embedder.encode_in_context([passage.text], [spans])[1][0]
    assert stored.shape == fresh.shape
    assert np.allclose(stored, fresh, atol=1e-4)
