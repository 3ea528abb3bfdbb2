"""The catalogs' upkeep: templates from the sources, translations updated, what is missing or stale.

A domain's template is what Babel extracts from the Python files the domain owns (``_("...")``,
``_n(singular, plural, n)``, ``N_("...")``) plus, for a lesson, every text its notebook looks up
while it is built (recorded, so the template is exactly what the lesson shows). ``update`` merges the
templates into each language's ``.po`` the way ``pybabel update`` does: a changed English text
becomes a *fuzzy* entry (kept, with its old translation, for the translator to revise), a removed one
obsolete (``#~``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from course import config, i18n
from course.i18n import LOCALE
from course.material import lessons

KEYWORDS = {"_": None, "_n": (1, 2), "N_": None}
COMMON = "common"
_STAMP = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)  # a fixed creation date: updates churn no header
_FIELD = re.compile(r"\{\{?\s*[\w.!:]*\s*\}?\}")


def domains() -> list[str]:
    """``common`` and one domain per lesson, in course order."""
    return [COMMON, *lessons.names()]


def _sources(domain: str) -> list[Path]:
    """The Python files whose ``_()`` messages belong to ``domain``."""
    package = config.ROOT / "course"
    owned = {f"checks/{lesson.checks}.py": lesson.assignment for lesson in lessons.ordered()}
    if domain != COMMON:
        return [package / path for path, owner in owned.items() if owner == domain]
    return sorted(p for p in package.rglob("*.py")
                  if str(p.relative_to(package)) not in owned and "material/lessons" not in str(p)
                  and "i18n" not in p.parts)


def template(domain: str) -> Catalog:
    """What ``domain`` has to say, in English, with where each message comes from."""
    out = Catalog(domain=domain, locale=None, project="vmdocker-course", version="1",
                  creation_date=_STAMP, revision_date=_STAMP, fuzzy=False,
                  msgid_bugs_address="instructor@localhost")
    for path in _sources(domain):
        where = str(path.relative_to(config.ROOT))
        for lineno, message, comments, _context in extract_from_file(
                "python", path, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True):
            out.add(message, locations=[(where, lineno)], auto_comments=comments,
                    flags=("python-brace-format",) if isinstance(message, str) and "{" in message else ())
    if domain != COMMON:
        lesson = lessons.get(domain)
        with i18n.using(i18n.DEFAULT), i18n.recording() as seen:
            lesson.cells()
        where = f"course/material/lessons/{domain}.py"
        for owner, message in seen:
            if owner == domain and message and message not in out:
                out.add(message, locations=[(where, 0)])
    return out


def _read(path: Path, lang: str, domain: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=lang, domain=domain)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=False, include_previous=True)


def update(langs: list[str] | None = None, only: list[str] | None = None) -> list[Path]:
    """Write each domain's template (or ``only`` those) and merge it into every language's catalog
    (``pybabel update``)."""
    unknown = sorted(set(only or ()) - set(domains()))
    if unknown:
        raise ValueError(f"no domain {', '.join(unknown)}; the catalogs are {', '.join(domains())}")
    written = []
    for domain in only or domains():
        tmpl = template(domain)
        _write(LOCALE / f"{domain}.pot", tmpl)
        written.append(LOCALE / f"{domain}.pot")
        for lang in langs or [lang for lang in i18n.LANGS if lang != i18n.DEFAULT]:
            path = i18n.catalog_path(domain, lang)
            catalog = _read(path, lang, domain) if path.exists() else Catalog(
                locale=lang, domain=domain, project="vmdocker-course", version="1",
                creation_date=_STAMP, revision_date=_STAMP, fuzzy=False)
            catalog.update(tmpl, update_header_comment=False)
            _write(path, catalog)
            written.append(path)
    return written


def fields(text: str) -> set[str]:
    """The placeholders of a message (``{name}``, ``{{name}}``), which a translation must keep."""
    return set(_FIELD.findall(text))


def problems(lang: str) -> list[str]:
    """Why ``lang``'s catalogs are not complete and current, one line a message; empty when they are."""
    found = []
    for domain in domains():
        path = i18n.catalog_path(domain, lang)
        if not path.exists():
            found.append(f"{domain}: no catalog {path.relative_to(config.ROOT)}; run `course i18n update`")
            continue
        catalog, wanted = _read(path, lang, domain), template(domain)
        for message in wanted:
            if not message.id:
                continue
            text = message.id if isinstance(message.id, str) else message.id[0]
            short = text.strip().splitlines()[0][:70]
            have = catalog.get(message.id)
            if have is None:
                found.append(f"{domain}: no translation of {short!r} (new or changed English; "
                             "run `course i18n update` and translate it)")
            elif have.fuzzy:
                found.append(f"{domain}: stale translation of {short!r} (its English changed; revise it)")
            elif not (have.string if isinstance(have.string, str) else all(have.string)):
                found.append(f"{domain}: {short!r} is not translated yet")
            else:
                strings = [have.string] if isinstance(have.string, str) else list(have.string)
                for string in strings:
                    if fields(string) != fields(text):
                        found.append(f"{domain}: the translation of {short!r} has placeholders "
                                     f"{sorted(fields(string))}, the English {sorted(fields(text))}")
        for message in catalog:
            if message.id and message.id not in wanted:
                text = message.id if isinstance(message.id, str) else message.id[0]
                found.append(f"{domain}: {text.strip().splitlines()[0][:70]!r} is no longer in the course "
                             "(run `course i18n update`)")
    return found
