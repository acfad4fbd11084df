"""Conversations: turns, follow-ups made standalone for the search, citations per turn (fake assistant, no models)."""

from __future__ import annotations

import pytest

from qa.answer import Answer, AnswerSentence, Citation
from qa.conversation import Assistants, Conversation, Turn
from qa.errors import BadQuestion, LLMUnavailable, QAError
from qa.llm import FakeLLM
from qa.settings import Settings


class FakeAssistant:
    """Answers each question with one cited sentence naming what it searched for."""

    def __init__(self, rewrites=(), settings=None):
        self.settings = settings or Settings()
        self.llm = FakeLLM(list(rewrites))
        self.asked = []

    def stream(self, question, top_k=None, search_question=None):
        self.asked.append((question, search_question, top_k))
        if question == "explode":
            raise LLMUnavailable("The LLM at http://x failed.")
        yield "Partial"
        text = f"Answer to {search_question}."
        citation = Citation(1, "d:0000:x", "d", "a.txt", "A", 0, 5, "Quote")
        yield Answer(question, text + "[1]", [AnswerSentence(text, [1], True, 1.0)], [citation], False, "fake", {},
                     search_question=search_question)  # fmt: skip


def test_first_question_is_searched_as_typed_and_followups_are_rewritten():
    assistant = FakeAssistant(rewrites=['{"question": "How many fighters did Iraq send?"}'])
    chat = Conversation(assistant)
    first = chat.ask("  Who sent fighters?  ")
    assert first.search_question == "Who sent fighters?" and assistant.llm.calls == []
    second = chat.ask("How many did they send?", top_k=3)
    assert second.question == "How many did they send?"
    assert second.search_question == "How many fighters did Iraq send?"
    history = assistant.llm.calls[0][1]["content"]
    assert "User: Who sent fighters?" in history and "Assistant: Answer to Who sent fighters?." in history
    assert assistant.asked[-1] == ("How many did they send?", "How many fighters did Iraq send?", 3)
    assert [t.question for t in chat.turns] == ["Who sent fighters?", "How many did they send?"]


def test_stream_shows_the_turn_first_then_text_then_the_answer():
    chat = Conversation(FakeAssistant())
    items = []
    for item in chat.stream("Who?"):
        items.append(item)
        if len(items) == 1:
            assert item == "" and chat.turns[-1].answer is None  # the turn is there before any model call
    assert items[1] == "Partial" and isinstance(items[-1], Answer)
    assert chat.turns[-1].answer is items[-1]


def test_each_turn_keeps_its_own_citations():
    chat = Conversation(FakeAssistant(rewrites=['{"question": "second"}']))
    chat.ask("first")
    chat.ask("and then?")
    assert chat.citation(0, 1).quote == "Quote" and chat.citation(1, 1).doc_id == "d"
    for turn, n in [(2, 1), (0, 2), (-1, 1), (0, 0)]:
        with pytest.raises(QAError, match="no longer in this conversation"):
            chat.citation(turn, n)


def test_errors_are_recorded_on_the_turn_and_raised():
    chat = Conversation(FakeAssistant())
    with pytest.raises(LLMUnavailable):
        chat.ask("explode")
    assert chat.turns[-1].error == "The LLM at http://x failed." and chat.turns[-1].answer is None
    with pytest.raises(BadQuestion):
        chat.ask("   ")
    assert len(chat.turns) == 1  # a bad question adds no turn


def test_a_conversation_survives_a_round_trip_through_plain_data():
    assistant = FakeAssistant(rewrites=['{"question": "second"}'])
    chat = Conversation(assistant)
    chat.ask("first")
    again = Conversation.from_dict(chat.to_dict(), assistant)
    assert again.turns == chat.turns
    assert again.ask("and?").search_question == "second"
    assert Turn.from_dict({"question": "q"}) == Turn("q")


def test_assistants_per_llm_choice():
    assistants = Assistants(FakeAssistant())
    assert assistants.get() is assistants.base and assistants.get("local") is assistants.base
    with pytest.raises(LLMUnavailable, match="QA_HOSTED_BASE_URL"):
        assistants.get("hosted")
    with pytest.raises(QAError, match="Unknown LLM choice"):
        assistants.get("gpt")
    assert "llama.cpp" in assistants.describe() and "at http://h/v1" in Assistants(
        FakeAssistant(settings=Settings(hosted_model="m", hosted_base_url="http://h/v1"))).describe("hosted")
