"""The answering pipeline around the model, with a fake LLM and the real embedder and Chroma."""

import json

import pytest

from qa.assistant import Assistant
from qa.errors import BadQuestion, IndexNotBuilt
from qa.library import Library
from qa.llm import FakeLLM
from qa.settings import Settings

pytestmark = pytest.mark.integration

Q_FIGHTERS = "How many fighters did Iraq send into Syria, according to Iraqi security sources?"


def reply(*sentences):
    return json.dumps({"sentences": [{"evidence": list(ev), "text": text} for ev, text in sentences]})


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory, embedder):
    """One seeded index for this module, reused by every fake-LLM assistant."""
    from tests.conftest import ROOT

    settings = Settings(index_dir=tmp_path_factory.mktemp("fake-index"), seeds_dir=ROOT / "seeds", relevance_check=False)
    library = Library(settings, embedder=embedder)
    library.ingest()
    return settings, library.store


def make(shared_index, embedder, *replies, **overrides):
    settings, store = shared_index
    return Assistant(settings.model_copy(update=overrides), llm=FakeLLM(replies), embedder=embedder, store=store)


def evidence_number(assistant, question, needle):
    retrieval = assistant.retriever.retrieve(question)
    return next(e.n for e in retrieval.evidence if needle in e.text)


