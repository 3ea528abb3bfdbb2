"""The similarity report: copied answers are flagged however re-dressed, honest ones and the release are not."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from course.apps.cli import main
from course.grading import report, report_html, similarity, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from answers import module

# -- small notebooks: one lesson example, one code answer, one written answer ----------------------

EXAMPLE = '''
import docker

api = docker.from_env()
box = api.containers.run("vmd-base", "sleep 60", detach=True, mem_limit="32m")
print(box.attrs["HostConfig"]["Memory"])
box.remove(force=True)
'''
STARTER = "def top_processes(api, count):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
REFERENCE = '''def top_processes(api, count):
    ### BEGIN SOLUTION
    box = api.containers.run("vmd-base", "ps -o pid,rss,comm", detach=True)
    box.wait()
    rows = [line.split() for line in box.logs().decode().splitlines()[1:]]
    box.remove()
    return sorted(rows, key=lambda row: -int(row[1]))[:count]
    ### END SOLUTION'''

ADA = '''def top_processes(api, count):
    container = api.containers.run("vmd-base", "ps -o pid,rss,comm", detach=True, mem_limit="64m")
    exit_code = container.wait()["StatusCode"]
    assert exit_code == 0, container.logs()
    table = []
    for line in container.logs().decode().splitlines()[1:]:
        pid, rss, command = line.split(None, 2)
        table.append((int(rss), pid, command))
    container.remove()
    table.sort(reverse=True)
    return [[pid, str(rss), command] for rss, pid, command in table[:count]]
'''
# Ada's answer with every name changed, re-spaced, re-quoted and re-commented: the classic disguise.
ADA_DISGUISED = '''def top_processes(engine,  n):
  # list the processes, biggest first
  c = engine.containers.run('vmd-base', 'ps -o pid,rss,comm', detach = True, mem_limit = '64m')
  status = c.wait()[ 'StatusCode' ]
  assert status == 0, c.logs()
  out = []
  for ln in c.logs().decode().splitlines()[1:]:
    p, mem, cmd = ln.split(None, 2)
    out.append( (int(mem), p, cmd) )
  c.remove()
  out.sort(reverse = True)
  return [[p, str(mem), cmd] for mem, p, cmd in out[:n]]
'''
# Bea solved it on her own: the engine's top endpoint, no container output parsing.
BEA = '''def top_processes(api, count):
    """Ask the engine for the process table of a throwaway container, largest resident set first."""
    holder = api.containers.run("vmd-base", "sleep 30", detach=True)
    try:
        listing = holder.top(ps_args="-o pid,rss,comm")
        titles = listing["Titles"]
        by_memory = sorted(listing["Processes"], key=lambda p: int(p[titles.index("RSS")]), reverse=True)
        return by_memory[:count]
    finally:
        holder.stop(timeout=0)
        holder.remove()
'''

WRITTEN_ADA = """A container shares the host's kernel, so the processes it starts are host processes that
the kernel fences in with namespaces; that is why ps on the host lists them, with other PIDs
than the ones seen inside, and why the container starts in milliseconds rather than booting."""
WRITTEN_ADA_RESPACED = """a container   shares the host's kernel, so the processes it starts are
host processes that the kernel fences in with namespaces;  that is why ps on the host lists them,
with other PIDs than the ones seen inside, and why the container starts in milliseconds rather than booting."""
WRITTEN_BEA = """The virtual machine has its own guest kernel booted on emulated hardware, so its processes
never appear on the host: the host only sees one QEMU process. Containerised programs, by contrast,
are visible in the host's process list because no second kernel exists."""


def _cell(kind: str, text: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(text)
    if grade_id:
        cell.metadata["nbgrader"] = {"solution": True, "grade": kind != "code", "locked": False,
                                     "grade_id": grade_id, "schema_version": 3, "task": False}
        if kind != "code":
            cell.metadata["nbgrader"]["points"] = 2
    return cell


def _notebook(code: str, written: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        _cell("markdown", "## Processes\nA container is a process on the host's kernel."),
        _cell("code", EXAMPLE),
        _cell("code", code, "ex1-solution"),
        _cell("markdown", written, "q1-answer"),
    ])


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course with assignment ``ps`` released: its notebook and the instructor's source."""
    layout = Layout(tmp_path)
    for folder, nb in ((layout.release("ps"), _notebook(STARTER, "YOUR ANSWER HERE")),
                       (layout.source("ps"), _notebook(REFERENCE, "### BEGIN SOLUTION\n" + WRITTEN_BEA))):
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "ps.ipynb")
    return tmp_path


