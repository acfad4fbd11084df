"""News articles: the main text and metadata of a web page, and the title and date of a plain text.

Web pages go through trafilatura (with htmldate for the publication date):
main text, title, author, site name and date, without menus, cookie notices,
galleries or related-story boxes. The stored text is trafilatura's text with
paragraphs separated by blank lines; citations point into it. A page where
trafilatura finds no main text falls back to the page's whole readable text,
with a note saying so.

Plain texts carry no metadata, so their title skips a photo-caption line
(printed twice, or ending in an agency credit), and their date is read only
from a dateline the text states ("LONDON, March 3, 2015 (Reuters) -"), never
from the file's modification time.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from qa.ingest.clean import is_glued_duplicate, kept_blocks
from qa.lexical import MONTHS

_MIN_MAIN_TEXT = 200  # characters; less is a page whose article trafilatura did not find


@dataclass(frozen=True)
class ArticleMeta:
    title: str = ""
    author: str = ""
    site: str = ""
    published: str = ""  # YYYY-MM-DD, "" when unknown
    url: str = ""


def html_article(html: str, url: str = "") -> tuple[str, ArticleMeta] | None:
    """(main text, metadata) of a news page, or None when no main text was found."""
    import trafilatura

    found = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_precision=True,
        # No deduplicate=True: trafilatura's cache of paragraphs seen earlier in the process would make a page's
        # text depend on what was read before it (a page fetched again would lose its own paragraphs).
        date_extraction_params={"original_date": True, "extensive_search": False, "outputformat": "%Y-%m-%d"},
    )
    if found is None or len((found.text or "").strip()) < _MIN_MAIN_TEXT:
        return None
    paragraphs = without_trailing_promos([line.strip() for line in found.text.splitlines() if line.strip()])
    site = (found.sitename or found.hostname or "").strip()
    meta = ArticleMeta(
        title=headline(html, site) or (found.title or "").strip(),
        author=_clean_author(found.author or ""),
        site=site,
        published=_iso_date(found.date or ""),
        url=(found.url or url or "").strip(),
    )
    return "\n\n".join(paragraphs), meta


def headline(html: str, site: str = "") -> str:
    """The page's displayed headline: its first <h1> of three words or more that is not the site's name.

    Pages' og:title often differs from what readers see ("Opinion | ...", a rewording for search engines);
    trafilatura prefers it, so the visible headline is looked for first.

    >>> headline("<html><body><h1>BBC News</h1><h1>Sweden drops rape investigation</h1></body></html>", "BBC News")
    'Sweden drops rape investigation'
    >>> headline("<html><body><h1> </h1><p>Text</p></body></html>")
    ''
    """
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if len(text.split()) >= 3 and len(text) <= 300 and text.casefold() != site.casefold():
            return text
    return ""


# Job titles and agency names that trafilatura leaves in a byline ("Tom Gillespie News reporter",
# "Phil Helsel is a reporter", "DANICA KIRKA; JILL LAWLESS Associated Press").
_ROLE_WORDS = set(
    "news reporter reporters correspondent correspondents editor editors writer writers staff senior chief "
    "political economics business sports foreign diplomatic producer contributor columnist associated press "
    "reuters afp bbc cnn".split()
)


def _clean_author(author: str) -> str:
    """trafilatura's author field as a reader would write it: names joined by ", ", job titles and agencies off.

    >>> _clean_author("Jane Doe; John Roe")
    'Jane Doe, John Roe'
    >>> _clean_author("Tom Gillespie News reporter"), _clean_author("Phil Helsel is a reporter")
    ('Tom Gillespie', 'Phil Helsel')
    >>> _clean_author("DANICA KIRKA; JILL LAWLESS Associated Press")
    'DANICA KIRKA, JILL LAWLESS'
    """
    names = []
    for name in author.split(";"):
        name = re.split(r"\s+(?:is|was)\s+(?:a|an|the)\s+", name.strip(), maxsplit=1)[0]
        words = name.split()
        while len(words) > 1 and words[-1].casefold().strip(",.") in _ROLE_WORDS:
            words.pop()
        if words and words[-1].casefold() not in _ROLE_WORDS:
            names.append(" ".join(words))
    return ", ".join(names)


_PROMO = re.compile(
    r"^(?:follow|like|sign up|subscribe|get|download|join)\b.{0,200}\b(?:facebook|twitter|instagram|newsletter|"
    r"podcast|app|whatsapp|telegram)\b|\bletters to the editor\b|\ball rights reserved\b|^copyright\b|^\u00a9",
    re.IGNORECASE,
)


def without_trailing_promos(paragraphs: list[str]) -> list[str]:
    """The article's paragraphs without the run of promotions at its end (follow us, newsletters, letters to
    the editor, copyright lines) that main-text extraction sometimes keeps; nothing inside the story is touched.

    >>> without_trailing_promos(["The vote failed.", "Follow us on Twitter and Facebook.", "© 2019 The Paper"])
    ['The vote failed.']
    >>> without_trailing_promos(["Follow the money, he said, and the vote failed.", "It was close."])
    ['Follow the money, he said, and the vote failed.', 'It was close.']
    """
    end = len(paragraphs)
    while end > 1 and _PROMO.search(paragraphs[end - 1]) and len(paragraphs[end - 1]) < 400:
        end -= 1
    return paragraphs[:end]


def _iso_date(value: str) -> str:
    """`value` when it is a real YYYY-MM-DD date, else "".

    >>> _iso_date("2024-12-01"), _iso_date("2024-13-01"), _iso_date("")
    ('2024-12-01', '', '')
    """
    try:
        return datetime.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return ""


# Plain texts ------------------------------------------------------------------

_AGENCY_CREDIT = re.compile(
    r"(?:Reuters|AFP|AP|Associated Press|Getty Images|EPA|Xinhua|Anadolu|PA|Bloomberg|"
    r"Agence France-Presse|\(?(?:Photo|Image|Picture)[^.]{0,40}\)?)\s*\)?\s*$",
    re.IGNORECASE,
)
_CAPTION_MAX_CHARS = 160


def text_title(text: str, max_chars: int = 100) -> str:
    """A title for a plain text: its first content line that is not a photo caption.

    A caption is a short line without final punctuation that the next line
    repeats (with a credit glued on), or one that ends in an agency credit.

    >>> text_title("Fighters in Idlib, Syria\\nFighters in Idlib, SyriaReuters\\n\\nThousands were deployed.")
    'Thousands were deployed.'
    >>> text_title("Rescuers search rubble after the quake. Photo: AFP\\n\\nThe quake struck at dawn.")
    'The quake struck at dawn.'
    >>> text_title("Iraq sends fighters\\n\\nIraq sent hundreds of fighters.")
    'Iraq sends fighters'
    """
    lines = [text[s:e] for s, e in kept_blocks(text)]
    raw = [text[s:e] for s, e in _all_lines(text)]
    chosen = ""
    for line in lines:
        if _is_caption(line, raw):
            continue
        chosen = line
        break
    chosen = (chosen or (lines[0] if lines else "")).lstrip("# ").strip()
    if len(chosen) <= max_chars:
        return chosen
    return chosen[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _all_lines(text: str) -> list[tuple[int, int]]:
    from qa.ingest.clean import line_spans

    return list(line_spans(text))


def _is_caption(line: str, lines: list[str]) -> bool:
    if len(line) > _CAPTION_MAX_CHARS:
        return False
    i = lines.index(line) if line in lines else -1
    repeated = 0 <= i < len(lines) - 1 and lines[i + 1] != line and is_glued_duplicate(line, lines[i + 1])
    return repeated or bool(_AGENCY_CREDIT.search(line) and not line.rstrip().endswith((".", "?", "!", '"', "”")))


_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATES = [
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)\b"),
]
# Where a dateline or a "Published" line stands: the start of the text, before the story proper.
_DATELINE_CHARS = 200
# A dateline opens with a place in capitals ("LONDON,", "NEW YORK (Reuters) -") or a "Published:" word; a
# sentence that opens with a capitalised name ("Born in Luton, ...") is not one.
_DATELINE_CUE = re.compile(
    r"^(?:[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,3}(?:,| \(| -| \u2013| \u2014)|"
    r"(?i:published|posted|updated|date)\b|(?i:mon|tues|wednes|thurs|fri|satur|sun)day\b)"
)


def dateline(text: str) -> str:
    """The date a plain text states for itself at its start, as YYYY-MM-DD, or "".

    Only a date with a year, in a line that starts like a dateline ("LONDON,"),
    a "Published" line, or a line that is a date; dates inside the story are
    not the article's date.

    >>> dateline("LONDON, March 3, 2015 (Reuters) - Shares fell.")
    '2015-03-03'
    >>> dateline("Published: 1 December 2024\\n\\nThe river rose.")
    '2024-12-01'
    >>> dateline("The war began in March 2011 and on 3 March 2015 it spread.")
    ''
    >>> dateline("Arthur Hailey\\n\\nBorn in Luton, Bedfordshire, on 5 April 1920, Hailey was the only child.")
    ''
    >>> dateline("Stars pay tribute\\n\\nVeteran star Ossie Davis, an activist, died on 4 February 2005. Friends gathered.")
    ''
    """
    for start, end in _all_lines(text)[:3]:
        line = text[start:end]
        head = line[:_DATELINE_CHARS]
        for pattern in _DATES:
            m = pattern.search(head)
            if not m:
                continue
            is_date_line = len(line) <= 60 and m.start() <= 20
            if not (is_date_line or _DATELINE_CUE.match(line)):
                continue
            found = _date_of(m)
            if found:
                return found
    return ""


def _date_of(m: re.Match) -> str:
    groups = m.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else MONTHS.get(groups["month"].lower().rstrip("."), 0)
    try:
        return datetime.date(int(groups["year"]), month, int(groups["day"])).isoformat()
    except ValueError:
        return ""
