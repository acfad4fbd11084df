"""The default support checker against hand-labelled claim/evidence pairs from the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.eval.support import evaluate_checker, load_checker, load_pairs

PAIRS = Path(__file__).resolve().parent / "data" / "support_pairs.jsonl"
TRAPS = {"swapped_number", "wrong_name", "negation", "wrong_citation", "paraphrase", "over_claim", "supported_multi"}


def test_pairs_cover_the_traps():
    pairs = load_pairs(PAIRS)
    assert len(pairs) >= 60
    assert TRAPS <= {p.kind for p in pairs}
    positives = sum(p.supported for p in pairs)
    assert 0.3 <= positives / len(pairs) <= 0.7, "keep the labels roughly balanced"


def test_lexical_only_checker_runs_without_models():
    """The rules alone, no embedding model: deterministic, measured 0.939 on the 78 pairs (2026-11-22)."""
    report = evaluate_checker(load_checker(None, embedder=None), load_pairs(PAIRS))
    assert report.pairs == len(load_pairs(PAIRS))
    assert report.balanced_accuracy >= 0.939, report.wrong
    assert report.by_kind["negation"] == (6, 6) and report.by_kind["wrong_name"] == (8, 8)


def test_checker_by_name(tmp_path):
    checker = load_checker("qa.verify:LexicalChecker", embedder=None, threshold=0.6)
    assert checker.threshold == 0.6


@pytest.mark.parametrize("spec", ["qa.verify", "no.such.module:X", "qa.verify:NoSuchClass"])
def test_bad_checker_names(spec):
    from qa.errors import QAError

    with pytest.raises(QAError, match="--checker"):
        load_checker(spec)


@pytest.mark.integration
def test_default_checker_balanced_accuracy(embedder):
    """Measured 0.939 with the embedding model (in-sample: these pairs quote the articles the rules were written on)."""
    report = evaluate_checker(load_checker(None, embedder=embedder), load_pairs(PAIRS))
    misses = "\n".join(f"{w['id']} ({w['kind']}): {w['claim']} -> {w['reason']}" for w in report.wrong)
    assert report.balanced_accuracy >= 0.939, f"balanced accuracy {report.balanced_accuracy:.3f}; misses:\n{misses}"
    # The traps a lexical checker is built for must all be caught.
    for kind in ("negation", "wrong_name"):
        right, total = report.by_kind[kind]
        assert right == total, f"{kind}: {right}/{total}\n{misses}"


BBC_PAIRS = PAIRS.parent / "bbc_support_pairs.jsonl"


def test_unseen_pairs_cover_the_traps():
    pairs = load_pairs(BBC_PAIRS)
    assert len(pairs) == 60 and TRAPS <= {p.kind for p in pairs}
    assert all(p.sources[0].split("/")[0] in {"business", "entertainment", "politics", "sport", "tech"} for p in pairs)


@pytest.mark.integration
def test_default_checker_on_articles_its_rules_never_saw(embedder):
    """Out of sample: 60 pairs written from 15 BBC articles that no rule was written against.

    Measured 0.748 (2026-11-22), against 0.939 in-sample. Its misses: possessives
    ("Warner's"), amounts written out ("3.36 billion dollars" for "$3.36bn"),
    antonyms it does not know (rose/fell), a hedge made certain ("may" -> "will").
    Deterministic (no LLM), so the floor is the measured value.
    """
    report = evaluate_checker(load_checker(None, embedder=embedder), load_pairs(BBC_PAIRS))
    misses = "\n".join(f"{w['id']} ({w['kind']}): {w['claim']} -> {w['reason']}" for w in report.wrong)
    assert report.balanced_accuracy >= 0.747, f"balanced accuracy {report.balanced_accuracy:.3f}; misses:\n{misses}"


@pytest.mark.integration
@pytest.mark.timeout(900)  # a guard against a hung model; about a minute on two cores
def test_entailment_grader_on_articles_it_never_saw(assistant):
    """The harness's independent grader (the LLM with prompts/grade.txt) on the same 60 BBC pairs.

    Measured 0.825 (2026-12-06, each prompt read from its instructions' fixed
    point; 0.844 on 2026-11-22, when the point depended on the prompt before);
    on the seeds' 78 pairs 0.913. Its misses differ from the checker's: it is
    lenient with numbers that sit next to the right ones and with hedges made
    certain. The floor allows one pair to flip between CPU builds of llama.cpp
    (each pair moves the score by 0.015 to 0.019).
    """
    from qa.eval.grader import EntailmentGrader

    grader = EntailmentGrader(assistant.llm)
    report = evaluate_checker(grader, load_pairs(BBC_PAIRS))
    misses = "\n".join(f"{w['id']} ({w['kind']}): {w['claim']}" for w in report.wrong)
    assert grader.undecided == 0
    assert report.balanced_accuracy >= 0.805, f"balanced accuracy {report.balanced_accuracy:.3f}; misses:\n{misses}"


def test_unseen_pairs_quote_their_articles_exactly():
    from qa.ingest.readers import extract

    for p in load_pairs(BBC_PAIRS):
        for source, text in zip(p.sources, p.evidence):
            path = PAIRS.parent / "bbc" / source
            assert text in extract(path, path.read_bytes()).text, f"{p.id}: not in {source}"
