"""Whether two mentions name the same thing, allowing for a nationality and its country.

"French" and "France", "Brazil's" and "Brazilian", "the Labour party" and "Labour".
"""

from __future__ import annotations

import re

# Nationality words whose country does not share their stem.
_IRREGULAR = {
    "french": "france", "dutch": "netherlands", "swiss": "switzerland", "welsh": "wales", "british": "britain",
    "briton": "britain", "english": "england", "irish": "ireland", "spanish": "spain", "danish": "denmark",
    "swedish": "sweden", "finnish": "finland", "polish": "poland", "norwegian": "norway", "greek": "greece",
    "turkish": "turkey", "filipino": "philippines", "thai": "thailand", "scottish": "scotland", "scots": "scotland",
    "uk": "britain", "us": "america", "u.s.": "america", "usa": "america", "american": "america",
    "united states": "america", "united kingdom": "britain", "peruvian": "peru", "portuguese": "portugal",
}
_DEMONYM_SUFFIXES = ("ians", "ian", "ese", "ish", "ans", "an", "is", "i", "n", "s", "")
_COUNTRY_ENDINGS = ("", "a", "ia", "y", "e", "o", "on", "istan", "stan")


def normal_name(text: str) -> str:
    """A mention lower-cased, without a possessive, a leading "the" or punctuation: "The BBC's" -> "bbc"."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b|^the\s+", "", text)
    return re.sub(r"[^\w\s.]", " ", text).strip()


def _forms(name: str) -> set[str]:
    """A name and the country names it could be the nationality of ("syrian" -> "syria", "iraqi" -> "iraq")."""
    name = _IRREGULAR.get(name, name)
    forms = {name}
    for suffix in _DEMONYM_SUFFIXES:
        base = name[: len(name) - len(suffix)]
        if name.endswith(suffix) and len(base) >= 3:
            # A bare name only grows "-y"/"-stan" (German -> Germany); "Niger" is not "Nigeria".
            endings = _COUNTRY_ENDINGS if suffix else ("y", "istan", "stan")
            forms.update(base + ending for ending in endings)
    return forms


def same_entity(a: str, b: str) -> bool:
    """True when two entity mentions name the same thing, allowing for nationality vs. country.

    >>> same_entity("French", "France"), same_entity("Iraqi", "Iraq"), same_entity("Austrian", "Australia")
    (True, True, False)
    >>> same_entity("Brazil's", "Brazilian"), same_entity("the Labour party", "Labour")
    (True, True)
    """
    x, y = normal_name(a), normal_name(b)
    if not x or not y:
        return False
    if re.search(rf"\b{re.escape(x)}\b", y) or re.search(rf"\b{re.escape(y)}\b", x):
        return True
    return bool(_forms(x) & _forms(y))
