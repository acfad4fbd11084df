"""qa inside llama-index pipelines: its retriever, its answers and its LLMs as llama-index parts.

- `QARetriever`: the hybrid retriever (dense + BM25, fused) as a
  `BaseRetriever`. Each node is one fused passage; its text is the stored
  text at `[start_char_idx:end_char_idx]`, and its metadata carries the
  source, title, doc_id, passage_id, the exact span and the sentence spans.
- `QAQueryEngine`: the whole assistant as a query engine. The response text
  is the checked answer; `source_nodes` are its citations, one node per
  [n] whose text is the exact quote; `metadata["answer"]` is `Answer.to_dict()`.
- `QALLM`: a qa LLM (local llama.cpp or hosted) as a llama-index `CustomLLM`.

    from llama_index.core.query_engine import RetrieverQueryEngine
    from qa import Assistant
    assistant = Assistant()
    engine = RetrieverQueryEngine.from_args(QARetriever(assistant), llm=QALLM(assistant.llm))
    QAQueryEngine(assistant=assistant).query("Who is Hadi al-Bahra?").source_nodes

Import this module only when you use llama-index: it imports llama_index.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
from pydantic import PrivateAttr

from qa.answer import Answer
from qa.retrieve import Retrieval

# Kept out of what the LLM and the embedding model read: the span is for citing, not for reasoning.
_SPAN_KEYS = ["passage_id", "doc_id", "start", "end", "sentences", "n"]
_NAME_KEYS = ["source", "title"]


def _node(node_id: str, text: str, doc_id: str, start: int, end: int, metadata: dict, show_source: bool = False) -> TextNode:
    return TextNode(
        id_=node_id,
        text=text,
        start_char_idx=start,
        end_char_idx=end,
        metadata={**metadata, "doc_id": doc_id, "start": start, "end": end},
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
        excluded_llm_metadata_keys=_SPAN_KEYS + ([] if show_source else _NAME_KEYS),
        excluded_embed_metadata_keys=_SPAN_KEYS + _NAME_KEYS,
    )


class QARetriever(BaseRetriever):
    """The assistant's hybrid retriever as a llama-index retriever: one node per fused passage, best first.

    Pass an `Assistant` (or anything with a `.retriever`) or a `qa.retrieve.Retriever`.
    With `show_source`, an LLM reading the nodes also sees each passage's
    file and title; by default it reads the passage text alone. A sentence
    that gives orders to a model reading it is blanked out of that text (see
    `Passage.indexed_text`; the text keeps its length, so offsets still hold).
    The last retrieval, with the evidence sentences it chose, is kept in `last`.
    """

    def __init__(self, source: Any, top_k: int | None = None, show_source: bool = False) -> None:
        super().__init__()
        self._inner = getattr(source, "retriever", source)
        self._top_k = top_k
        self._show_source = show_source
        self.last: Retrieval | None = None

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        self.last = self._inner.retrieve(query_bundle.query_str, top_k=self._top_k)
        return [
            NodeWithScore(
                node=_node(
                    p.passage_id,
                    p.indexed_text(),
                    p.doc_id,
                    p.start,
                    p.end,
                    {"passage_id": p.passage_id, "source": p.source, "title": p.title,
                     "sentences": [[s, e] for s, e in p.sentences]},  # fmt: skip
                    self._show_source,
                ),
                score=score,
            )
            for p, score in self.last.passages
        ]


def citation_nodes(answer: Answer) -> list[NodeWithScore]:
    """One node per citation of a checked answer: its text is the exact quote at its span."""
    return [
        NodeWithScore(
            node=_node(
                f"{c.passage_id}:{c.start}-{c.end}",
                c.quote,
                c.doc_id,
                c.start,
                c.end,
                {"n": c.n, "passage_id": c.passage_id, "source": c.source, "title": c.title},
            ),
            score=1.0,
        )
        for c in answer.citations
    ]


class QAQueryEngine(CustomQueryEngine):
    """The assistant as a llama-index query engine whose response carries the verified citations."""

    assistant: Any

    def custom_query(self, query_str: str) -> Response:
        answer = self.assistant.ask(query_str)
        return Response(
            response=answer.text,
            source_nodes=citation_nodes(answer),
            metadata={"answer": answer.to_dict(), "abstained": answer.abstained, "abstain_reason": answer.abstain_reason},
        )


class QALLM(CustomLLM):
    """A `qa.llm` LLM object as a llama-index completion model (one user message per prompt)."""

    context_window: int = 4096
    num_output: int = 320
    model_name: str = "qa"
    _inner: Any = PrivateAttr()

    def __init__(self, inner: Any, context_window: int = 4096, num_output: int = 320) -> None:
        super().__init__(context_window=context_window, num_output=num_output, model_name=inner.name)
        self._inner = inner

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window, num_output=self.num_output, model_name=self.model_name, is_chat_model=False
        )

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._inner.chat([{"role": "user", "content": prompt}]))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
        text = self._inner.chat([{"role": "user", "content": prompt}])
        yield CompletionResponse(text=text, delta=text)
