"""The Korean edition as a course directory of its own: built from the same lessons, in Korean."""

from __future__ import annotations

import nbformat

from course import i18n
from course.grading.settings import course_config
from course.layout import Layout
from course.material import lessons
from course.material.build import build_source


def test_build_source_writes_the_korean_edition(tmp_path):
    (tmp_path / "source").mkdir()
    written = build_source(tmp_path, "ko")
    edition = tmp_path / "ko"
    assert (edition / "LANGUAGE").read_text().strip() == "ko" and (edition / "nbgrader_config.py").exists()
    assert not (tmp_path / "source" / "vms").exists(), "the English source is not the Korean build's to write"
    layout = Layout(edition)
    assert layout.language == "ko" and Layout(tmp_path).language == "en"
    assert layout.course_id.endswith("-ko") and layout.course_id != Layout(tmp_path).course_id
    assert layout.variant_secret == Layout(tmp_path).variant_secret
    assert course_config(edition).CourseDirectory.course_id == layout.course_id
    assert layout.source() in Layout(tmp_path).private()  # the edition's solutions stay private too
    for lesson in lessons.ordered():
        path = layout.source(lesson.assignment) / lesson.filename
        assert path in written
        nb = nbformat.read(path, as_version=4)
        with i18n.using("ko"):
            assert nb.cells[0].source.startswith("# " + i18n.translator(lesson.assignment)(lesson.title))
        english = lesson.cells()
        assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == \
               [c.metadata.get("nbgrader", {}).get("grade_id") for c in english]
        # Code is code: the same solutions and tests in both editions (only the values cell's labels differ).
        for ko_cell, en_cell in zip(nb.cells, english, strict=True):
            if en_cell.cell_type == "code" and not en_cell.metadata.get("nbgrader", {}).get(
                    "grade_id", "").endswith("-values"):
                assert ko_cell.source == en_cell.source
    index = nbformat.read(layout.release() / "index.ipynb", as_version=4)
    assert index.cells


def test_the_english_build_is_unchanged_by_the_editions(tmp_path):
    (tmp_path / "source").mkdir()
    build_source(tmp_path)
    assert Layout(tmp_path).language == "en" and not (tmp_path / "ko").exists()


def test_the_committed_korean_source_is_current(tmp_path):
    (tmp_path / "source").mkdir()
    build_source(tmp_path, "ko")
    for lesson in lessons.ordered():
        made = nbformat.read(Layout(tmp_path / "ko").source(lesson.assignment) / lesson.filename, as_version=4)
        committed = nbformat.read(Layout(Layout().edition("ko")).source(lesson.assignment) / lesson.filename,
                                  as_version=4)
        assert [(c.cell_type, c.source) for c in made.cells] == [(c.cell_type, c.source) for c in committed.cells], (
            "ko/source is out of date with the lessons or the Korean catalogs: run `course release --lang ko`")
