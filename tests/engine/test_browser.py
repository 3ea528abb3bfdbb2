"""The student's and the instructor's experience in a real browser (Debian's Chromium, Playwright).

A student runs the `containers` notebook in JupyterLab on the real engine, answers an
exercise, and presses nbgrader's *Validate*; an instructor opens the formgrader on a
graded class. Every wait is on a JupyterLab DOM state, never a sleep. Screenshots go to
``test-artifacts/``. The servers are stopped by their recorded pids, their kernels shut
down, and the engine objects the notebooks made are checked gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from course import config
from course.apps import labserver
from course.engine import client, remove_labelled
from course.engine.cleanup import leftovers
from course.grading import parallel, students
from course.grading.scratch import make_course
from course.grading.settings import course_config
from course.lab import figures
from course.layout import Layout
from course.material import lessons
from course.system import browser

lesson = lessons.get("containers")

pytestmark = pytest.mark.browser

ARTIFACTS = config.ROOT / "test-artifacts"
NOTEBOOK = f"{lesson.assignment}/{lesson.notebook}.ipynb"
#: Generous ceilings for single UI steps: the machine may be busy (2 shared cores).
STEP = 60_000
RUN = 180_000  # a whole notebook on the real engine, or nbgrader validating it

#: What the student types into exercise 1: first a mistake (a Go version that is not the engine's
#: format), then the answer. One line each, as a student may write it.
WRONG = 'def engine_facts(api): return {"version": api.version()["Version"], "go_version": "1.19", "runtime": "runc"}'
RIGHT = ('def engine_facts(api): return {"version": api.version()["Version"], '
         '"go_version": api.version()["GoVersion"], "runtime": api.info()["DefaultRuntime"]}')

#: The id of nbgrader's Create Assignment side panel (sic).
CREATE_ASSIGNMENT = "nbgrader-create_assignemnt"

PROBE_CELLS = [
    "from tqdm.auto import tqdm\n\nfor _ in tqdm(range(3), desc='probe'):\n    pass",
    "import matplotlib.pyplot as plt\n\nplt.plot([0, 1, 2, 3], [0, 1, 4, 9])\nplt.title('probe plot')\nplt.show()",
]


# ----------------------------------------------------------------------------- helpers


def shot(page, name: str) -> Path:
    """Save a screenshot as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path))
    return path


def open_lab(page, server: labserver.LabServer, path: str = "lab") -> None:
    """Load JupyterLab on a fresh layout (each test starts from a clean workspace) and wait for it."""
    page.goto(server.page(f"{path}?reset"))
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=STEP)
    page.evaluate("() => window.jupyterapp.restored")
    page.locator("#jp-main-dock-panel").wait_for(timeout=STEP)


def notebook(page):
    """The notebook panel in front."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def wait_kernel_idle(page) -> None:
    """The open notebook has a started Python kernel that is idle."""
    panel = notebook(page)
    panel.locator('[data-jp-item-name="kernelName"]', has_text="Python 3").wait_for(timeout=STEP)
    panel.locator('[data-jp-item-name="executionProgress"] [data-status="idle"]').wait_for(timeout=STEP)


def code_cell(page, text: str):
    """The code cell whose source contains ``text``."""
    return notebook(page).locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=text))


def run_all(page) -> None:
    """Run > Run All Cells, from the menu bar as a student does."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
                 ).click()


def wait_settled(page) -> None:
    """No cell is queued or running any more, and the kernel is idle."""
    page.wait_for_function(
        """() => ![...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')]
                   .some(p => p.textContent.includes('*'))""", timeout=RUN)
    wait_kernel_idle(page)


def executed(cell) -> None:
    """Wait until ``cell`` shows an execution count."""
    from playwright.sync_api import expect

    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=RUN)


