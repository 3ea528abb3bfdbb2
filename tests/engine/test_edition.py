"""The Korean edition (한국어판) is graded as the English one is: same scores, cell by cell, in the same
order (solution full, partial between, untouched 0), with the checks' feedback in Korean.

One assignment (`containers`, every kind of check: engine facts, namespaces, limits, an OOM kill)
in a scratch course with its `ko/` edition, both graded by the real sandboxed pool; `course feedback`
on each; the Korean partial submission graded again by a grader host of the queue.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course import i18n
from course.grading import nbgrader_api, parallel, report, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons
from course.material.build import build_source

ASSIGNMENT = "containers"
lesson = lessons.get(ASSIGNMENT)


def _outputs(root: Path, student: str) -> str:
    """Every output text of a student's autograded notebook."""
    nb = nbformat.read(Layout(root).autograded(student, ASSIGNMENT) / lesson.filename, as_version=4)
    return "\n".join(str(out.get("evalue", "")) + str(out.get("text", "")) + "".join(out.get("traceback", []))
                     for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", []))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, engine) -> tuple[Path, Path]:
    root = make_course(tmp_path_factory.mktemp("edition") / "course", (ASSIGNMENT,))
    build_source(root, "ko")
    korean = Layout(root).edition("ko")
    for name in lessons.names():  # every assignment: the committed ko/release is proven current below
        outcome = nbgrader_api.generate(name, korean)
        assert outcome.ok, outcome.error
    for course in (root, korean):
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, course)
        results = parallel.autograde_all(ASSIGNMENT, list(students.STUDENTS), course, force=True, workers=2)
        assert all(r.ok for r in results), [r.reason for r in results]
    return root, korean


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


@pytest.mark.parametrize("name", lessons.names())
def test_the_committed_korean_release_is_current(graded, name):
    _, korean = graded
    made, committed = Layout(korean).release(name), Layout(Layout().edition("ko")).release(name)
    notebook = lessons.get(name).filename
    assert _cells(made / notebook) == _cells(committed / notebook), (
        "ko/release is out of date: run `course release --lang ko`")


def test_the_korean_edition_is_its_own_course_in_korean(graded):
    root, korean = graded
    assert Layout(korean).language == "ko" and Layout(root).language == "en"
    assert Layout(korean).course_id == Layout(root).course_id + "-ko"
    assert Layout(korean).variant_secret == Layout(root).variant_secret  # one student, one variant
    source = nbformat.read(Layout(korean).source(ASSIGNMENT) / lesson.filename, as_version=4)
    with i18n.using("ko"):
        title = i18n.translator(ASSIGNMENT)(lesson.title)
    assert title != lesson.title and source.cells[0].source.startswith(f"# {title}")


def test_same_scores_cell_by_cell_in_the_same_order(graded):
    root, korean = graded
    english, hangul = report.score_table(root), report.score_table(korean)
    assert english.equals(hangul), f"English:\n{english}\n한국어판:\n{hangul}"
    total = english[("all", "total")]
    assert total["solution"] > total["partial"] > total["untouched"] == 0


def test_feedback_is_in_the_learners_language(graded):
    root, korean = graded
    with i18n.using("ko"):
        try_ko = i18n.translator("common")("What to try:")
    assert try_ko != "What to try:"
    english, hangul = _outputs(root, "partial"), _outputs(korean, "partial")
    assert "What to try:" in english and try_ko not in english
    assert try_ko in hangul and "What to try:" not in hangul


def _pattern(template: str) -> re.Pattern:
    """A catalog's message with each ``{field}`` matching anything: finds the message however it was filled."""
    parts = re.split(r"\{\w+(?:![rs])?(?::[^}]*)?\}", template)
    return re.compile("(.+?)".join(re.escape(part) for part in parts))


def _feedback_text(root: Path, student: str) -> str:
    """The text of `course feedback`'s page for a student, as the learner reads it (tags dropped, unescaped)."""
    page = Layout(root).feedback(student, ASSIGNMENT) / f"{lesson.notebook}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


