"""HTML for the chat UI: conversation, sources panel and article viewer.

Pure functions from answers (as `Answer.to_dict()` dicts) to HTML strings, so
they are tested without a browser. Every piece of document or user text goes
through `esc()`. Citation markers are `<a class="cite" data-turn=T data-n=N>`:
the page's script sends (T, N) back to the server, which looks the citation up
in that session's conversation, so an old answer's [n] still opens its own quote.

A saved conversation may cite articles that have changed or been removed
since it was answered. `states` maps (turn, n) to "ok", "changed" or
"removed" (qa.history.citation_states); a citation that is not "ok" is marked
and still shows the quote it had, and the viewer shows that quote with a note
instead of marking whatever text now sits at the old span.

>>> "<b>" in render_conversation([{"question": "<b>hi</b>", "answer": None, "streaming": ""}])
False
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from qa.answer import AnswerSentence, render_sentences
from qa.citations import quote_matches
from qa.documents import Document, byline

States = dict[tuple[int, int], str]  # (turn, n) -> "ok" | "changed" | "removed"
NOTES = {
    "changed": "The article has changed since this answer; the quote is as it was.",
    "removed": "The article was removed since this answer; the quote is as it was.",
}


def esc(text: object) -> str:
    """HTML-escape text for element content and attribute values.

    >>> esc('<a href="x">&</a>')
    '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;'
    """
    return html.escape(str(text), quote=True)


_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_text(text: object) -> str:
    """Text for a gr.Markdown that displays exactly its characters: no markup, no links, no HTML.

    Markdown lets any ASCII punctuation be backslash-escaped to stand for itself,
    so a file name or error that quotes `<img ...>` or `[x](javascript:...)` is
    shown as typed instead of becoming an element or a link.

    >>> print(markdown_text("[x](javascript:go()) <b>*hi*</b>"))
    \\[x\\]\\(javascript\\:go\\(\\)\\) \\<b\\>\\*hi\\*\\<\\/b\\>
    """
    return _ASCII_PUNCTUATION.sub(r"\\\1", str(text))


def seconds(answer: dict) -> str:
    ms = (answer.get("timings") or {}).get("total_ms")
    return f"{ms / 1000:.1f} s" if ms is not None else "time unknown"


# Conversation ------------------------------------------------------------------


def render_conversation(turns: list[dict], states: States | None = None, copies: dict[int, str] | None = None) -> str:
    """The whole chat; each turn is {"question", "answer" (dict or None), "streaming", "error"}, and while
    it waits for the model, "waiting": the message saying its place in the line.

    states: what became of each cited article (see the module's docstring); copies: turn -> the answer as
    Markdown, which that answer's Copy button puts on the clipboard (no button for a turn without one).
    """
    if not turns:
        return (
            '<div class="empty">Ask a question about your documents. Every sentence of an answer '
            "cites its source: hover over a [n] to read the quote, click it to open the article there.</div>"
        )
    copies = copies or {}
    return "\n".join(render_turn(i, t, states, copies.get(i, "")) for i, t in enumerate(turns))


def render_turn(index: int, turn: dict, states: States | None = None, copy: str = "") -> str:
    question = f'<div class="q"><span class="who">You</span>{esc(turn["question"])}</div>'
    answer = turn.get("answer")
    if turn.get("error"):
        body = f'<div class="a error"><strong>Could not answer.</strong> {esc(turn["error"])}</div>'
    elif answer is None:
        partial = turn.get("streaming") or ""
        looking = render_looking(turn.get("looking") or [])
        if turn.get("waiting"):  # its place in the line for the model
            text = esc(turn["waiting"])
        elif partial:
            text = f"{esc(partial)} …"
        elif looking:
            text = "Writing the answer …"
        else:
            text = "Searching the documents …"
        body = f'<div class="a streaming"><p class="answer-text">{text}</p>{looking}</div>'
    else:
        body = render_answer(index, answer, states, copy)
    return f'<div class="turn" id="turn-{index}" data-turn="{index}">{question}{body}</div>'


LOOKING_QUOTES = 3


def render_looking(evidence: list[dict]) -> str:
    """The top quotes retrieved, shown under "Looking at" while the answer is written.

    >>> html_ = render_looking([{"source": "a/b.txt", "text": "300 <men> crossed."}])
    >>> "Looking at" in html_ and "&lt;men&gt;" in html_ and "b.txt" in html_
    True
    >>> render_looking([])
    ''
    """
    if not evidence:
        return ""
    items = "".join(
        f'<li><span class="quote">“{esc(e["text"])}”</span> <span class="src">{esc(e["source"].rsplit("/", 1)[-1])}</span>'
        f"{_byline_html(e)}</li>"
        for e in evidence[:LOOKING_QUOTES]
    )
    return f'<div class="looking"><div class="looking-head">Looking at</div><ul>{items}</ul></div>'


def render_answer(turn: int, answer: dict, states: States | None = None, copy: str = "") -> str:
    """One finished answer: cited sentences, removed-sentence notes, model and time, and a Copy button
    when `copy` (the text it copies, kept in an escaped attribute) is given.

    >>> a = {"abstained": False, "model": "m", "timings": {"total_ms": 1500}, "citations": [
    ...     {"n": 1, "quote": "300 <men>", "title": "T", "source": "s.txt"}],
    ...     "sentences": [{"text": "300 came.", "citations": [1], "supported": True, "score": 1.0},
    ...                   {"text": "All died.", "citations": [], "supported": False, "score": 0.0, "reason": "no support"}]}
    >>> print(render_answer(0, a))  # doctest: +NORMALIZE_WHITESPACE
    <div class="a answered"><p class="answer-text">300 came.<a class="cite" href="#" role="button"
     data-turn="0" data-n="1" data-quote="“300 &lt;men&gt;” — T" aria-label="Source 1: 300 &lt;men&gt;">[1]</a></p>
    <div class="removed">Removed, not supported by its sources: <del>All died.</del> (no support)</div>
    <div class="meta">m · 1.5 s</div></div>
    """
    meta = f'<div class="meta">{esc(answer.get("model", ""))} · {seconds(answer)}'
    search = answer.get("search_question") or ""
    if search and search != answer.get("question", search):
        meta += f" · searched for “{esc(search)}”"
    meta += f"</div>{_copy_button(copy)}"  # the button beside the line, not in its text
    removed = "".join(
        '<div class="removed">Removed, not supported by its sources: '
        f'<del>{esc(s["text"])}</del> ({esc(s.get("reason") or "no reason given")})</div>'
        for s in answer.get("sentences", [])
        if not s.get("supported")
    )
    if answer.get("abstained"):
        reason = answer.get("abstain_reason") or ""
        return (
            '<div class="a abstained"><div class="abstain-label">No answer from the documents</div>'
            f'<p class="answer-text">{esc(answer.get("text", ""))}</p>'
            + (f'<p class="reason">{esc(reason)}</p>' if reason else "")
            + f"{removed}{meta}</div>"
        )
    by_n = {c["n"]: c for c in answer.get("citations", [])}
    sentences = [AnswerSentence(**s) for s in answer.get("sentences", [])]
    text = render_sentences(
        sentences,
        marker=lambda n: _cite_link(turn, by_n[n], _state(states, turn, n)) if n in by_n else "",
        text=esc,
        label=lambda attribution: f'<span class="label">{esc(attribution)}:</span> ',
    )
    return f'<div class="a answered"><p class="answer-text">{text}</p>\n{removed}\n{meta}</div>'


def _byline_html(record: dict) -> str:
    """ "Reuters · 2024-12-01" for a citation or evidence record, as a span ("" when neither is known).

    >>> _byline_html({"site": "Reuters", "published": "2024-12-01"})
    ' <span class="byline">Reuters · 2024-12-01</span>'
    >>> _byline_html({"source": "a.txt"})
    ''
    """
    line = byline(record.get("site"), record.get("published"))
    return f' <span class="byline">{esc(line)}</span>' if line else ""


def _state(states: States | None, turn: int, n: int) -> str:
    return (states or {}).get((turn, n), "ok")


def _cite_link(turn: int, c: dict, state: str = "ok") -> str:
    """An answer's [n]: hover shows the quote (and, for an article changed or removed since, a note saying so).

    >>> print(_cite_link(0, {"n": 1, "quote": "300 men", "title": "T"}, "changed"))  # doctest: +NORMALIZE_WHITESPACE
    <a class="cite changed" href="#" role="button" data-turn="0" data-n="1"
     data-quote="“300 men” — T · The article has changed since this answer; the quote is as it was."
     title="The article has changed since this answer; the quote is as it was."
     aria-label="Source 1: 300 men">[1]</a>
    """
    line = byline(c.get("site"), c.get("published"))
    tip = f"“{c['quote']}” — {c.get('title') or c.get('source', '')}" + (f" ({line})" if line else "")
    note = NOTES.get(state, "")
    marked = f' title="{esc(note)}"' if note else ""
    return (
        f'<a class="cite{_state_class(state)}" href="#" role="button" data-turn="{turn}" data-n="{c["n"]}" '
        f'data-quote="{esc(tip + (f" · {note}" if note else ""))}"{marked} '
        f'aria-label="Source {c["n"]}: {esc(c["quote"])}">[{c["n"]}]</a>'
    )


def _state_class(state: str) -> str:
    return f" {state}" if state in NOTES else ""


def _copy_button(copy: str) -> str:
    """The answer's Copy button; the page's script copies its data-copy attribute (no handler in the markup).

    >>> _copy_button('A "quote" <b>[1]</b>')
    ' <button type="button" class="copy" data-copy="A &quot;quote&quot; &lt;b&gt;[1]&lt;/b&gt;" title="Copy this answer as Markdown">Copy</button>'
    >>> _copy_button("")
    ''
    """
    if not copy:
        return ""
    return f' <button type="button" class="copy" data-copy="{esc(copy)}" title="Copy this answer as Markdown">Copy</button>'


# Sources panel -----------------------------------------------------------------


def render_sources(turn: int | None, answer: dict | None, active: int | None = None, states: States | None = None) -> str:
    """The articles an answer cites, each with title, file and its quotes (click to open); a quote whose
    article changed or was removed since is marked, with the note as its hover text."""
    if answer is None or turn is None:
        return '<div class="empty">The sources of an answer appear here. Click one to open the article at its quote.</div>'
    if answer.get("abstained") or not answer.get("citations"):
        return f'<div class="empty">Answer {turn + 1} cites nothing: the documents did not answer it.</div>'
    groups: dict[str, list[dict]] = {}
    for c in answer["citations"]:
        groups.setdefault(c["source"], []).append(c)
    out = [f"<h3>Sources of answer {turn + 1}</h3>"]
    for source, cites in groups.items():
        items = "".join(
            f'<li><a class="cite{_state_class(_state(states, turn, c["n"]))}{" active" if c["n"] == active else ""}" '
            f'href="#" data-turn="{turn}" data-n="{c["n"]}"{_note_title(_state(states, turn, c["n"]))}>'
            f'<b>[{c["n"]}]</b> “{esc(c["quote"])}”</a>'
            + (f' <span class="page">p. {int(c["page"])}</span>' if c.get("page") else "")
            + "</li>"
            for c in cites
        )
        first = cites[0]
        title = first.get("title") or source
        about = " · ".join(filter(None, [byline(first.get("site"), first.get("published")), first.get("author")]))
        out.append(
            f'<div class="source"><div class="source-title">{esc(title)}</div>'
            + (f'<div class="byline">{esc(about)}</div>' if about else "")
            + f'<div class="source-file">{esc(_location(first.get("url"), source))}</div><ul>{items}</ul></div>'
        )
    return "\n".join(out)


def _note_title(state: str) -> str:
    return f' title="{esc(NOTES[state])}"' if state in NOTES else ""


# Article viewer ----------------------------------------------------------------


def render_article(citation: dict, doc: Document | None, state: str = "ok") -> str:
    """The full article with the citation's span marked; the quote as it was and a note instead when the
    article was removed, changed since the answer (`state`, from qa.history.citation_state), or no longer
    holds the quote at the span: the viewer never marks text the answer did not cite.

    >>> d = Document("d", "/a.txt", "a.txt", "A & B", "x", 1, "One <two> three.")
    >>> c = {"n": 2, "start": 4, "end": 9, "quote": "<two>", "source": "a.txt", "title": "A & B"}
    >>> render_article(c, d).split('article-text">')[1]
    'One <mark class="quote" id="qa-quote" data-n="2">&lt;two&gt;</mark> three.</div></div>'
    """
    title = citation.get("title") or citation.get("source", "")
    about = " · ".join(filter(None, [byline(citation.get("site"), citation.get("published")), citation.get("author")]))
    page = f" · page {int(citation['page'])}" if citation.get("page") else ""
    head = (
        f'<div class="article-head"><strong>[{citation["n"]}] {esc(title)}</strong>'
        + (f'<div class="byline">{esc(about)}</div>' if about else "")
        + f'<div class="file">{esc(_location(citation.get("url"), citation["source"]))}{page} · characters '
        f'{citation["start"]}–{citation["end"]}</div></div>'
    )
    as_it_was = f'<blockquote class="was">“{esc(citation["quote"])}”</blockquote>'
    if doc is None or state == "removed":
        return f'<div class="article">{head}<p class="note removed">{esc(NOTES["removed"])}</p>{as_it_was}</div>'
    text, start, end = doc.text, citation["start"], citation["end"]
    if state == "changed" or not quote_matches(text, start, end, citation["quote"]):
        return (
            f'<div class="article">{head}<p class="note changed">{esc(NOTES["changed"])}</p>{as_it_was}'
            f'<div class="article-text">{esc(text)}</div></div>'
        )
    return (
        f'<div class="article">{head}<div class="article-text">{esc(text[:start])}'
        f'<mark class="quote" id="qa-quote" data-n="{citation["n"]}">{esc(text[start:end])}</mark>'
        f"{esc(text[end:])}</div></div>"
    )


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _location(url: str | None, source: str) -> str:
    """Where an article lives: its web address when that is an http(s) link, else its source.

    >>> _location("javascript:alert(1)", "a.txt"), _location("https://x.org/a", "a"), _location(None, "a.txt")
    ('a.txt', 'https://x.org/a', 'a.txt')
    """
    return url if url and _is_web_link(url) else source


EMPTY_ARTICLE = '<div class="empty">Click a citation to read the article it quotes.</div>'


# Documents tab -----------------------------------------------------------------


def by_date(documents: Iterable[Document]) -> list[Document]:
    """Newest publication date first; documents without a date after them, by source.

    >>> docs = [Document("a", "/a", "a", "", "s", 1), Document("b", "/b", "b", "", "s", 1, published="2015-03-03"),
    ...         Document("c", "/c", "c", "", "s", 1, published="2024-12-01")]
    >>> [d.doc_id for d in by_date(docs)]
    ['c', 'b', 'a']
    """
    docs = sorted(documents, key=lambda d: d.source)
    return sorted(docs, key=lambda d: d.published or "", reverse=True)


def document_rows(documents: Iterable[Document]) -> list[list]:
    """Rows for the documents table, newest first: title, publisher, date, file, passages, when it was indexed.

    A document holding sentences that give orders to an AI model says so after its title.
    """
    return [
        [(d.title or d.source) + d.planted_note(), d.site or "", d.published or "", _location(d.url, d.source), d.passages,
         d.indexed_on()]  # fmt: skip
        for d in by_date(documents)
    ]



def document_choices(documents: Iterable[Document]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for the remove dropdown."""
    return [(f"{d.title or d.source} — {d.source}", d.doc_id) for d in documents]


def source_choices(documents: Iterable[Document]) -> list[tuple[str, str]]:
    """(label, value) pairs for the "Only from" filter: each publisher, then each document, newest first.

    A value is what `Scope` matches: a publisher's name or a document's id.

    >>> docs = [Document("a", "/a", "a.txt", "Floods", "s", 1, site="Reuters", published="2024-12-01"),
    ...         Document("b", "/b", "b.txt", "", "s", 1)]
    >>> source_choices(docs)
    [('Publisher: Reuters', 'Reuters'), ('Floods — Reuters · 2024-12-01', 'a'), ('b.txt', 'b')]
    """
    docs = by_date(documents)
    publishers = sorted({d.site for d in docs if d.site}, key=str.casefold)
    return [(f"Publisher: {p}", p) for p in publishers] + [
        (" — ".join(filter(None, [d.title or d.source, d.byline()])), d.doc_id) for d in docs if not d.duplicate_of
    ]