def type_answer(page, cell, text: str) -> None:
    """Click into the cell's editor, select its text and type ``text`` over it."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.keyboard.press("Escape")  # back to command mode, as after editing


def validate(page):
    """Press nbgrader's Validate in the notebook toolbar; the result dialog's message."""
    notebook(page).locator("jp-button.validate-button").click()
    message = page.locator(".jp-Dialog #validation-message")
    message.wait_for(timeout=RUN)
    return message


def center(locator) -> None:
    """Scroll ``locator`` to the middle of its scroll area, for a screenshot that shows it."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")


def close_dialog(page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached", timeout=STEP)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Debian's Chromium under Playwright (installed with apt on demand)."""
    with browser.chromium() as b:
        yield b


@pytest.fixture
def page(chromium, request):
    """A fresh browser page; its last state is saved as a screenshot whatever happens."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(STEP)
    yield pg
    try:
        shot(pg, f"{request.node.name}-final")
    finally:
        context.close()


def student_workspace(tmp: Path) -> Path:
    """A student's copy of the release with exercises 2-4 already answered (exercise 1 is typed in
    the browser) and a probe notebook with a progress bar and a plot."""
    ws = tmp / "student"
    shutil.copytree(Layout().release(lesson.assignment), ws / lesson.assignment)
    source = nbformat.read(Layout().source(lesson.assignment) / lesson.filename, as_version=4)
    answers = {gid: text for gid, text in students.reference_answers(source).items() if gid != "ex1-solution"}
    nbformat.write(students.fill(nbformat.read(ws / NOTEBOOK, as_version=4), answers), ws / NOTEBOOK)
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in PROBE_CELLS])
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(probe, ws / "probe.ipynb")
    diagrams = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"from course.lab import figures\n\nfigures.{name}();")
                                               for name in figures.DIAGRAMS])
    diagrams.metadata["kernelspec"] = probe.metadata["kernelspec"]
    nbformat.write(diagrams, ws / "diagrams.ipynb")
    return ws


@contextlib.contextmanager
def student_server(session: str, **options) -> Iterator[labserver.LabServer]:
    """JupyterLab in student mode for a fixture to yield (``options`` go to ``labserver.start``);
    afterwards: stopped by pid, kernels gone, the engine ``session`` its kernels used empty."""
    server = labserver.start("student", expose_app=True, session=session, **options)
    try:
        yield server
    finally:
        server.stop()
    assert not server.alive(), "the lab server or its kernels still run"
    left = leftovers(client(), session)
    remove_labelled(client(), session)
    assert not sum(left.values()), f"the student's kernels left engine objects: {dict(left)}"


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory, engine) -> Iterator[labserver.LabServer]:
    """JupyterLab in student mode on a prepared workspace (see ``student_server``)."""
    tmp = tmp_path_factory.mktemp("student-lab")
    with student_server(f"browser-student-{os.getpid()}", workspace=student_workspace(tmp),
                        state=tmp / "state") as server:
        yield server


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory, engine) -> Path:
    """A scratch course directory with the three simulated students autograded."""
    root = make_course(tmp_path_factory.mktemp("instructor-course"), (lesson.assignment,))
    for kind in students.STUDENTS:
        students.write_submission(kind, lesson, root)
    results = parallel.autograde_all(lesson.assignment, list(students.STUDENTS), root, force=True, workers=2)
    assert all(r.ok for r in results), [r.reason for r in results]
    return root


@pytest.fixture(scope="module")
def instructor_lab(graded_course, tmp_path_factory) -> Iterator[labserver.LabServer]:
    """JupyterLab in instructor mode on the graded scratch course."""
    server = labserver.start("instructor", course_root=graded_course,
                             state=tmp_path_factory.mktemp("instructor-lab"), expose_app=True)
    try:
        yield server
    finally:
        server.stop()
    assert not server.alive(), "the lab server or its kernels still run"


# ----------------------------------------------------------------------------- scenario A: the student


def test_student_runs_answers_and_validates(page, student_lab):
    from playwright.sync_api import expect

    open_lab(page, student_lab)
    # The file browser, as a student finds the assignment.
    page.locator(".jp-DirListing-item", has_text=lesson.assignment).dblclick()
    page.locator(".jp-DirListing-item", has_text=f"{lesson.notebook}.ipynb").dblclick()
    wait_kernel_idle(page)
    expect(notebook(page).locator("jp-button.validate-button")).to_be_visible()

    answer = code_cell(page, "def engine_facts(api):")
    tests = code_cell(page, "check.engine_facts(engine_facts, docker)")
    # 1. A wrong answer: running stops at the exercise's test, which explains what to try.
    type_answer(page, answer, WRONG)
    run_all(page)
    expect(tests.locator(".jp-OutputArea-output")).to_contain_text("What to try:", timeout=RUN)
    expect(tests.locator(".jp-OutputArea-output")).to_contain_text('api.version()["GoVersion"]')
    wait_settled(page)
    center(tests.locator(".jp-OutputArea-output"))
    shot(page, "student-1-live-feedback")
    message = validate(page)
    expect(message).to_have_class(re.compile("validation-failed"))
    expect(message).to_contain_text("What to try:")
    page.locator(".jp-Dialog-body").evaluate("e => { e.scrollTop = e.scrollHeight; }")  # the explanation
    shot(page, "student-2-validate-failed")
    close_dialog(page)

    # 2. The right answer: everything runs, with live output from real containers.
    type_answer(page, answer, RIGHT)
    run_all(page)
    executed(code_cell(page, "lab.cleanup()"))  # the last cell: the whole notebook ran
    wait_settled(page)
    expect(tests.locator(".jp-OutputArea-output")).to_have_count(0)  # the test passed silently
    pid1 = code_cell(page, 'hostname="box"')
    expect(pid1.locator(".jp-OutputArea-output")).to_contain_text("my hostname is box")
    expect(pid1.locator(".jp-OutputArea-output")).to_contain_text("my PID is 1")
    expect(code_cell(page, "lab.host_pid(sleeper)").locator(".jp-OutputArea-output")).to_contain_text("host PID:")
    expect(notebook(page).locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
           .filter(has_text="Error")).to_have_count(0)
    center(pid1)
    shot(page, "student-3-live-outputs")
    message = validate(page)
    expect(message).to_have_class(re.compile("validation-success"))
    expect(message).to_contain_text("Success! Your notebook passes all the tests.")
    shot(page, "student-4-validate-success")
    close_dialog(page)


def test_student_sees_progress_widget_and_plot(page, student_lab):
    from playwright.sync_api import expect

    open_lab(page, student_lab, "lab/tree/probe.ipynb")
    wait_kernel_idle(page)
    run_all(page)
    bar = code_cell(page, "tqdm(range(3)").locator(".jp-OutputArea-output .widget-hprogress")
    expect(bar).to_be_visible(timeout=RUN)  # a widget, not a text fallback
    expect(code_cell(page, "tqdm(range(3)").locator(".jp-OutputArea-output")).to_contain_text("3/3")
    image = code_cell(page, "plt.plot").locator(".jp-RenderedImage img")
    expect(image).to_be_visible(timeout=RUN)
    assert image.evaluate("img => img.complete && img.naturalWidth") > 100
    wait_settled(page)
    shot(page, "student-5-progress-and-plot")


def test_lesson_diagrams_render(page, student_lab):
    """Each diagram a lesson draws renders as an image in JupyterLab, and a screenshot shows it."""
    from playwright.sync_api import expect

    drawn = {name: [each.assignment for each in lessons.ordered() for cell in each.cells()
                    if cell.cell_type == "code" and re.search(rf"\bfigures\.{name}\(", cell.source)]
             for name in figures.DIAGRAMS}
    open_lab(page, student_lab, "lab/tree/diagrams.ipynb")
    wait_kernel_idle(page)
    run_all(page)
    wait_settled(page)
    for name in figures.DIAGRAMS:
        image = code_cell(page, f"figures.{name}()").locator(".jp-RenderedImage img")
        expect(image).to_be_visible(timeout=RUN)
        assert image.evaluate("img => img.complete && img.naturalWidth") > 300, name
        center(image)
        shot(page, f"diagram-{name}")
    assert all(drawn.values()), f"no lesson draws {[n for n, where in drawn.items() if not where]}"


def test_student_has_no_instructor_tools(page, student_lab):
    from playwright.sync_api import expect

    open_lab(page, student_lab)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu")
    expect(menu.locator('[data-command="nbgrader:open-assignment-list"]')).to_be_visible()
    for command in ("open-formgrader", "open-create-assignment", "open-course-list"):
        expect(menu.locator(f'[data-command="nbgrader:{command}"]:visible')).to_have_count(0)
    expect(page.locator(f'.lm-TabBar-tab[data-id="{CREATE_ASSIGNMENT}"]')).to_have_count(0)
    shot(page, "student-6-nbgrader-menu")
    page.keyboard.press("Escape")
    assert page.request.get(student_lab.page("formgrader")).status == 404


# ----------------------------------------------------------------------------- scenario B: the instructor


def test_instructor_sees_graded_submissions(page, instructor_lab, graded_course):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    with Gradebook(course_config(graded_course).CourseDirectory.db_url) as gb:
        expected = {s: (gb.find_submission(lesson.assignment, s).score,
                        gb.find_submission(lesson.assignment, s).max_score) for s in students.STUDENTS}
    assert expected["solution"][0] > expected["partial"][0] > expected["untouched"][0] == 0

    open_lab(page, instructor_lab)
    # The lab's root is the course directory, as the formgrader needs.
    expect(page.locator(".jp-DirListing-item", has_text="nbgrader_config.py")).to_be_visible()
    expect(page.locator(f'.lm-TabBar-tab[data-id="{CREATE_ASSIGNMENT}"]')).to_have_count(1)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-formgrader"]').click()
    frame = page.frame_locator("#formgrader-iframe iframe")
    assignment = frame.locator("tr", has=frame.locator("td", has_text=re.compile(f"^{lesson.assignment}$")))
    expect(assignment.locator(".num-submissions")).to_have_text(str(len(students.STUDENTS)), timeout=STEP)
    shot(page, "instructor-1-assignments")
    assignment.locator(".num-submissions a").click()
    for student, (score, max_score) in expected.items():
        row = frame.locator("tr", has=frame.locator(".student-id", has_text=re.compile(f"^{student}$")))
        expect(row.locator(".score")).to_have_text(f"{score:g} / {max_score:g}", timeout=STEP)
    shot(page, "instructor-2-submissions")


def test_instructor_opens_the_html_grade_report(page, graded_course):
    """`course grades --html`: one self-contained page with scores, plots, items and what could not run."""
    from playwright.sync_api import expect

    from course.grading import report_html

    path = report_html.write(graded_course)
    assert "src=\"http" not in path.read_text() and "<link" not in path.read_text()  # nothing fetched from elsewhere
    page.goto(path.as_uri())
    expect(page.locator("h1")).to_have_text("Grade report: vm-docker")
    scores = page.locator("table").first
    best = f"{sum(e.points for e in lesson.exercises):g}"  # the autograded points of the lesson
    for student, total in (("solution", f"{best}/{best}"), ("untouched", f"0/{best}")):
        expect(scores.locator("tr", has_text=student)).to_contain_text(total)
    expect(page.get_by_text("Every submission ran")).to_be_visible()
    expect(page.locator("table", has_text="feedback learners saw most")).to_contain_text("ex2-tests")
    plot = page.locator("img")
    assert plot.evaluate("img => img.complete && img.naturalWidth") > 0  # the inline plot renders
    page.set_viewport_size({"width": 1200, "height": 1600})
    shot(page, "report-1-html")
