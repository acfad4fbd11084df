"""The second draft after the yes/no check's refusal, with the real local model writing both drafts.

The check's first verdict is forced to "no" so that the second draft happens whatever the model would
have judged; everything else (retrieval, both drafts, the support check, the second verdict) is real.
"""

import pytest

from qa.assistant import Assistant
from qa.citations import was_shown

pytestmark = pytest.mark.integration

QUESTION = "How many fighters did Iraq send into Syria, according to Iraqi security sources?"


class FirstVerdictNo:
    """The real model, except that the first yes/no verdict it is asked for is "no"."""

    def __init__(self, llm):
        self.llm = llm
        self.name = llm.name
        self.drafts: list[list[dict]] = []
        self.verdicts = 0

    @property
    def usage(self):
        return self.llm.usage

    def chat(self, messages, schema=None, on_token=None):
        self.drafts.append(messages)
        return self.llm.chat(messages, schema=schema, on_token=on_token)

    def choose(self, messages, lead, options):
        self.verdicts += 1
        return "no" if self.verdicts == 1 else self.llm.choose(messages, lead, options)


def test_a_turned_down_draft_is_written_again_by_the_model_without_the_sentences_it_used(assistant, library):
    llm = FirstVerdictNo(assistant.llm)
    redrafting = Assistant(assistant.settings, llm=llm, embedder=assistant.embedder, store=library.store)
    first = assistant.ask(QUESTION)
    assert not first.abstained and "300" in first.text  # the draft that will be turned down (the README's headline)
    used = [c.quote for c in first.citations]

    answer = redrafting.ask(QUESTION)

    assert len(llm.drafts) >= 2 and llm.verdicts >= 1  # (the first answer may itself come from a second try)
    second_prompt = llm.drafts[-1][1]["content"]
    assert not any(quote in second_prompt for quote in used)
    if answer.abstained:  # the second draft was refused too: the first refusal stands
        assert answer.abstain_gate == "judge" and answer.citations == []
        assert [s.text for s in answer.sentences] == [s.text for s in first.sentences]
    else:
        assert all(e["text"] not in used for e in answer.evidence)  # it records what the second draft was shown
        texts = library.store.texts([c.doc_id for c in answer.citations])
        for c in answer.citations:
            assert texts[c.doc_id][c.start : c.end] == c.quote and c.quote not in used
            assert was_shown(c, answer.evidence)