def test_supported_sentence_is_cited_with_an_exact_quote(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed, two Iraqi security sources said.")))
    answer = a.ask(Q_FIGHTERS)
    assert not answer.abstained
    assert answer.text == "At least 300 fighters crossed, two Iraqi security sources said.[1]"
    c = answer.citations[0]
    assert a.store.texts([c.doc_id])[c.doc_id][c.start : c.end] == c.quote
    assert c.passage_id.startswith(c.doc_id + ":")
    assert c.quote.startswith("At least 300 fighters") and c.source.endswith("000_64f02bec46151ae5.txt")
    assert set(answer.timings) == {"retrieve_ms", "generate_ms", "verify_ms", "total_ms"}
    assert json.loads(json.dumps(answer.to_dict()))["citations"][0]["quote"] == c.quote


def test_invented_fact_is_removed_not_cited(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(
        shared_index,
        embedder,
        reply(([n], "At least 300 fighters crossed on Sunday."), ([n], "General Ivanov led 900 of them.")),
    )
    answer = a.ask(Q_FIGHTERS)
    assert answer.text == "At least 300 fighters crossed on Sunday.[1]"
    removed = [s for s in answer.sentences if not s.supported]
    assert len(removed) == 1 and removed[0].citations == [] and "900" in removed[0].reason
    assert "Ivanov" not in answer.text


def test_only_unsupported_sentences_means_abstain(shared_index, embedder):
    a = make(shared_index, embedder, reply(([1], "Aleppo has 2.1 million inhabitants.")))
    answer = a.ask("What is the population of Aleppo?")
    assert answer.abstained and answer.citations == [] and answer.text == "The documents do not say."
    assert answer.sentences[0].supported is False
    assert answer.abstain_gate == "no_supported_sentence"


def test_empty_reply_abstains(shared_index, embedder):
    answer = make(shared_index, embedder, reply()).ask("What is the population of Aleppo?")
    assert answer.abstained and "no answer" in answer.abstain_reason
    assert answer.abstain_gate == "no_supported_sentence"


def test_wrong_citation_number_is_corrected_to_the_supporting_evidence(shared_index, embedder):
    probe = make(shared_index, embedder)
    right = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    wrong = next(e.n for e in probe.retriever.retrieve(Q_FIGHTERS).evidence if e.n != right)
    a = make(shared_index, embedder, reply(([wrong], "At least 300 fighters crossed late on Sunday.")))
    answer = a.ask(Q_FIGHTERS)
    assert not answer.abstained
    assert answer.citations[0].quote.startswith("At least 300 fighters")
    assert "corrected" in answer.sentences[0].reason


def test_unneeded_citations_are_trimmed(shared_index, embedder):
    probe = make(shared_index, embedder)
    right = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    other = next(e.n for e in probe.retriever.retrieve(Q_FIGHTERS).evidence if e.n != right)
    a = make(shared_index, embedder, reply(([other, right], "At least 300 fighters crossed late on Sunday.")))
    answer = a.ask(Q_FIGHTERS)
    assert len(answer.citations) == 1 and answer.citations[0].quote.startswith("At least 300")


def test_citation_numbers_beyond_the_evidence_are_ignored(shared_index, embedder):
    a = make(shared_index, embedder, reply(([99], "At least 300 fighters crossed late on Sunday.")))
    answer = a.ask(Q_FIGHTERS)
    for c in answer.citations:  # whatever is cited was shown to the model
        assert c.passage_id in {e["passage_id"] for e in answer.evidence}


def test_number_question_answered_without_a_number_abstains(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(
        shared_index,
        embedder,
        reply(([n], "Fighters used a dirt road to avoid the official border crossing.")),
        reply(),  # the second try, on the evidence that states numbers, finds nothing either
    )
    answer = a.ask(Q_FIGHTERS)
    assert answer.abstained and answer.abstain_gate == "answer_type"


def test_vague_number_gets_a_second_try_on_evidence_with_numbers(shared_index, embedder):
    probe = make(shared_index, embedder)
    lead = evidence_number(probe, Q_FIGHTERS, "Iraq sent hundreds")
    a = make(shared_index, embedder, reply(([lead], "Iraq sent hundreds of Iran-backed fighters to Syria.")))
    focused = [e for e in probe.retriever.retrieve(Q_FIGHTERS).evidence if any(ch.isdigit() for ch in e.text)]
    n = next(i for i, e in enumerate(focused, start=1) if e.text.startswith("At least 300"))
    a.llm.replies.append(reply(([n], "At least 300 fighters crossed late on Sunday.")))
    answer = a.ask(Q_FIGHTERS)
    assert answer.text == "At least 300 fighters crossed late on Sunday.[1]"
    assert answer.citations[0].quote.startswith("At least 300")
    second_prompt = a.llm.calls[1][1]["content"]
    assert "Iraq sent hundreds" not in second_prompt and "[1]" in second_prompt


def test_vague_number_is_kept_when_the_second_try_fails(shared_index, embedder):
    probe = make(shared_index, embedder)
    lead = evidence_number(probe, Q_FIGHTERS, "Iraq sent hundreds")
    a = make(shared_index, embedder, reply(([lead], "Iraq sent hundreds of Iran-backed fighters to Syria.")), reply())
    answer = a.ask(Q_FIGHTERS)
    assert not answer.abstained and "hundreds" in answer.text


def test_relevance_judge_no_means_abstain(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(
        shared_index,
        embedder,
        reply(([n], "At least 300 fighters crossed late on Sunday.")),
        '{"verdict": "no"}',
        relevance_check=True,
    )
    answer = a.ask(Q_FIGHTERS)
    assert answer.abstained and "do not answer" in answer.abstain_reason and answer.abstain_gate == "judge"
    assert answer.citations == [] and answer.text == "The documents do not say."


def test_unrelated_question_abstains_without_calling_the_model(shared_index, embedder):
    a = make(shared_index, embedder)  # no replies queued: a call would fail
    answer = a.ask("zxqv plorb wug?")
    assert answer.abstained and a.llm.calls == [] and answer.abstain_gate == "relevance_floor"
    assert answer.timings["generate_ms"] == 0.0 and answer.timings["total_ms"] >= answer.timings["retrieve_ms"]


def test_streaming_yields_growing_text_then_the_answer(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday.")))
    items = list(a.stream(Q_FIGHTERS))
    texts, final = items[:-1], items[-1]
    assert texts and all(isinstance(t, str) for t in texts)
    assert texts[-1] == "At least 300 fighters crossed late on Sunday."
    assert final.text.endswith("[1]")


@pytest.mark.parametrize("question", ["", "   \n", "x" * 2001, None])
def test_bad_questions_are_refused_clearly(shared_index, embedder, question):
    with pytest.raises(BadQuestion) as err:
        make(shared_index, embedder).ask(question)
    assert "question" in str(err.value).lower()


def test_missing_index_says_how_to_build_it_and_creates_nothing(tmp_path, embedder):
    from tests.conftest import ROOT

    settings = Settings(index_dir=tmp_path / "index", seeds_dir=ROOT / "seeds")
    with pytest.raises(IndexNotBuilt) as err:
        Assistant(settings, llm=FakeLLM([]), embedder=embedder).ask("Anything?")
    assert "qa ingest" in str(err.value) and str(tmp_path / "index") in str(err.value)
    assert not (tmp_path / "index").exists(), "asking never builds or creates an index"


def test_an_empty_index_is_refused_not_built(tmp_path, embedder):
    from tests.conftest import ROOT

    settings = Settings(index_dir=tmp_path / "index", seeds_dir=ROOT / "seeds")
    library = Library(settings, embedder=embedder)
    library.store  # creates an empty index
    with pytest.raises(IndexNotBuilt, match="empty"):
        Assistant(settings, llm=FakeLLM([]), embedder=embedder).ask("Anything?")
    assert library.store.count() == 0


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("Why did Iraq send 3,000 fighters to Syria?", {"3000"}),
        ("Why did Iraq send 300 fighters to Syria?", set()),
        ("Did more than 1,000 people die in the war?", set()),
        ("Which one of the groups crossed first?", set()),
    ],
)
def test_numbers_no_document_mentions_are_found(shared_index, embedder, question, unknown):
    assert make(shared_index, embedder).retriever.unknown_numbers(question) == unknown


def test_false_premise_number_abstains_without_calling_the_model(shared_index, embedder):
    a = make(shared_index, embedder)  # no replies queued: a call would fail
    answer = a.ask("Why did Iraq send 3,000 fighters to Syria?")
    assert answer.abstained and "3000" in answer.abstain_reason and a.llm.calls == []
    assert answer.abstain_gate == "premise"
