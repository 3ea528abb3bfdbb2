"""Answers written apart from the reference, graded as real submissions by the sandboxed pool.

Every graded exercise has, in ``answers/<assignment>.py``, at least one other correct way
(it must get full marks) and one plausible mistake (0, and feedback that names the mistake).
``-k <assignment>`` grades only that assignment's answers.
"""

from __future__ import annotations

import re
from functools import cache

import answers as harness
import nbformat
import pytest

from course.grading import parallel, report, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons
from course.material.variants import render

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

LESSONS = {lesson.assignment: lesson for lesson in lessons.ordered()}


def _cases() -> list:
    out = []
    for assignment in LESSONS:
        mod = harness.module(assignment)
        for answer in (mod.ANSWERS if mod else []):
            kind = "ok" if answer.correct else "mistake"
            out.append(pytest.param(assignment, answer, id=f"{assignment}-ex{answer.exercise}-{kind}-{answer.why}"))
    return out


CASES = _cases()


def _student(assignment: str, index: int) -> str:
    return f"answers-{assignment}-{index}"


@cache
def _groups(assignment: str) -> list[list[harness.Answer]]:
    mod = harness.module(assignment)
    return harness.pack(list(mod.ANSWERS), getattr(mod, "DEPENDS", {}))


def _copy_pair(assignment: str, root) -> tuple[str, str]:
    """A student who submits another's full solution, and that other: the first whose values differ from
    the copier's in every varied value (the course's secret is random, so a pair is looked for)."""
    copier = f"copier-{assignment}"
    mine = variants.of(copier, assignment, root)
    return copier, next(donor for n in range(1000) if (donor := f"donor-{assignment}-{n}")
                        and all(v != mine[k] for k, v in variants.of(donor, assignment, root).items()))


def _where(assignment: str, answer: harness.Answer) -> str:
    return next(_student(assignment, i) for i, g in enumerate(_groups(assignment)) if answer in g)


GRADED_BY_THE_FIXTURE = ("test_answer_graded_as_it_deserves", "test_a_copied_solution_fails_what_varies")


@pytest.fixture(scope="module")
def graded(request, engine, tmp_path_factory):
    """The course directory where the selected assignments' answers were submitted and graded."""
    chosen = sorted({item.callspec.params["assignment"] for item in request.session.items
                     if getattr(item, "originalname", "") in GRADED_BY_THE_FIXTURE})
    root = make_course(tmp_path_factory.mktemp("answers"), tuple(chosen))
    layout = Layout(root)
    for assignment in chosen:
        lesson = LESSONS[assignment]
        release = nbformat.read(layout.release(assignment) / lesson.filename, as_version=4)
        for index, group in enumerate(_groups(assignment)):
            # Each answer is written, as a learner would, with the literal values of its student's variant.
            student = _student(assignment, index)
            values = variants.of(student, assignment, root)
            cells = students.answers_for("solution", lesson, values)
            for answer in group:
                cells.update({gid: render(text, values) for gid, text in answer.cells.items()})
            folder = layout.submitted(student, assignment)
            folder.mkdir(parents=True)
            nbformat.write(students.fill(release, cells), folder / lesson.filename)
        if lesson.params:
            copier, donor = _copy_pair(assignment, root)
            cells = students.answers_for("solution", lesson, variants.of(donor, assignment, root))
            folder = layout.submitted(copier, assignment)
            folder.mkdir(parents=True)
            nbformat.write(students.fill(release, cells), folder / lesson.filename)
    results = parallel.autograde(chosen, None, root, force=True)
    return root, {(r.assignment, r.student): r for r in results}


def _feedback(root, assignment: str, student: str, exercise: int) -> str:
    """What the learner reads under the exercise's test cell: its error and anything it printed."""
    path = Layout(root).autograded(student, assignment) / LESSONS[assignment].filename
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"ex{exercise}-tests")
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream":
            parts.append(out.text)
    return "\n".join(parts)