def _submit(root: Path, student: str, code: str = STARTER, written: str = "YOUR ANSWER HERE") -> None:
    folder = Layout(root).submitted(student, "ps")
    folder.mkdir(parents=True)
    nbformat.write(_notebook(code, written), folder / "ps.ipynb")


def _pair(sim: similarity.Similarity, a: str, b: str) -> similarity.Pair:
    return next(p for p in sim.pairs if {p.a, p.b} == {a, b})


def test_a_disguised_copy_is_flagged_and_an_honest_answer_is_not(course):
    _submit(course, "ada", ADA)
    _submit(course, "cal", ADA_DISGUISED)
    _submit(course, "bea", BEA)
    sim = similarity.analyse("ps", course)
    assert [(p.a, p.b) for p in sim.flagged] == [("ada", "cal")], sim.table(flagged_only=False)
    assert _pair(sim, "ada", "cal").code > 0.9
    for other in ("ada", "cal"):
        assert _pair(sim, "bea", other).similarity < 0.2, sim.table(flagged_only=False)


def test_written_answers_count_a_respaced_copy_too(course):
    _submit(course, "ada", BEA, WRITTEN_ADA)
    _submit(course, "cal", ADA, WRITTEN_ADA_RESPACED)
    _submit(course, "bea", REFERENCE.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""),
            WRITTEN_BEA)
    sim = similarity.analyse("ps", course)
    copied = _pair(sim, "ada", "cal")
    assert copied.written > 0.9 and copied.code < 0.2 and copied in sim.flagged
    assert _pair(sim, "ada", "bea").written < 0.2 and _pair(sim, "cal", "bea").written < 0.2


def test_the_release_alone_never_flags(course):
    """Untouched notebooks, and answers that only reuse the lesson's own example, have nothing of their own."""
    for student in ("ada", "bea"):
        _submit(course, student)
    _submit(course, "cal", STARTER.replace("raise NotImplementedError()", EXAMPLE.strip().replace("\n", "\n    ")))
    _submit(course, "dan", STARTER.replace("raise NotImplementedError()", EXAMPLE.strip().replace("\n", "\n    ")))
    sim = similarity.analyse("ps", course)
    assert not sim.flagged, sim.table(flagged_only=False)
    assert all(p.similarity == 0 for p in sim.pairs)


def test_shared_reference_text_is_told_apart_from_a_students_own(course):
    reference = REFERENCE.replace("    ### BEGIN SOLUTION\n", "").replace("\n    ### END SOLUTION", "")
    _submit(course, "ada", reference)
    _submit(course, "bea", reference)
    _submit(course, "cal", ADA)
    _submit(course, "dan", ADA_DISGUISED)
    sim = similarity.analyse("ps", course)
    assert _pair(sim, "ada", "bea").reference == 1.0 and _pair(sim, "ada", "bea").similarity == 1.0
    assert _pair(sim, "cal", "dan").reference < 0.2


def test_the_page_shows_the_pairs_the_heatmap_and_what_they_share(course):
    _submit(course, "ada", ADA)
    _submit(course, "cal", ADA_DISGUISED)
    _submit(course, "bea", BEA)
    page = report_html.write_similarity(similarity.analyse("ps", course), course)
    text = page.read_text()
    assert page == Layout(course).reports / "similarity-ps.html"
    assert "<h3>ada and cal:" in text and "<h3>ada and bea" not in text and "highlight-red" in text
    assert "data:image/png;base64," in text and 'href="report.html"' in text


# -- the command -----------------------------------------------------------------------------------


@pytest.fixture
def real_course(tmp_path: Path) -> Path:
    """A scratch copy of this course (source/, release/, config): its real assignments."""
    return make_course(tmp_path / "course")


