"""Grading a class: parallel equals serial nbgrader, broken submissions are reported, resume works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from course.engine.cleanup import leftovers
from course.grading import ledger, nbgrader_api, parallel, report, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

lesson = lessons.get("containers")

ASSIGNMENT = lesson.assignment
HONEST = ("solution", "partial", "untouched")


def _edit(path: Path, grade_id: str, source: str | None) -> None:
    """Replace (or with None, delete) one cell of a submitted notebook."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            if source is None:
                continue
            cell.source = source
        cells.append(cell)
    nb.cells = cells
    nbformat.write(nb, path)


def _scratch(tmp_path_factory, name: str) -> Path:
    root = make_course(tmp_path_factory.mktemp(name), (ASSIGNMENT,))
    for kind in HONEST:
        students.write_submission(kind, lesson, root)
    return root


@pytest.fixture(scope="module")
def klass(tmp_path_factory, engine):
    """A class of honest and broken submissions, graded once in parallel."""
    root = _scratch(tmp_path_factory, "klass")
    p = students.write_submission("solution", lesson, root, student="dies")
    _edit(p, "ex3-solution", "import os\nos.kill(os.getpid(), 9)")
    p = students.write_submission("solution", lesson, root, student="slow")
    _edit(p, "ex1-solution", "import time\ndocker.containers.run(lab.BASE_IMAGE, 'sleep 300', detach=True)\n"
                             "time.sleep(600)")
    students.write_submission("solution", lesson, root, student="corrupt").write_text("{not json")
    Layout(root).submitted("missing", ASSIGNMENT).mkdir(parents=True)
    p = students.write_submission("solution", lesson, root, student="deleted")
    _edit(p, "ex2-tests", None)
    p = students.write_submission("solution", lesson, root, student="tampered")
    _edit(p, "ex4-tests", "pass")
    _edit(p, "ex4-solution", "def survives(limit_mb, alloc_mb):\n    return True")
    results = parallel.autograde_all(ASSIGNMENT, root=root, workers=2, timeout=45)
    return root, {r.student: r for r in results}


def test_honest_submissions_grade(klass):
    _, results = klass
    for student in (*HONEST, "deleted", "tampered"):
        assert results[student].ok, results[student].reason


def test_dead_kernel_is_reported_never_scored(klass):
    root, results = klass
    assert not results["dies"].ok and "Kernel died" in results["dies"].reason
    assert "dies" not in set(report.scores(root)["student"])  # no grades: neither 0 nor full marks


def test_timeout_kills_and_cleans(klass):
    root, results = klass
    assert not results["slow"].ok and "limit 45 s" in results["slow"].reason
    session = nbgrader_api.submission_session(ASSIGNMENT, "slow", root)
    from course.engine import client

    assert sum(leftovers(client(), session).values()) == 0
    kernels = []
    for proc in psutil.Process().children(recursive=True):
        try:  # zombies of other tests' short-lived children have no command line: not kernels
            if proc.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(proc.cmdline()):
                kernels.append(proc)
        except psutil.NoSuchProcess:
            pass
    assert not kernels


def test_bad_input_is_explained(klass):
    _, results = klass
    assert not results["corrupt"].ok and "JSON" in results["corrupt"].reason
    assert not results["missing"].ok and "no notebook" in results["missing"].reason
    assert "ex2-tests was deleted" in results["deleted"].reason
    assert "ex4-tests was edited" in results["tampered"].reason


def test_tampered_tests_are_restored(klass):
    root, _ = klass
    df = report.scores(root)
    row = df[(df.student == "tampered") & (df.question == "ex4-tests")]
    assert row["score"].iat[0] == 0  # the original test ran against `return True`


def test_ledger_and_resume(klass):
    root, results = klass
    recorded = ledger.load(root)
    assert {s for (_, s) in recorded} == set(results)
    # A rerun grades only what is new or failed.
    students.write_submission("partial", lesson, root, student="late")
    Layout(root).submitted("slow").rename(root / "slow-away")  # too slow to regrade here
    again = {r.student for r in parallel.autograde_all(ASSIGNMENT, root=root, workers=2)}
    assert again == {"late", "dies", "corrupt", "missing"}


