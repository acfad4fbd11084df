"""The answering pipeline around the model, with a fake LLM and the real embedder and Chroma."""

import json

import pytest

from qa.answer import Looking
from qa.assistant import Assistant
from qa.citations import was_shown
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
    assert set(answer.timings) == {"retrieve_ms", "first_evidence_ms", "generate_ms", "verify_ms", "judge_ms", "total_ms"}
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
    # [99] was never shown, so it is dropped; the sentence is re-attributed to the evidence that was shown and states it.
    assert [c.quote[:21] for c in answer.citations] == ["At least 300 fighters"]
    assert "corrected" in answer.sentences[0].reason
    assert all(was_shown(c, answer.evidence) for c in answer.citations)


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


Q_WHY = "Why did the fighters from Iraq avoid the official border crossing?"


def test_an_answer_to_why_that_gives_no_reason_is_refused_without_a_second_try(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_WHY, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday.")))  # one reply only
    answer = a.ask(Q_WHY)
    assert answer.abstained and answer.abstain_gate == "answer_type" and "a reason" in answer.abstain_reason
    assert len(a.llm.calls) == 1


def test_an_answer_to_why_that_gives_a_reason_goes_on_to_the_yes_no_check(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_WHY, "At least 300 fighters")
    text = "The fighters used a dirt road to avoid the official border crossing."
    a = make(shared_index, embedder, reply(([n], text)), '{"verdict": "yes"}', relevance_check=True)
    answer = a.ask(Q_WHY)
    assert not answer.abstained and "to avoid" in answer.text and len(a.llm.calls) == 2


def test_relevance_judge_no_means_abstain(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(
        shared_index,
        embedder,
        reply(([n], "At least 300 fighters crossed late on Sunday.")),
        '{"verdict": "no"}',
        reply(),  # the second draft, without that sentence, finds nothing
        relevance_check=True,
    )
    answer = a.ask(Q_FIGHTERS)
    assert answer.abstained and "do not answer" in answer.abstain_reason and answer.abstain_gate == "judge"
    assert answer.citations == [] and answer.text == "The documents do not say." and len(a.llm.calls) == 3


def test_unrelated_question_abstains_without_calling_the_model(shared_index, embedder):
    a = make(shared_index, embedder)  # no replies queued: a call would fail
    answer = a.ask("zxqv plorb wug?")
    assert answer.abstained and a.llm.calls == [] and answer.abstain_gate == "relevance_floor"
    assert answer.timings["generate_ms"] == 0.0 and answer.timings["total_ms"] >= answer.timings["retrieve_ms"]


def test_timings_and_tokens_per_answer(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    answer = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday."))).ask(Q_FIGHTERS)
    t = answer.timings
    assert 0 < t["first_evidence_ms"] <= t["total_ms"] and t["retrieve_ms"] <= t["first_evidence_ms"]
    assert 0 <= t["judge_ms"] <= t["verify_ms"]


def test_streaming_yields_growing_text_then_the_answer(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday.")))
    items = list(a.stream(Q_FIGHTERS))
    looking, texts, final = items[0], items[1:-1], items[-1]
    assert isinstance(looking, Looking)  # the evidence comes first, before any model text
    assert [e["text"] for e in looking.evidence] == [e["text"] for e in final.evidence]
    assert any("At least 300 fighters" in e["text"] for e in looking.evidence)
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


class JudgeDown(FakeLLM):
    """Answers, then fails on the yes/no relevance check (a server that dies in between)."""

    def chat(self, messages, schema=None, on_token=None):
        if schema is not None and "verdict" in schema.get("properties", {}):
            from qa.errors import LLMUnavailable

            raise LLMUnavailable("The LLM at http://x did not answer within 1 s.")
        return super().chat(messages, schema, on_token)


@pytest.mark.parametrize("verdict", ['{"verdict": "maybe"}', "I cannot tell.", ""])
def test_a_judge_reply_that_is_neither_yes_nor_no_withholds_the_answer(shared_index, embedder, verdict):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday.")), verdict,
             relevance_check=True)  # fmt: skip
    answer = a.ask(Q_FIGHTERS)
    assert answer.abstained and answer.abstain_gate == "judge_undecided" and answer.citations == []
    assert "neither yes nor no" in answer.abstain_reason


def test_a_judge_that_cannot_run_withholds_the_answer_and_says_so(shared_index, embedder):
    settings, store = shared_index
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    llm = JudgeDown([reply(([n], "At least 300 fighters crossed late on Sunday."))])
    a = Assistant(settings.model_copy(update={"relevance_check": True}), llm=llm, embedder=embedder, store=store)
    answer = a.ask(Q_FIGHTERS)
    assert answer.abstained and answer.abstain_gate == "judge_undecided"
    assert "did not answer within 1 s" in answer.abstain_reason


def test_a_judge_that_says_yes_keeps_the_answer(shared_index, embedder):
    probe = make(shared_index, embedder)
    n = evidence_number(probe, Q_FIGHTERS, "At least 300 fighters")
    a = make(shared_index, embedder, reply(([n], "At least 300 fighters crossed late on Sunday.")), '{"verdict": "yes"}',
             relevance_check=True)  # fmt: skip
    answer = a.ask(Q_FIGHTERS)
    assert not answer.abstained and answer.abstain_gate == "" and len(a.llm.calls) == 2


# The general mechanisms, on articles and questions that are not in any eval set -------------------

HARBOUR = (
    "# Grain at Tartus\n\nDozens of grain ships crowded the harbour of Tartus this spring. "
    "At least 40 of them docked in May, port officials said, most of them from Odessa.\n\n"
    "The harbour master said the cranes were repaired in April."
)


def _index_of(tmp_path_factory, embedder, files: dict[str, str]):
    """(settings, store) of a fresh index of `files` (name -> text), written for the tests."""
    folder = tmp_path_factory.mktemp("docs")
    for name, text in files.items():
        (folder / name).write_text(text)
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"), seeds_dir=None, relevance_check=False)
    library = Library(settings, embedder=embedder)
    library.ingest([folder])
    return settings, library.store


@pytest.fixture(scope="module")
def harbour_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, {"harbour.md": HARBOUR})


def _on(index, embedder, *replies):
    """An assistant over `index` (a (settings, store) fixture) whose fake model gives `replies` in turn."""
    settings, store = index
    return Assistant(settings, llm=FakeLLM(replies), embedder=embedder, store=store)


def test_vague_quantity_is_retried_on_evidence_that_states_a_number(harbour_index, embedder):
    question = "How many grain ships docked at Tartus?"
    evidence = _on(harbour_index, embedder).retriever.retrieve(question).evidence
    vague = next(e.n for e in evidence if e.text.startswith("Dozens"))
    focused = [e for e in evidence if any(ch.isdigit() for ch in e.text)]
    exact = next(i for i, e in enumerate(focused, start=1) if e.text.startswith("At least 40"))
    a = _on(harbour_index, embedder, reply(([vague], "Dozens of grain ships crowded the harbour of Tartus.")),
                 reply(([exact], "At least 40 grain ships docked in May.")))  # fmt: skip
    answer = a.ask(question)
    assert answer.text == "At least 40 grain ships docked in May.[1]" and len(a.llm.calls) == 2
    assert "Dozens" not in a.llm.calls[1][1]["content"]  # the second try sees only evidence with a number


def test_the_second_try_looks_past_the_evidence_first_shown(harbour_index, embedder):
    """With one evidence sentence shown and no number in it, the second try draws the sentences that state one
    from the retrieved passages."""
    settings, store = harbour_index
    narrow = settings.model_copy(update={"evidence_sentences": 1})
    question = "How many grain ships crowded the harbour of Tartus?"
    (shown,) = Assistant(narrow, llm=FakeLLM([]), embedder=embedder, store=store).retriever.retrieve(question).evidence
    assert shown.text.startswith("Dozens")
    replies = [reply(([1], "Dozens of grain ships crowded the harbour of Tartus.")), reply(([1], "At least 40 of them docked in May."))]
    a = Assistant(narrow, llm=FakeLLM(replies), embedder=embedder, store=store)
    answer = a.ask(question)
    assert len(a.llm.calls) == 2 and "At least 40" in a.llm.calls[1][1]["content"] and "Dozens" not in a.llm.calls[1][1]["content"]
    assert answer.text.startswith("At least 40") and answer.citations[0].quote.startswith("At least 40")


AWARDS = (
    "# The film's night\n\nThe Lighthouse took three awards in all on Sunday, including best score. "
    "The Lighthouse had led the field with 11 nominations when the list was announced in January.\n\n"
    "Its director thanked the crew of 200 people who worked on it."
)


@pytest.fixture(scope="module")
def awards_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, {"awards.md": AWARDS})


def test_a_count_of_another_thing_is_retried_on_sentences_that_count_the_thing_asked(awards_index, embedder):
    """"Three awards" does not say how many nominations: the second try sees only the sentences whose figures
    may count nominations, and its answer replaces the first."""
    question = "How many nominations did The Lighthouse have?"
    evidence = _on(awards_index, embedder).retriever.retrieve(question).evidence
    awards = next(e.n for e in evidence if "three awards" in e.text)
    a = _on(awards_index, embedder, reply(([awards], "The Lighthouse took three awards in all on Sunday.")),
            reply(([1], "The Lighthouse had 11 nominations.")))  # fmt: skip
    answer = a.ask(question)
    second_prompt = a.llm.calls[1][1]["content"]
    assert "11 nominations" in second_prompt and "three awards" not in second_prompt and "200 people" in second_prompt
    assert answer.text.startswith("The Lighthouse had 11 nominations") and answer.citations[0].quote.startswith("The Lighthouse had led")


RACE = (
    "# City marathon\n\nThe 29-year-old Ana Lind was second in the 2002 and 2003 races. "
    "This year Lind won the women's race in 2hrs 23mins 10secs, a course record.\n\n"
    "About 30,000 runners started."
)


@pytest.fixture(scope="module")
def race_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, {"race.md": RACE})


