"""The local llama.cpp backend: prompts of one kind keep their cached prefix across other kinds. Real model."""

from __future__ import annotations

import json

import jsonschema
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


def test_a_verdict_is_read_from_one_step_and_agrees_with_the_json_one(assistant):
    """`choose` scores the options after the reply's opening: one output token, and the same verdict the model
    writes when it generates the whole JSON reply."""
    from qa import prompts
    from qa.verify import VERDICT_SCHEMA, parse_verdict

    llm = assistant.llm
    judge = prompts.load("judge")
    cases = [
        ("How many ships docked in May?", "At least 40 ships docked in May."),
        ("Who is the French finance minister?", "The German finance minister spoke on Monday."),
        ("When did the bridge open?", "The bridge opened in 1932."),
        ("What colour is the bridge?", "The bridge opened in 1932."),
    ]
    verdicts = []
    for question, answer in cases:
        messages = [
            {"role": "system", "content": judge.render("system")},
            {"role": "user", "content": judge.render("user", question=question, answer=answer)},
        ]
        chosen, used = _call(llm, llm.choose, messages, '{"verdict": "', ("yes", "no"))
        assert chosen in ("yes", "no") and used["output_tokens"] == 1 and used["llm_calls"] == 1
        assert parse_verdict(chosen) == parse_verdict(llm.chat(messages, schema=VERDICT_SCHEMA)), (question, answer)
        verdicts.append(chosen)
    assert verdicts[0] == "yes" and "no" in verdicts


def test_every_prompt_of_a_kind_is_read_from_the_same_point_so_history_does_not_change_an_answer(assistant):
    """After each call the context is cut back to the kind's opening (system message and user turn header); a
    prompt that shares more with the one before it is still read from there, and answers the same."""
    llm = assistant.llm
    question = "When did the bridge open?"
    text = "The bridge opened in 1932 after six years of work. It is 503 metres long."
    first, used_first = _call(llm, llm.chat, _answer(text, question))
    _call(llm, llm.chat, _answer(text, "How long is the bridge?"))  # shares everything up to the question
    _call(llm, llm.chat, _answer(text, question))
    _call(llm, llm.chat, _check(question, first))
    again, used_again = _call(llm, llm.chat, _answer(text, question))
    assert again == first
    assert used_again["cached_tokens"] == used_first["cached_tokens"] > 0
    assert used_again["prompt_tokens"] - used_again["cached_tokens"] > len(text.split())  # the evidence was read again
    assert llm._load().n_tokens == used_again["cached_tokens"]  # cut back to the opening


def _bridge_evidence():
    from qa.documents import Passage
    from qa.retrieve import Evidence

    sentences = [
        "The council approved the new bridge on Tuesday by 31 votes to 4.",
        "Work will start in March and cost £42m, the council's planning chief, Ann Roe, said.",
        "Opponents said the money should go to schools instead.",
        "The old bridge, built in 1887, will be closed to cars but kept for walkers.",
    ]
    article = " ".join(sentences)
    passage = Passage("bridge:0000:x", "bridge", "bridge.txt", "", 0, len(article), article, ())
    return [Evidence(i, passage, article.index(s), article.index(s) + len(s), s, 1.0) for i, s in enumerate(sentences, 1)]


def test_an_answer_written_around_the_models_choices_is_the_reply_its_grammar_gives(assistant, monkeypatch):
    """The program writes the answer schema's JSON and the model only its choices and words: the same reply as
    llama.cpp's grammar sampling, for answers, a refusal and several sentences, in fewer output steps."""
    from qa import decode, prompts
    from qa.generate import answer_schema, build_messages

    llm = assistant.llm
    evidence = _bridge_evidence()
    prompt = prompts.load("answer")
    questions = [
        "How much will the bridge cost?",
        "Who is the council's planning chief?",
        "What is the name of the mayor?",
        "What will happen to the old bridge, and when was it built?",
    ]
    llama = llm._load()
    steps = {"n": 0}
    real_eval = llama.eval

    def counted_eval(tokens):
        steps["n"] += 1
        return real_eval(tokens)

    monkeypatch.setattr(llama, "eval", counted_eval)
    same = 0
    for question in questions:
        messages = build_messages(prompt, question, evidence)
        schema = answer_schema(len(evidence))
        steps["n"] = 0
        written, used = _call(llm, llm.chat, messages, schema)
        written_steps = steps["n"]
        with monkeypatch.context() as m:
            m.setattr(decode, "fits", lambda _schema: False)
            steps["n"] = 0
            sampled, used_grammar = _call(llm, llm.chat, messages, schema)
        jsonschema.validate(json.loads(written), schema)
        same += json.loads(written) == json.loads(sampled)
        assert used["prompt_tokens"] == used_grammar["prompt_tokens"]
        if used_grammar["output_tokens"] > 10:
            assert written_steps < steps["n"] * 0.8, (question, written_steps, steps["n"])
    # Fixed text read in one batch gives scores that differ from reading it token by token in the last
    # digits (0.04 between the top two words in one case seen), so a near tie may go the other way.
    assert same >= len(questions) - 1


def test_words_guessed_from_the_evidence_give_the_reply_the_model_writes_without_guesses(assistant, monkeypatch):
    """The next few tokens are guessed from where the last ones stand in the prompt and kept only where the
    model picks them itself: the same replies as without guesses, some of their tokens read as guesses."""
    from qa import decode, prompts
    from qa.generate import answer_schema, build_messages

    llm = assistant.llm
    evidence = _bridge_evidence()
    prompt = prompts.load("answer")
    questions = ["How much will the bridge cost?", "What will happen to the old bridge?", "Who is Ann Roe?"]
    same = kept = 0
    for question in questions:
        messages, schema = build_messages(prompt, question, evidence), answer_schema(len(evidence))
        guessed, used = _call(llm, llm.chat, messages, schema)
        with monkeypatch.context() as m:
            m.setattr(decode.Reader, "GUESS_TOKENS", 0)
            unguessed, used_without = _call(llm, llm.chat, messages, schema)
        assert used_without["guessed_tokens"] == used_without["kept_tokens"] == 0
        assert used["kept_tokens"] <= used["guessed_tokens"]
        assert used["output_tokens"] == used_without["output_tokens"] or guessed != unguessed
        same += json.loads(guessed) == json.loads(unguessed)
        kept += used["kept_tokens"]
    assert kept > 0
    # A token read in a batch gets scores that differ in the last digits from one read alone, so a near
    # tie between two words may go the other way (as in the test above).
    assert same >= len(questions) - 1