def test_parallel_equals_serial_nbgrader(tmp_path_factory, klass, engine):
    """Same submissions, plain serial `nbgrader autograde` vs the pool: every cell the same score."""
    serial = _scratch(tmp_path_factory, "serial")
    pooled = _scratch(tmp_path_factory, "pooled")
    out = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT],
                         cwd=serial, capture_output=True, text=True, timeout=600, check=False,
                         env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert all(r.ok for r in parallel.autograde_all(ASSIGNMENT, root=pooled, workers=2))
    key = ["student", "question"]
    a = report.scores(serial).sort_values(key)[[*key, "score"]].reset_index(drop=True)
    b = report.scores(pooled).sort_values(key)[[*key, "score"]].reset_index(drop=True)
    assert len(a) and a.equals(b)


def test_report_files_and_columns(klass):
    root, _ = klass
    files = report.export(root)
    assert files["histogram"].stat().st_size > 1000
    assert files["nbgrader_csv"].read_text().startswith("assignment,duedate,timestamp,student_id")
    items = report.item_analysis(root)
    assert list(items.columns) == ["assignment", "question", "submissions", "failed", "fail_rate",
                                   "mean_score", "max_score", "top_feedback"]
    assert items["top_feedback"].str.contains("Feedback").any()
    assert report.summary(root).loc[ASSIGNMENT, "could_not_run"] >= 3


def test_feedback_hides_hidden_tests(klass):
    root, _ = klass
    assert nbgrader_api.generate_feedback(ASSIGNMENT, "partial", root).ok
    html = (Layout(root).feedback("partial", ASSIGNMENT) / f"{lesson.notebook}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html and "hidden-box-7" not in html
    want = variants.of("partial", ASSIGNMENT, root)["memory_mb"]  # the partial student's own value
    assert f"asks for {want} MiB, which is {want * 2**20} bytes" in html  # the visible test's explanation is kept


def test_schedule_puts_the_longest_expected_first(tmp_path):
    from course.material import lessons
    short = lessons.get("engine")
    from course.material import lessons
    long = lessons.get("why_docker")

    jobs = [(short.assignment, "a"), (ASSIGNMENT, "b"), (long.assignment, "c"), (short.assignment, "d")]
    assert [s for _, s in parallel.schedule(jobs, tmp_path)] == ["c", "b", "a", "d"]  # the lessons' estimates
    # The course's own history wins over a lesson's estimate.
    ledger.record([ledger.Graded("x", short.assignment, True, "", 99.0),
                   ledger.Graded("y", long.assignment, False, "died", 500.0)], tmp_path)
    expected = parallel.expected_seconds({short.assignment, long.assignment}, tmp_path)
    assert expected[short.assignment] == 99.0
    assert expected[long.assignment] == long.grading_seconds  # failures do not count
    assert [s for _, s in parallel.schedule(jobs, tmp_path)] == ["a", "d", "c", "b"]


def test_one_pool_grades_several_assignments(tmp_path_factory, engine):
    from course.material import lessons
    other = lessons.get("engine")

    root = make_course(tmp_path_factory.mktemp("two"), (ASSIGNMENT, other.assignment))
    for module in (lesson, other):
        for kind in ("solution", "untouched"):
            students.write_submission(kind, module, root)
    results = parallel.autograde([ASSIGNMENT, other.assignment], root=root, workers=2)
    assert [(r.assignment, r.student, r.ok) for r in results] == [
        (a, s, True) for a in sorted((ASSIGNMENT, other.assignment)) for s in ("solution", "untouched")]
    totals = report.scores(root).groupby(["assignment", "student"])["score"].sum()
    for module in (lesson, other):
        assert totals[(module.assignment, "solution")] > 0 and totals[(module.assignment, "untouched")] == 0
    assert not parallel.autograde([ASSIGNMENT, other.assignment], root=root, workers=2)  # resumed: nothing new
    # Students asked for by name: over several assignments only where they submitted; for one, always
    # (so that a missing submission is reported).
    assert parallel._chosen(ASSIGNMENT, ["solution", "nobody"], root, several=True) == ["solution"]
    assert parallel._chosen(ASSIGNMENT, ["nobody"], root, several=False) == ["nobody"]