#: What the partial student gets wrong (a memory limit in bytes where their exercise asks for MiB), as the
#: containers catalog words it.
MEMORY = ("your container's memory limit is {memory} bytes ({mib} MiB); your exercise asks for {want} MiB, "
          "which is {want_bytes} bytes.")


def test_course_feedback_explains_a_wrong_answer_in_each_editions_language(graded):
    """`course feedback` on each edition: the same wrong answer, explained in Korean in the Korean edition's
    feedback page and in English in the English one's, each with that student's own value."""
    from click.testing import CliRunner

    from course.apps.cli import main

    root, korean = graded
    for course in (root, korean):
        result = CliRunner().invoke(main, ["--root", str(course), "feedback", ASSIGNMENT, "--student", "partial"])
        assert result.exit_code == 0, result.output
    with i18n.using("ko"):
        memory_ko = i18n.translator(ASSIGNMENT)(MEMORY)
        try_ko = i18n.translator("common")("What to try:")
    assert memory_ko != MEMORY
    want = str(variants.of("partial", ASSIGNMENT, korean)["memory_mb"])
    english, hangul = _feedback_text(root, "partial"), _feedback_text(korean, "partial")
    found_en, found_ko = _pattern(MEMORY).search(english), _pattern(memory_ko).search(hangul)
    assert found_en and found_ko, (english[-3000:], hangul[-3000:])
    assert want in found_en.groups() and want in found_ko.groups()  # the same student, the same value
    assert not _pattern(memory_ko).search(english) and not _pattern(MEMORY).search(hangul)
    assert try_ko in hangul and "What to try:" not in hangul and "What to try:" in english


def test_the_korean_autograded_notebook_says_whose_values_it_was_graded_against_in_korean(graded):
    root, korean = graded
    with i18n.using("ko"):
        head = i18n.translator("common")("**Graded against the variant of {student}** (derived from the "
                                         "course's secret):")
    for kind in students.STUDENTS:
        nb = {course: nbformat.read(Layout(course).autograded(kind, ASSIGNMENT) / lesson.filename, as_version=4)
              for course in (root, korean)}
        assert nb[korean].cells[0].source.startswith(head.format(student=kind))
        assert nb[root].cells[0].source.startswith(f"**Graded against the variant of {kind}**")
        assert nb[korean].metadata["course_variant"] == nb[root].metadata["course_variant"]


def test_a_grader_host_of_the_queue_grades_the_korean_edition_in_korean(graded, tmp_path):
    """Through the queue (a broker, one `course grade-worker`, no disk shared with the writer): the Korean
    partial submission scores as it did in the local pool, with its feedback in Korean."""
    from course import config
    from course.apps import hosts
    from course.grading import distributed
    from course.services import broker

    _, korean = graded
    before = report.scores(korean)
    before = before[before.student == "partial"].set_index("question")["score"].sort_index()
    shutil.rmtree(Layout(korean).autograded("partial", ASSIGNMENT))  # what the host returns, nothing older
    queue = broker.Broker(port=6397, state=tmp_path / "broker")
    url = broker.start_broker(queue)
    started = None
    try:
        started = hosts.start("edition", url, 1, log=tmp_path / "host.log")
        results = distributed.autograde([ASSIGNMENT], url, ["partial"], korean, force=True, timeout=600)
        assert [r.ok for r in results] == [True], [r.reason for r in results]
        assert results[0].host.startswith("edition@"), results[0].host  # graded there, recorded here
    finally:
        if started is not None:
            started.stop()
        broker.stop_broker(queue)
        shutil.rmtree(config.CACHE / "host" / nbgrader_api.course_tag(korean), ignore_errors=True)
    after = report.scores(korean)
    after = after[after.student == "partial"].set_index("question")["score"].sort_index()
    assert after.equals(before), f"local pool:\n{before}\nqueue:\n{after}"
    with i18n.using("ko"):
        memory_ko = i18n.translator(ASSIGNMENT)(MEMORY)
    assert _pattern(memory_ko).search(_outputs(korean, "partial")), "the host's kernels gave English feedback"
