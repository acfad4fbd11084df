"""An entailment grader for the harness: the LLM with its own prompt, not the checker that filtered answers.

The assistant removes sentences its support checker (`qa.verify`) rejects, so
grading ALCE citation recall with that same checker would score 1.0 by
construction. `EntailmentGrader` asks the LLM the natural-language-inference
question instead: does this source text state everything in the statement?
It is slower and has its own errors, which is why `qa eval --checker-only
--checker qa.eval.grader:EntailmentGrader --pairs FILE` measures it on
labelled pairs like any other checker.

A reply that is neither yes nor no, or an LLM that does not answer, counts as
"not supported" and is counted in `undecided`, so a broken grader lowers the
scores visibly instead of raising them.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa import prompts
from qa.llm import LLM
from qa.verify import Verdict, ask_yes_no


class EntailmentGrader:
    """check(claim, evidence) -> Verdict, decided by the LLM under prompts/grade.txt."""

    name = "llm-entailment"

    def __init__(self, llm: LLM) -> None:
        self.llm = llm
        self.prompt = prompts.load("grade")
        self.undecided = 0
        self._seen: dict[tuple[str, tuple[str, ...]], Verdict] = {}

    def check(self, claim: str, evidence: Sequence[str], question: str = "") -> Verdict:
        key = (claim, tuple(evidence))
        if key not in self._seen:
            self._seen[key] = self._ask(claim, list(evidence))
        return self._seen[key]

    def _ask(self, claim: str, evidence: list[str]) -> Verdict:
        verdict, why = ask_yes_no(self.llm, self.prompt, "The entailment grader", claim=claim, evidence="\n".join(evidence))
        if verdict is None:
            self.undecided += 1
            return Verdict(False, 0.0, f"undecided: {why}")
        return Verdict(verdict, float(verdict), "the model says the source states it" if verdict else "the model says it does not")
