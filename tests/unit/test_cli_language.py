"""A command speaks its edition's language: `course --lang` (or COURSE_LANG), else the `--root` edition's.

Refused input is still one `Error:` line, in that language, and changes nothing; click's own words
("Error:", usage, help) stay English.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from course import i18n
from course.apps.cli import main
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

_ = i18n.translator("common")


def _run(*args: str, **env: str):
    result = CliRunner().invoke(main, list(args), env=env or None)
    return result, [ln for ln in result.output.splitlines() if ln.strip()]


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


def _korean(message: str) -> str:
    with i18n.using("ko"):
        text = _(message)
    assert text != message, f"no Korean for {message!r}"
    return text


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A scratch English course with its Korean edition inside it (ko/), nothing released."""
    root = make_course(tmp_path_factory.mktemp("languages") / "course")
    make_course(root / "ko", lang="ko")
    return root


def _one_line(result, lines) -> str:
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_an_error_in_korean_with_course_lang_ko(course):
    before = _snapshot(course)
    line = _one_line(*_run("--lang", "ko", "--root", str(course), "autograde", "containers"))
    korean = _korean("{names} is not released in {root}: run `course release {args}` first")
    assert line == "Error: " + korean.format(names="containers", root=course, args="containers")
    assert "run `course release containers` first" not in line
    assert _snapshot(course) == before


def test_the_korean_edition_speaks_korean_by_default_and_english_when_asked(course):
    before = _snapshot(course)
    edition = course / "ko"
    ko = _one_line(*_run("--root", str(edition), "grades"))
    assert ko == "Error: " + _korean("nothing graded yet in {root} (no gradebook.db): run `course autograde` "
                                     "first").format(root=edition)
    en = _one_line(*_run("--root", str(edition), "--lang", "en", "grades"))
    assert en == f"Error: nothing graded yet in {edition} (no gradebook.db): run `course autograde` first"
    assert _one_line(*_run("--root", str(course), "grades")).startswith("Error: nothing graded yet")
    assert _snapshot(course) == before


def test_course_lang_in_the_environment_and_a_stray_locale(course):
    missing = (course / "nowhere").resolve()
    ko = _one_line(*_run("--root", str(missing), "grades", COURSE_LANG="ko_KR.UTF-8"))
    assert ko == "Error: " + _korean(
        "no course directory at {root} (no nbgrader_config.py and source/ there): pass --root with the folder "
        "that holds them, or run from the course's repository").format(root=missing)
    # A locale the course has no catalogs for is nobody's error: the messages stay English.
    en = _one_line(*_run("--root", str(missing), "grades", COURSE_LANG="fr_FR.UTF-8"))
    assert en.startswith(f"Error: no course directory at {missing}")
    assert not missing.exists()


def test_an_unknown_language_is_one_line_and_changes_nothing(course):
    before = _snapshot(course)
    english = "{given}: no language {lang!r}; the course is written in {langs}"
    langs = "en (English), ko (한국어)"
    for args, message, given, lang in (
            (("--lang", "fr", "--root", str(course), "grades"), english, "--lang", "fr"),
            (("--root", str(course), "release", "--lang", "xx"), english, "--lang", "xx"),
            (("i18n", "check", "fr"), english, "LANG", "fr"),
            (("--root", str(course / "ko"), "build-source", "--lang", "de"), _korean(english), "--lang", "de")):  # its root
        line = _one_line(*_run(*args))
        assert line == "Error: " + message.format(given=given, lang=lang, langs=langs), line
    assert _snapshot(course) == before


def test_an_edition_finds_its_course_and_itself(course):
    english, korean = Layout(course), Layout(course / "ko")
    assert korean.language == "ko" and english.language == "en"
    assert english.edition("ko") == korean.root and korean.edition("ko") == korean.root
    assert korean.edition("en") == english.root == korean.english
    assert korean.variant_secret == english.variant_secret  # one secret: the same values in both languages
    assert korean.course_id == english.course_id + "-ko"
    assert set(korean.private()) <= set(english.private())


def test_build_source_of_the_korean_root_writes_korean_into_it(course):
    """`course --root ko build-source` builds that edition (before: English notebooks into ko/source)."""
    english_before = {p: p.read_bytes() for p in sorted(Layout(course).source().rglob("*.ipynb"))}
    result, lines = _run("--root", str(course / "ko"), "build-source")
    assert result.exit_code == 0, result.output
    assert lines[0].startswith(_korean("wrote {path}").format(path="ko/"))
    lesson = lessons.get("containers")
    nb = nbformat.read(Layout(course / "ko").source(lesson.assignment) / lesson.filename, as_version=4)
    with i18n.using("ko"):
        assert nb.cells[0].source.startswith("# " + i18n.translator(lesson.assignment)(lesson.title))
    assert Layout(course / "ko").language == "ko"
    assert {p: p.read_bytes() for p in sorted(Layout(course).source().rglob("*.ipynb"))} == english_before


def test_course_i18n_check_reports_nothing_for_common():
    """The common catalog (these messages, the headings, the generic feedback) is complete and current."""
    result, lines = _run("i18n", "check", "ko")
    assert not [line for line in lines if line.startswith("common:")], result.output
    assert lines[-1].startswith("ko: ") and result.exit_code == (1 if lines[:-1] else 0)  # the summary last