def test_the_command_prints_a_narrow_table_and_writes_the_page(real_course):
    for student in ("ada", "a-student-with-a-long-id", "bea"):
        students.write_submission("untouched" if student == "bea" else "solution", lessons.get("engine"),
                                  real_course, student=student)
    result = CliRunner().invoke(main, ["--root", str(real_course), "similarity", "engine", "--threshold", "0.9"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 100, result.output
    rows = [ln.split() for ln in lines if ln.split()[:1] in (["ada"], ["a-student-with-a-long-id"], ["bea"])]
    assert rows == [["a-student-with-a-long-id", "ada", "100%", "100%", "100%", "100%"]], result.output
    assert "reports/similarity-engine.html" in result.output
    assert (real_course / "reports" / "similarity-engine.html").exists()


def test_the_command_with_fewer_than_two_submissions(real_course):
    students.write_submission("solution", lessons.get("engine"), real_course, student="ada")
    result = CliRunner().invoke(main, ["--root", str(real_course), "similarity", "engine"])
    assert result.exit_code == 1, result.output
    assert "fewer than two to compare" in result.output and "course collect engine" in result.output
    assert not (real_course / "reports").exists()


# -- the course's own simulated submissions --------------------------------------------------------


class _Rename(ast.NodeTransformer):
    """The answer's own names (arguments, assigned variables) get others, as a copier hiding a copy does."""

    def __init__(self, tree: ast.AST):
        self.own = {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)} | {
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = f"my_{node.arg}"
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.own:
            node.id = f"my_{node.id}"
        return node


def disguised(code: str) -> str:
    """``code`` with its names changed and re-laid out by ``ast.unparse`` (quotes, spaces, lines);
    an answer that is not plain Python (a cell magic) re-spaced only."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return re.sub(r"\s*([=,(])\s*", r" \1 ", code)
    return ast.unparse(_Rename(tree).visit(tree))


def honest(assignment: str, nth: int) -> dict[str, str]:
    """A student who answered each exercise their own way: the nth correct alternative of the answers harness."""
    by_exercise: dict[int, list] = {}
    for answer in module(assignment).ANSWERS:
        if answer.correct:
            by_exercise.setdefault(answer.exercise, []).append(answer)
    return {gid: text for options in by_exercise.values() if len(options) > nth
            for gid, text in options[nth].cells.items()}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """Every assignment's simulated class, a disguised copy of the partial answer, two honest students,
    and the full solution submitted twice (two solution students are identical by construction)."""
    root = make_course(tmp_path_factory.mktemp("alike"))
    layout = Layout(root)
    for lesson in lessons.ordered():
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, root)
        students.write_submission("solution", lesson, root, student="solution-2")
        release = nbformat.read(layout.release(lesson.assignment) / lesson.filename, as_version=4)
        partial = students.answers_for("partial", lesson, variants.of("copier", lesson.assignment, root))
        made = {"copier": {gid: disguised(text) for gid, text in partial.items()},
                "honest-1": honest(lesson.assignment, 0), "honest-2": honest(lesson.assignment, 1)}
        for student, answers in made.items():
            folder = layout.submitted(student, lesson.assignment)
            folder.mkdir(parents=True)
            nbformat.write(students.fill(release, answers), folder / lesson.filename)
    return root


@pytest.mark.parametrize("assignment", lessons.names())
def test_the_copied_pair_is_flagged_and_the_honest_students_are_not(simulated, assignment):
    sim = similarity.analyse(assignment, simulated)
    flagged = {frozenset((p.a, p.b)) for p in sim.flagged}
    table = sim.table(flagged_only=False).to_string()
    assert frozenset(("copier", "partial")) in flagged, table
    assert not any(flagged_pair & {"honest-1", "honest-2", "untouched"} for flagged_pair in flagged), table


@pytest.mark.parametrize("assignment", lessons.names())
def test_two_solution_students_are_flagged_as_the_reference(simulated, assignment):
    """The reference solution, each with their own variant's values (the only text that differs): flagged
    (a solution passed around looks just so), and told apart by the reference share: all they have in
    common is the instructor's solution, bar their values."""
    sim = similarity.analyse(assignment, simulated)
    twins = _pair(sim, "solution", "solution-2")
    assert twins.similarity >= 0.95 and twins.reference >= 0.9 and twins in sim.flagged


def test_the_grade_reports_page_links_a_similarity_page_per_assignment(simulated):
    alike = report.similarities(simulated)
    assert [sim.assignment for sim in alike] == lessons.names()
    section = report_html.alike_section(simulated, alike)
    for sim in alike:
        page = report_html.write_similarity(sim, simulated)
        assert page.parent == Layout(simulated).reports and f'href="{page.name}"' in section
        assert f"<td>{len(sim.students)}</td><td>{len(sim.flagged)}</td>" in section
