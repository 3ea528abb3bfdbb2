"""The course in more than one language: gettext catalogs that translators' tools read.

English is the source: every message of the checks and the commands is written in English inside
``_("...")`` (extracted with Babel), and every text of a lesson is looked up by its English text.
Translations live in ``course/locale/LANG/LC_MESSAGES/DOMAIN.po``: one domain per lesson (its prose
and its checks' feedback, so one translator owns one lesson end to end) and ``common`` for the rest.
``course i18n update`` refreshes them from the sources; :mod:`course.i18n.catalogs` says what is
missing or stale. Reading needs only the standard library's :mod:`gettext` and, for a language other
than English, Babel (which compiles the ``.po`` in memory: no compiled files to keep current).

A kernel's language is ``COURSE_LANG`` (set by the grader from the course directory's edition, and by
the lab from the learner's choice); a command's is the edition it works on.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import os
from collections.abc import Iterator
from pathlib import Path

#: Where the catalogs live: ``LANG/LC_MESSAGES/DOMAIN.po`` and the templates ``DOMAIN.pot``.
LOCALE = Path(__file__).resolve().parent.parent / "locale"
#: The languages the course is written in, the source language first.
LANGS = {"en": "English", "ko": "한국어"}
DEFAULT = "en"
ENV = "COURSE_LANG"

_chosen: list[str] = []                       # languages chosen by :func:`using`, innermost last
_recorders: list[list[tuple[str, str]]] = []  # lookups seen by :func:`recording`


class UnknownLanguage(ValueError):
    """A language the course is not written in; the message lists those it is."""


def checked(lang: str) -> str:
    """``lang`` if the course has it ("ko", also "ko_KR.UTF-8"), else :class:`UnknownLanguage`."""
    short = lang.split(".")[0].split("_")[0].split("-")[0].lower()
    if short not in LANGS:
        raise UnknownLanguage(f"no language {lang!r}; the course is written in "
                              + ", ".join(f"{k} ({v})" for k, v in LANGS.items()))
    return short


def language() -> str:
    """The language messages are written in now: the innermost :func:`using`, else ``COURSE_LANG``."""
    if _chosen:
        return _chosen[-1]
    try:
        return checked(os.environ.get(ENV) or DEFAULT)
    except UnknownLanguage:
        return DEFAULT  # a stray value must not break a learner's feedback


@contextlib.contextmanager
def using(lang: str) -> Iterator[str]:
    """Write messages in ``lang`` inside the block (building an edition, testing a translation)."""
    _chosen.append(checked(lang))
    try:
        yield _chosen[-1]
    finally:
        _chosen.pop()


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, str]]]:
    """Every (domain, message) looked up inside the block: the lessons' texts, for the templates."""
    seen: list[tuple[str, str]] = []
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


def catalog_path(domain: str, lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def _translations(domain: str, lang: str) -> gettext.NullTranslations:
    path = catalog_path(domain, lang)
    if not path.exists():
        return gettext.NullTranslations()
    from babel.messages import mofile, pofile  # only for a language other than English

    with path.open("rb") as source:
        catalog = pofile.read_po(source, locale=lang, domain=domain)
    for message in list(catalog):  # untranslated: left out, so the English shows (with English plural rules)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.id and not all(forms):
            catalog.delete(message.id, message.context)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog)  # fuzzy (stale) entries are left out too
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Translator:
    """``_(message)`` for one domain, in the language of the moment (English: the message itself)."""

    def __init__(self, domain: str):
        self.domain = domain

    def _seen(self, *messages: str) -> None:
        for seen in _recorders:
            seen.extend((self.domain, m) for m in messages)

    def __call__(self, message: str) -> str:
        self._seen(message)
        lang = language()
        return message if lang == DEFAULT or not message else _translations(self.domain, lang).gettext(message)

    def plural(self, singular: str, plural: str, n: float) -> str:
        """The form for ``n`` (English: singular for 1); Korean has one form."""
        self._seen(singular)
        lang = language()
        if lang == DEFAULT:
            return singular if n == 1 else plural
        return _translations(self.domain, lang).ngettext(singular, plural, int(n))


def translator(domain: str) -> Translator:
    """The ``_`` of a module whose messages belong to ``domain`` (a lesson's name, or ``common``)."""
    return Translator(domain)


def N_(message: str) -> str:  # gettext's name: mark now, translate where shown
    """Mark ``message`` for the catalog where it is defined; it is translated where it is shown."""
    return message