def test_an_age_or_a_year_is_no_length_of_time_and_is_retried(race_index, embedder):
    """"How long" asks for a length of time: the first answer's age and years do not give one, so the second
    try sees only sentences with a length of time in them, and its answer replaces the first."""
    question = "How long did Ana Lind take to win the women's race?"
    evidence = _on(race_index, embedder).retriever.retrieve(question).evidence
    second = next(e.n for e in evidence if "29-year-old" in e.text)
    a = _on(race_index, embedder, reply(([second], "The 29-year-old Ana Lind was second in the 2002 and 2003 races.")),
            reply(([1], "Lind won the women's race in 2hrs 23mins 10secs.")))  # fmt: skip
    answer = a.ask(question)
    second_prompt = a.llm.calls[1][1]["content"]
    assert "2hrs 23mins" in second_prompt and "29-year-old" not in second_prompt
    assert answer.text.startswith("Lind won the women's race in 2hrs") and "2hrs 23mins" in answer.citations[0].quote


def test_a_number_the_documents_never_state_is_a_false_premise(harbour_index, embedder):
    a = _on(harbour_index, embedder)  # no replies queued: a model call would fail
    refused = a.ask("Why did 400 grain ships dock at Tartus in May?")
    assert refused.abstained and refused.abstain_gate == "premise" and "400" in refused.abstain_reason
    for question in ("Why did at least 40 ships dock at Tartus?", "Did more than 100 ships dock at Tartus?"):
        assert a.retriever.unknown_numbers(question) == set(), question  # stated by the article, or only a bound


