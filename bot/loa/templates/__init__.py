"""LOA templates: one letter a country, as data (``data/<code>.toml``).

A letter's file holds its language, its title, paragraphs and labels, the fields it certifies
(with the country's port-out code, such as the UK PAC, the French RIO or the Mexican NIP, where
the country's row asks for one), its date pattern, digit grouping, page size and how numbers are
written. :mod:`.loader` checks every file against the country table when it is read; every
country in the table has a letter (a test checks it).

**Which letter a request gets** (:func:`template_of`): the country of its numbers; when that
country has no letter, the service address's country (the rule before the country table); when
neither has one, the US letter.

**Adding a country.** Add its row to the country table, then ``data/<code>.toml``: start from a
letter in the same language (``base = "gb"``) or write every paragraph and label. Every sentence
is ours: take facts from the carriers' guides, never their wording. A letter in a language that
the sources do not confirm the carriers accept is ``bilingual``: each paragraph carries its
English version (say why in ``language_note``).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.loa.content import LoaContent
from bot.loa.templates.loader import LetterDataError, load_templates, templates
from bot.loa.templates.model import Clause, Labels, LoaTemplate, NumberStyle

__all__ = [
    "CA",
    "GB",
    "TEMPLATES",
    "US",
    "Clause",
    "Labels",
    "LetterDataError",
    "LoaTemplate",
    "NumberStyle",
    "load_templates",
    "template_for",
    "template_of",
]

TEMPLATES: Mapping[str, LoaTemplate] = templates()
US = TEMPLATES["US"]
CA = TEMPLATES["CA"]
GB = TEMPLATES["GB"]


def template_for(country: str) -> LoaTemplate:
    """The letter of ``country`` (ISO alpha-2, any case); the US letter when it has none."""
    return TEMPLATES.get((country or "").strip().upper(), US)


def template_of(content: LoaContent) -> LoaTemplate:
    """The letter for a request: its numbers' country's, else its service address country's,
    else the US letter."""
    for code in (content.number_country, content.country):
        if code in TEMPLATES:
            return TEMPLATES[code]
    return US
