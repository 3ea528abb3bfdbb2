"""Every catalog of every language is complete and current: no text without its translation, none stale
(its English changed), none whose placeholders differ from the English's, none left over.

One test per (language, domain), so a failure names the catalog and its translator; `course i18n
check LANG` lists the same lines. The check is shown to find each kind of problem it is there for.
"""

from __future__ import annotations

import shutil

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from course import i18n
from course.apps.cli import main
from course.material import translations

LANGS = [lang for lang in i18n.LANGS if lang != i18n.DEFAULT]


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    """Each language's problems, as `course i18n check` reports them."""
    return {lang: translations.problems(lang) for lang in LANGS}


@pytest.mark.parametrize("domain", translations.domains())
@pytest.mark.parametrize("lang", LANGS)
def test_the_catalog_is_complete_and_current(found, lang, domain):
    mine = [line for line in found[lang] if line.startswith(f"{domain}: ")]
    assert not mine, (f"{i18n.catalog_path(domain, lang).name} ({lang}) has {len(mine)} problem(s): run "
                      f"`course i18n update {domain}`, translate, then `course i18n check {lang}`:\n"
                      + "\n".join(mine))


def test_course_i18n_check_reports_nothing_for_common():
    result = CliRunner().invoke(main, ["i18n", "check", "ko"])
    lines = result.output.splitlines()
    assert not [line for line in lines if line.startswith("common:")], result.output
    assert result.exit_code == (1 if lines[:-1] else 0) and lines[-1].startswith("ko: ")  # the summary last


def _edit(path, change) -> None:
    with path.open("rb") as source:
        catalog = read_po(source, locale="ko", domain="common")
    change(catalog)
    with path.open("wb") as out:
        write_po(out, catalog, width=100)


def test_the_check_finds_missing_stale_broken_and_left_over_translations(tmp_path, monkeypatch, request):
    """On a copy of the catalogs: each kind of damage is reported, by name, in the catalog it is in."""
    request.addfinalizer(i18n._translations.cache_clear)  # nothing read from the damaged copy outlives the test
    shutil.copytree(i18n.LOCALE, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE", tmp_path / "locale")
    path = i18n.catalog_path("common", "ko")
    assert path.is_relative_to(tmp_path) and not [p for p in translations.problems("ko") if p.startswith("common:")]

    def damage(catalog) -> None:
        catalog.delete("## Key points")                              # missing
        catalog["## Objectives"].flags.add("fuzzy")                  # stale: its English changed
        catalog["By the end of this notebook you can:"].string = ""  # not translated yet
        catalog["engine ready at {url}"].string = "도커 엔진 준비 완료: {주소}"  # a placeholder renamed
        catalog.add("a text the course no longer has", "강좌에 더는 없는 문장")  # left over

    _edit(path, damage)
    common = [p for p in translations.problems("ko") if p.startswith("common:")]
    assert any("no translation of '## Key points'" in p for p in common), common
    assert any("stale translation of '## Objectives'" in p for p in common), common
    assert any("'By the end of this notebook you can:' is not translated yet" in p for p in common), common
    assert any("'engine ready at {url}'" in p and "placeholders" in p for p in common), common
    assert any("'a text the course no longer has' is no longer in the course" in p for p in common), common
    assert len(common) == 5, common
