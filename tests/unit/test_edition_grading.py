"""Grading in the learner's language: the grader hands a kernel its edition's language, writes its note in it,
and a grader host of the queue, which shares no disk with the instructor, learns it from the task."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from course import config, i18n
from course.grading import distributed, host, students, variants
from course.grading.scratch import make_course
from course.lab import variant
from course.layout import Layout
from course.material import lessons

LESSON = lessons.get("containers")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A scratch English course, its Korean edition inside it, the partial student's submission in each."""
    root = make_course(tmp_path_factory.mktemp("graded-in") / "course")
    make_course(root / "ko", lang="ko")
    for where in (root, root / "ko"):
        students.write_submission("partial", LESSON, where)
    return root


def _record(root: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv(variant.ENV, "")  # the preprocessor sets both: monkeypatch restores them after
    monkeypatch.setenv(i18n.ENV, "")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hello")])
    nb, _ = variants.RecordVariant(course_root=str(root)).preprocess(
        nb, {"nbgrader": {"student": "partial", "assignment": LESSON.assignment}})
    return nb


def test_the_korean_edition_is_graded_in_korean_with_the_same_values(course, monkeypatch):
    mine = variants.of("partial", LESSON.assignment, course)
    english = _record(course, monkeypatch)
    assert os.environ[i18n.ENV] == "en"
    assert english.cells[0].source.startswith("**Graded against the variant of partial**")
    korean = _record(course / "ko", monkeypatch)
    assert os.environ[i18n.ENV] == "ko"  # the kernel Execute starts next inherits it: feedback in Korean
    assert json.loads(os.environ[variant.ENV])["values"] == {LESSON.assignment: mine}  # one secret, one variant
    with i18n.using("ko"):
        head = i18n.translator("common")("**Graded against the variant of {student}** (derived from the "
                                         "course's secret):").format(student="partial")
        meaning = i18n.translator(LESSON.assignment)(LESSON.params[0].meaning)
    assert head != "**Graded against the variant of partial** (derived from the course's secret):"
    assert meaning != LESSON.params[0].meaning
    note = korean.cells[0].source
    assert note.startswith(head) and f"| {meaning} | `{LESSON.params[0].name}` |" in note
    assert korean.metadata["course_variant"] == english.metadata["course_variant"]


def test_a_task_carries_its_editions_language_and_is_graded_in_it(course, tmp_path, monkeypatch):
    english = distributed.payload(LESSON.assignment, "partial", course, 60)
    korean = distributed.payload(LESSON.assignment, "partial", course / "ko", 60)
    assert (english["lang"], korean["lang"]) == ("en", "ko")
    assert korean["variant"] == english["variant"]
    assert distributed.task_id(korean) != distributed.task_id({**korean, "lang": "en"})
    monkeypatch.setattr(config, "CACHE", tmp_path)  # the host's own cache
    there = host.Host().course(korean)
    assert there == tmp_path / "host" / korean["course"] and Layout(there).language == "ko"
    assert host.Host().course(english) != there and Layout(host.Host().course(english)).language == "en"
    host.set_language(there, "en")  # a course directory's language follows its tasks
    assert Layout(there).language == "en" and not Layout(there).language_file.exists()
    with pytest.raises(i18n.UnknownLanguage):
        host.set_language(there, "fr")
