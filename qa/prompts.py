"""Prompt templates from prompts/*.txt, rendered strictly.

The templates live in the repository's top-level `prompts/` folder; a built
wheel carries them inside the package as `qa/_prompts/` (see pyproject.toml).
`prompts_dir()` finds whichever is there, so the package works installed or
from a checkout.

A template file starts with `version: N`, then sections opened by `=== name`.
Rendering uses jinja2's StrictUndefined, so a missing variable raises and
names itself instead of silently printing nothing.

>>> p = Prompt.parse("t", "version: 2\\n=== user\\nQ: {{ question }}\\n")
>>> p.version, p.render("user", question="Why?")
('2', 'Q: Why?')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from qa.errors import QAError

PACKAGED_DIR = Path(__file__).resolve().parent / "_prompts"  # in an installed wheel
CHECKOUT_DIR = Path(__file__).resolve().parent.parent / "prompts"  # in the repository
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    sections: dict[str, str]

    @classmethod
    def parse(cls, name: str, raw: str) -> Prompt:
        first, _, body = raw.partition("\n")
        if not first.startswith("version:"):
            raise ValueError(f"Prompt '{name}' must start with a 'version: N' line, not {first!r}")
        sections: dict[str, str] = {}
        current = None
        for line in body.splitlines(keepends=True):
            if line.startswith("=== "):
                current = line[4:].strip()
                sections[current] = ""
            elif current is not None:
                sections[current] += line
        return cls(name=name, version=first.split(":", 1)[1].strip(), sections=sections)

    def render(self, section: str, **variables: object) -> str:
        if section not in self.sections:
            raise KeyError(f"Prompt '{self.name}' has no section '{section}'")
        return _ENV.from_string(self.sections[section]).render(**variables).strip()

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def prompts_dir() -> Path:
    """The folder holding the prompt templates: the packaged copy, else the checkout's prompts/."""
    for folder in (PACKAGED_DIR, CHECKOUT_DIR):
        if (folder / "answer.txt").is_file():
            return folder
    raise QAError(
        f"The prompt templates are missing (looked in {PACKAGED_DIR} and {CHECKOUT_DIR}). Reinstall qa."
    )


@lru_cache(maxsize=None)
def load(name: str, folder: Path | None = None) -> Prompt:
    """Load <prompts folder>/<name>.txt."""
    path = (folder or prompts_dir()) / f"{name}.txt"
    return Prompt.parse(name, path.read_text(encoding="utf-8"))
