"""The local llama.cpp backend: prompts of one kind keep their cached prefix across other kinds. Real model."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

ANSWER_SYSTEM = (
    "You answer questions about the text you are given, in a few words. "
    "Use only the text. If the text does not say, reply that it does not say. " * 3
)
CHECK_SYSTEM = "You check answers. Reply yes or no: does the answer state exactly what the question asks for?"


def _answer(text: str, question: str) -> list[dict]:
    return [{"role": "system", "content": ANSWER_SYSTEM}, {"role": "user", "content": f"Text: {text}\nQuestion: {question}"}]


def _check(question: str, answer: str) -> list[dict]:
    return [{"role": "system", "content": CHECK_SYSTEM}, {"role": "user", "content": f"Question: {question}\nAnswer: {answer}"}]


def _call(llm, how, *args) -> tuple[str, dict]:
    before = dict(llm.usage)
    reply = how(*args)
    return reply, {k: llm.usage[k] - before[k] for k in before}


def test_a_prompt_of_another_kind_in_between_does_not_make_the_next_answer_read_its_instructions_again(assistant):
    llm = assistant.llm
    system_tokens = len(llm._load().tokenize(ANSWER_SYSTEM.encode("utf-8"), add_bos=False))
    _call(llm, llm.chat, _answer("The bridge opened in 1932.", "When did the bridge open?"))
    _call(llm, llm.chat, _check("When did the bridge open?", "In 1932."))

    question = "How many ships docked?", "At least 40 ships docked in May."
    reply, used = _call(llm, llm.chat, _answer(question[1], question[0]))

    assert used["cached_tokens"] >= system_tokens, used
    assert used["prompt_tokens"] > used["cached_tokens"]  # the new text was read
    assert "40" in reply
    # The same answer as from a cold context: restoring the cached state changed nothing but the time.
    llm._load().reset()
    llm._holding = None
    assert llm.chat(_answer(question[1], question[0])) == reply
