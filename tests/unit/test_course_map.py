"""Every seed point is taught live and graded; every name the seed uses appears; the map is current."""

from __future__ import annotations

import nbformat
import pytest

from course import config
from course.layout import Layout
from course.material import build, coursemap, lessons
from course.material.lesson import SEED

LESSONS = lessons.ordered()
SEED_NAMES = ("VMware", "VirtualBox", "ISO", "LXC", "libcontainer", "Go", "Docker Hub", "Dockerfile",
              "get.docker.com", "service docker start", "docker version")


def _graded_ids(lesson) -> dict[str, float]:
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0) for c in lesson.cells()
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


@pytest.mark.parametrize("point", list(SEED))
def test_point_has_a_live_cell_and_a_graded_test(point):
    live = [gid for m in LESSONS for gid in coursemap.live_cells(m).get(point, [])]
    graded = [(m.assignment, gid) for m in LESSONS for gid, pts in m.tests_cover.items() if point in pts]
    assert live, f"{point} ({SEED[point]}) has no live cell (grade_id 's{point[1]}-live-...')"
    assert graded, f"{point} ({SEED[point]}) has no graded test cell"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_declared_tests_exist_and_carry_points(lesson):
    graded = _graded_ids(lesson)
    for gid in lesson.tests_cover:
        assert graded.get(gid, 0) > 0, f"{lesson.assignment}: {gid} is not a graded test cell with points"
    assert set(lesson.seed_points) <= {p for pts in lesson.tests_cover.values() for p in pts}
    assert lesson.objectives, f"{lesson.assignment} states no objectives"
    assert lesson.questions, f"{lesson.assignment} states no questions"
    assert "## Key points" in lesson.cells()[-2].source or "## Key points" in lesson.cells()[-1].source


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_names_appear(name):
    text = "\n".join(c.source for m in LESSONS for c in m.cells() if c.cell_type == "markdown")
    assert name in text, f"the seed's name {name!r} appears in no lesson"


def test_index_is_current(tmp_path):
    made = coursemap.write_index(tmp_path / "index.ipynb")
    committed = Layout().release() / "index.ipynb"
    assert nbformat.read(made, as_version=4).cells[0].source == nbformat.read(committed, 4).cells[0].source, (
        "release/index.ipynb is out of date: run `course build-source`")
    assert build.source_path(LESSONS[0]).exists()


def test_readme_map_is_current():
    readme = (config.ROOT / "README.md").read_text()
    assert coursemap.table_markdown() in readme, "README's course map is out of date: run `course build-source`"


def test_readme_lists_each_lessons_varied_values():
    readme = (config.ROOT / "README.md").read_text()
    assert coursemap.variants_markdown() in readme, "README's table of variants is out of date: run `course build-source`"
    for lesson in lessons.ordered():
        assert f"| `{lesson.assignment}` |" in coursemap.variants_markdown()


def test_readme_has_the_korean_section_and_map():
    from course import i18n

    readme = (config.ROOT / "README.md").read_text()
    assert "## 한국어 안내" in readme and "make demo" in readme.split("## 한국어 안내")[1]
    with i18n.using("ko"):
        assert coursemap.table_markdown() in readme, "README's Korean course map is out of date: run `course build-source`"
