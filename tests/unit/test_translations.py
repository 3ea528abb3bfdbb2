"""Every text of the course has a current translation in every language's catalog (course/locale)."""

from __future__ import annotations

import shutil

from babel.messages.pofile import read_po, write_po

from course import i18n
from course.material import translations


def test_every_catalog_is_complete_and_current():
    for lang in i18n.LANGS:
        if lang != i18n.DEFAULT:
            found = translations.problems(lang)
            assert not found, f"{len(found)} problem(s); run `course i18n check {lang}`:\n" + "\n".join(found[:20])


def test_a_missing_a_stale_and_a_broken_translation_are_each_reported(tmp_path, monkeypatch):
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE, copy)
    monkeypatch.setattr(i18n, "LOCALE", copy)
    path = i18n.catalog_path("common", "ko")
    with path.open("rb") as f:
        catalog = read_po(f, locale="ko", domain="common")
    catalog["## Questions"].string = ""                                   # untranslated
    catalog["## Key points"].flags.add("fuzzy")                           # stale: its English changed
    catalog["### Exercise {number} ({points}): {title}"].string = "### 연습 문제 {number}: {title}"  # lost {points}
    catalog.add("An English text the course no longer has", "사라진 문장")  # no longer in the course
    with path.open("wb") as f:
        write_po(f, catalog)
    found = "\n".join(translations.problems("ko"))
    assert "'## Questions' is not translated yet" in found
    assert "stale translation of '## Key points'" in found
    assert "placeholders" in found and "{points}" in found
    assert "'An English text the course no longer has' is no longer in the course" in found
