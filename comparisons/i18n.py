"""The languages of the report, the notebooks and ``rosetta run``'s messages: gettext catalogs.

Every text a person reads is an English msgid; its Simplified Chinese translation lives
in ``comparisons/locale/zh/LC_MESSAGES/messages.po`` and is compiled into
``messages.mo`` beside it (shipped as package data). Python code marks strings with
``_()`` (translated at once, through a :class:`Language`) or :func:`N_` (a no-op
marker for data strings, such as a concept's summary, translated when a page is
rendered); templates use Jinja2's i18n extension (``{% trans %}``, ``_()``). Babel
extracts all of them (``babel.cfg``)::

    pybabel extract -F babel.cfg -o comparisons/locale/messages.pot --no-location --sort-output -w 120 .
    pybabel update -i comparisons/locale/messages.pot -d comparisons/locale -D messages --no-fuzzy-matching -w 120
    pybabel compile -d comparisons/locale -D messages

A :class:`Language` is passed to every function that writes text; there is no current
language held in a module global.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = {"en": "en", "zh": "zh-Hans"}
"""``--lang`` value -> the BCP 47 tag of the pages (``<html lang>``)."""


def N_(message: str) -> str:
    """Mark a data string for extraction without translating it (it is translated where it is shown)."""
    return message


@dataclass(frozen=True)
class Language:
    """One language: its ``--lang`` code, its HTML tag and its compiled catalog."""

    code: str
    tag: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """The translation of ``message``; the message itself when it has none (or is empty)."""
        return self.translations.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    _ = gettext


class UnknownLanguage(ValueError):
    """A ``--lang`` that has no catalog."""


@functools.lru_cache(maxsize=None)
def language(code: str = DEFAULT) -> Language:
    """The :class:`Language` of a ``--lang`` code.

    English is the msgids themselves. Any other language needs its compiled catalog;
    a missing ``.mo`` is an error, never a silent fallback to English.

    Raises
    ------
    UnknownLanguage
        For a code that is not in :data:`LANGUAGES`, or whose catalog is missing.
    """
    if code not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {code!r}; languages: {', '.join(LANGUAGES)}")
    if code == DEFAULT:
        return Language(code, LANGUAGES[code], gettext.NullTranslations())
    try:
        translations = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])
    except OSError as error:
        raise UnknownLanguage(f"the {code!r} catalog is missing ({error}); run pybabel compile -d comparisons/locale") from None
    return Language(code, LANGUAGES[code], translations)