Q_FROM = "What did port officials say about the grain ships?"


def _judged(harbour_index, embedder, *replies):
    settings, store = harbour_index
    return Assistant(settings.model_copy(update={"relevance_check": True}), llm=FakeLLM(replies), embedder=embedder, store=store)


def test_an_answer_the_yes_no_check_turns_down_gets_a_second_draft_without_its_sentences(harbour_index, embedder):
    probe = _judged(harbour_index, embedder)
    retrieval = probe.retriever.retrieve(Q_FROM)
    dozens = next(e.n for e in retrieval.evidence if e.text.startswith("Dozens"))
    rest = probe.retriever.focus(Q_FROM, retrieval, lambda t: not t.startswith("Dozens"))
    odessa = next(e.n for e in rest if "Odessa" in e.text)
    a = _judged(harbour_index, embedder,
                reply(([dozens], "Dozens of grain ships crowded the harbour of Tartus.")), '{"verdict": "no"}',
                reply(([odessa], "At least 40 docked in May, most of them from Odessa.")), '{"verdict": "yes"}')  # fmt: skip
    answer = a.ask(Q_FROM)
    assert not answer.abstained and answer.text == "At least 40 docked in May, most of them from Odessa.[1]"
    assert answer.citations[0].quote.startswith("At least 40") and len(a.llm.calls) == 4
    second_prompt = a.llm.calls[2][1]["content"]
    assert "Dozens" not in second_prompt and "Odessa" in second_prompt
    assert [e["text"] for e in answer.evidence] == [e.text for e in rest]  # the evidence the second draft was shown


def test_when_the_second_draft_is_turned_down_too_the_first_refusal_stands(harbour_index, embedder):
    probe = _judged(harbour_index, embedder)
    dozens = next(e.n for e in probe.retriever.retrieve(Q_FROM).evidence if e.text.startswith("Dozens"))
    a = _judged(harbour_index, embedder,
                reply(([dozens], "Dozens of grain ships crowded the harbour of Tartus.")), '{"verdict": "no"}',
                reply(([1], "The harbour master said the cranes were repaired in April.")), '{"verdict": "no"}')  # fmt: skip
    answer = a.ask(Q_FROM)
    assert answer.abstained and answer.abstain_gate == "judge" and answer.citations == []
    assert answer.sentences[0].text.startswith("Dozens")  # the record shows the first draft and why it was refused
    assert len(a.llm.calls) == 4


