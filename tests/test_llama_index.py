"""qa's parts inside plain llama-index pipelines: the retriever, the query engine, the LLM adapter."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

DAMASCUS = "How many Iranian and Iraqi fighters had arrived to defend Damascus?"


def test_retriever_in_a_retriever_query_engine(assistant, library):
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine
    from llama_index.core.schema import MetadataMode

    from qa.integrations.llama_index import QARetriever

    retriever = QARetriever(assistant, top_k=4, show_source=True)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    response = engine.query(DAMASCUS)
    nodes = response.source_nodes
    assert len(nodes) == 4 and [n.node.node_id for n in nodes] == [p.passage_id for p, _ in retriever.last.passages]
    texts = library.texts([n.node.metadata["doc_id"] for n in nodes])
    for n in nodes:
        meta = n.node.metadata
        text = texts[meta["doc_id"]]
        assert text[n.node.start_char_idx : n.node.end_char_idx] == n.node.get_content() == text[meta["start"] : meta["end"]]
        assert meta["source"].endswith(".txt") and meta["sentences"]
        for s, e in meta["sentences"]:
            assert meta["start"] <= s < e <= meta["end"] and text[s:e].strip()
        shown = n.node.get_content(metadata_mode=MetadataMode.LLM)
        assert "source:" in shown and "start:" not in shown and "sentences:" not in shown
    assert any("7,000" in n.node.get_content() for n in nodes)
    plain = QARetriever(assistant).retrieve(DAMASCUS)[0].node
    assert plain.get_content(metadata_mode=MetadataMode.LLM) == plain.get_content()  # the text alone by default


def test_query_engine_response_carries_the_verified_citations(assistant, library):
    from llama_index.core.tools import QueryEngineTool

    from qa.integrations.llama_index import QAQueryEngine

    engine = QAQueryEngine(assistant=assistant)
    response = engine.query(DAMASCUS)
    assert "7,000" in response.response and not response.metadata["abstained"]
    answer = response.metadata["answer"]
    assert [n.node.metadata["n"] for n in response.source_nodes] == [c["n"] for c in answer["citations"]]
    for n in response.source_nodes:
        meta = n.node.metadata
        assert library.texts([meta["doc_id"]])[meta["doc_id"]][meta["start"] : meta["end"]] == n.node.get_content()

    tool = QueryEngineTool.from_defaults(engine, name="articles", description="Answers with quotes from the articles.")
    output = tool.call("Who won the football World Cup in 2022?")
    assert output.raw_output.metadata["abstained"] and output.raw_output.source_nodes == []


def test_llm_adapter_completes_with_the_local_model(assistant):
    from qa.integrations.llama_index import QALLM

    llm = QALLM(assistant.llm)
    assert llm.metadata.model_name == assistant.llm.name
    assert llm.complete("Reply with the single word: yes").text.strip()