@pytest.mark.parametrize(("assignment", "answer"), CASES)
def test_answer_graded_as_it_deserves(assignment, answer, graded):
    root, results = graded
    student = _where(assignment, answer)
    result = results[(assignment, student)]
    assert result.ok, f"the submission holding {answer.why!r} was not graded: {result.reason}"
    df = report.scores(root)
    row = df[(df.assignment == assignment) & (df.student == student) & (df.question == f"ex{answer.exercise}-tests")]
    assert len(row) == 1, f"no score for ex{answer.exercise} of {student}"
    score, best = float(row.score.iat[0]), float(row.max_score.iat[0])
    feedback = _feedback(root, assignment, student, answer.exercise)
    if answer.correct:
        assert score == best, f"a correct answer ({answer.why}) got {score}/{best}; the learner read:\n{feedback}"
    else:
        assert score == 0, f"a mistake ({answer.why}) got {score}/{best}"
        assert re.search(answer.feedback, feedback, re.DOTALL), (
            f"the feedback for {answer.why!r} does not name it (wanted /{answer.feedback}/):\n{feedback}")


VARIED = [a for a, lesson in LESSONS.items() if lesson.params]


@pytest.mark.parametrize("assignment", VARIED)
def test_a_copied_solution_fails_what_varies(assignment, graded):
    """Another student's full solution, submitted as one's own, fails every exercise whose values vary, with
    feedback in the copier's own values (never the donor's), and passes the others."""
    root, results = graded
    copier, donor = _copy_pair(assignment, root)
    assert results[(assignment, copier)].ok, results[(assignment, copier)].reason
    df = report.scores(root)
    theirs, mine = variants.of(donor, assignment, root), variants.of(copier, assignment, root)
    for number, exercise in enumerate(LESSONS[assignment].exercises, 1):
        row = df[(df.assignment == assignment) & (df.student == copier) & (df.question == f"ex{number}-tests")]
        score, best = float(row.score.iat[0]), float(row.max_score.iat[0])
        feedback = _feedback(root, assignment, copier, number)
        if not exercise.params:
            assert score == best, f"ex{number} varies nothing, yet the copy got {score}/{best}:\n{feedback}"
            continue
        assert score == 0, f"ex{number}: a copied solution got {score}/{best}"
        pattern = harness.module(assignment).COPIED[number]
        assert re.search(pattern, feedback, re.DOTALL), f"ex{number}: feedback does not explain (/{pattern}/):\n{feedback}"
        for p in exercise.params:
            assert str(mine[p.name]) in feedback, f"ex{number}: the feedback does not give the copier's {p.name}"
            assert f"asks for {theirs[p.name]}" not in feedback, f"ex{number}: the feedback shows the donor's {p.name}"


@pytest.mark.parametrize("assignment", list(LESSONS))
def test_every_exercise_has_another_answer_and_a_mistake(assignment):
    mod = harness.module(assignment)
    given = mod.ANSWERS if mod else []
    for number, _ in enumerate(LESSONS[assignment].exercises, 1):
        kinds = {a.correct for a in given if a.exercise == number}
        assert kinds == {True, False}, (
            f"{assignment} ex{number}: answers/{assignment}.py needs another correct answer and a mistake "
            f"(has: {sorted('correct' if k else 'mistake' for k in kinds) or 'none'})")


def test_every_answer_writes_cells_the_notebook_has():
    """Every cell an answer writes is in the released notebook (else the answer would write nothing)."""
    for assignment, lesson in LESSONS.items():
        mod = harness.module(assignment)
        if not mod:
            continue
        nb = nbformat.read(Layout().release(assignment) / lesson.filename, as_version=4)
        ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        for answer in mod.ANSWERS:
            missing = set(answer.cells) - ids
            assert not missing, f"{assignment} {answer.why}: no cell {sorted(missing)} in the released notebook"