FERRY = (
    "# Ferry link\n\nThe new ferry link to Gotland carried 12,000 passengers in its first month. "
    "The route was planned by Nordline, a Danish operator. Fares will rise in the winter."
)
Q_TWO_PARTS = "How many passengers did the ferry link carry in its first month, and which company planned the route?"


@pytest.fixture(scope="module")
def ferry_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, {"ferry.md": FERRY})


def test_a_part_of_a_two_part_question_left_unanswered_gets_its_own_draft(ferry_index, embedder):
    passengers = evidence_number(_on(ferry_index, embedder), Q_TWO_PARTS, "12,000")
    a = _on(ferry_index, embedder, reply(([passengers], "The ferry link carried 12,000 passengers in its first month.")),
               reply(([1], "The route was planned by Nordline.")))  # fmt: skip
    answer = a.ask(Q_TWO_PARTS)
    assert len(a.llm.calls) == 2
    second_prompt = a.llm.calls[1][1]["content"]
    assert "Nordline" in second_prompt and "12,000" not in second_prompt  # shown what states a company, not the used sentence
    assert answer.text == "The ferry link carried 12,000 passengers in its first month.[1] The route was planned by Nordline.[2]"
    assert [c.quote for c in answer.citations] == [
        "The new ferry link to Gotland carried 12,000 passengers in its first month.",
        "The route was planned by Nordline, a Danish operator.",
    ]
    shown = {e["text"] for e in answer.evidence}
    assert all(c.quote in shown for c in answer.citations)  # both drafts' evidence is on record


def test_a_second_part_draft_that_names_no_company_adds_nothing(ferry_index, embedder):
    passengers = evidence_number(_on(ferry_index, embedder), Q_TWO_PARTS, "12,000")
    a = _on(ferry_index, embedder, reply(([passengers], "The ferry link carried 12,000 passengers in its first month.")),
               reply(([1], "The route was planned by a Danish operator.")))  # fmt: skip
    answer = a.ask(Q_TWO_PARTS)
    assert len(a.llm.calls) == 2
    assert answer.text == "The ferry link carried 12,000 passengers in its first month.[1]"


def test_an_answer_that_gives_both_parts_is_not_drafted_again(ferry_index, embedder):
    probe = _on(ferry_index, embedder)
    passengers = evidence_number(probe, Q_TWO_PARTS, "12,000")
    nordline = evidence_number(probe, Q_TWO_PARTS, "Nordline")
    a = _on(ferry_index, embedder, reply(([passengers], "The ferry link carried 12,000 passengers in its first month."),
                                            ([nordline], "Nordline planned the route.")))  # fmt: skip
    answer = a.ask(Q_TWO_PARTS)
    assert len(a.llm.calls) == 1 and len(answer.citations) == 2


REPORTS = {
    "ferry-a.md": "# Ferry link busy\n\nThe ferry link to Gotland carried 12,000 passengers in its first month, the operator said.",
    "ferry-b.md": "# Ferry link disappoints\n\nOnly about 9,000 people used the Gotland ferry in its first month, port staff said.",
}
Q_REPORTS = "What figures do the two reports give for the Gotland ferry's passengers in its first month?"


@pytest.fixture(scope="module")
def reports_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, REPORTS)


def test_a_question_about_what_two_reports_say_gets_each_reports_sentence(reports_index, embedder):
    first = evidence_number(_on(reports_index, embedder), Q_REPORTS, "12,000")
    a = _on(reports_index, embedder, reply(([first], "The ferry link carried 12,000 passengers in its first month.")),
            reply(([1], "About 9,000 people used the ferry in its first month.")))  # fmt: skip
    answer = a.ask(Q_REPORTS)
    assert len(a.llm.calls) == 2
    second_prompt = a.llm.calls[1][1]["content"]
    assert "9,000" in second_prompt and "12,000" not in second_prompt  # only the other report's sentences
    assert {c.source.rsplit("/", 1)[-1] for c in answer.citations} == {"ferry-a.md", "ferry-b.md"}
    assert "12,000" in answer.text and "9,000" in answer.text


def test_a_question_about_one_report_is_not_drafted_again(reports_index, embedder):
    question = "How many passengers did the Gotland ferry carry in its first month, according to the operator?"
    first = evidence_number(_on(reports_index, embedder), question, "12,000")
    a = _on(reports_index, embedder, reply(([first], "The ferry carried 12,000 passengers in its first month.")))
    assert a.ask(question).text == "The ferry carried 12,000 passengers in its first month.[1]" and len(a.llm.calls) == 1


SCULLS = {
    "lee.md": "# Lee takes the single sculls\n\nAnn Lee won the single sculls at the spring regatta in 7 minutes 40 seconds. "
    "She had trained on the river for a year.",
    "reed.md": "# Reed crew fastest\n\nTom Reed won the double sculls at the spring regatta in 6 minutes 55 seconds. "
    "His crew had never raced together before.",
}
Q_LEE = "How long did Ann Lee take to win the single sculls at the spring regatta?"


@pytest.fixture(scope="module")
def sculls_index(tmp_path_factory, embedder):
    return _index_of(tmp_path_factory, embedder, SCULLS)


def test_an_answer_about_someone_else_gets_a_second_draft_on_the_sentences_about_the_subject(sculls_index, embedder):
    reed = evidence_number(_on(sculls_index, embedder), Q_LEE, "Tom Reed")
    a = _on(sculls_index, embedder, reply(([reed], "The single sculls was won in 6 minutes 55 seconds.")),
               reply(([1], "Ann Lee won the single sculls in 7 minutes 40 seconds.")))  # fmt: skip
    answer = a.ask(Q_LEE)
    assert len(a.llm.calls) == 2
    second_prompt = a.llm.calls[1][1]["content"]
    assert "Ann Lee won" in second_prompt and "Tom Reed" not in second_prompt and "His crew" not in second_prompt
    assert not answer.abstained and answer.citations[0].quote.startswith("Ann Lee won the single sculls")


def test_when_the_second_draft_fails_a_gate_too_the_subject_refusal_stands(sculls_index, embedder):
    reed = evidence_number(_on(sculls_index, embedder), Q_LEE, "Tom Reed")
    a = _on(sculls_index, embedder, reply(([reed], "The single sculls was won in 6 minutes 55 seconds.")),
               reply(([1], "Tom Reed's crew had never raced before.")))  # fmt: skip  (its evidence does not say so)
    answer = a.ask(Q_LEE)
    assert len(a.llm.calls) == 2
    assert answer.abstained and answer.abstain_gate == "subject" and "Ann Lee" in answer.abstain_reason
    assert answer.sentences[0].text.startswith("The single sculls was won in 6 minutes 55")


JOBS = (
    "# Jobs growth still slow\n\nUS firms added 146,000 jobs in January, the Labor Department said. "
    '"The economy is producing a moderate but not a satisfying amount of job growth," said Ken Mayland, '
    "an economist at ClearView Economics.\n\nAnalysts had expected 190,000 new jobs."
)
Q_JOBS = "Which economist said job growth in early 2005 was moderate but not satisfying?"


@pytest.fixture(scope="module")
def jobs_index(tmp_path_factory, embedder):
    # Another article gives the year, so the question's "2005" is no false premise; it names nothing in common.
    season = "# Season opens\n\nThe 2005 rugby season opens in April in Cardiff."
    return _index_of(tmp_path_factory, embedder, {"jobs.md": JOBS, "season.md": season})


def _jobs_answer(jobs_index, embedder, draft: str):
    """(assistant, answer) where the fake model drafts `draft`, citing the sentence that quotes Ken Mayland."""
    n = evidence_number(_on(jobs_index, embedder), Q_JOBS, "said Ken Mayland")
    a = _on(jobs_index, embedder, reply(([n], draft)))
    return a, a.ask(Q_JOBS)


def test_a_draft_unsupported_only_for_the_questions_own_words_gives_way_to_the_sentence_it_cited(jobs_index, embedder):
    a, answer = _jobs_answer(jobs_index, embedder, "Ken Mayland said job growth in early 2005 was moderate but not satisfying.")
    assert not answer.abstained
    (sentence,) = answer.sentences
    assert sentence.text.startswith('"The economy is producing') and sentence.reason.startswith("quoted")
    c = answer.citations[0]
    assert c.quote == sentence.text and a.store.texts([c.doc_id])[c.doc_id][c.start : c.end] == c.quote


def test_a_draft_that_adds_a_figure_no_sentence_gives_is_not_replaced_by_a_quote(jobs_index, embedder):
    _, answer = _jobs_answer(jobs_index, embedder, "Ken Mayland said job growth of 3% in 2005 was moderate.")
    assert answer.abstained and answer.abstain_gate == "no_supported_sentence"
