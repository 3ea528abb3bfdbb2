"""The grade report's layout: histograms readable however many assignments the course has, and
everything in the course's order (the real gradebook behind ``scores`` is read in
tests/engine/test_parallel.py)."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from course.grading import report
from course.material import lessons


def fake_scores(count: int) -> pd.DataFrame:
    rows = [{"student": s, "assignment": f"a{i}", "notebook": "n", "question": "q", "score": float(k),
             "max_score": 3.0, "auto": True} for i in range(count) for k, s in enumerate(("x", "y"))]
    return pd.DataFrame(rows, columns=report.COLUMNS)


@pytest.mark.parametrize(("count", "grid"), [(1, (1, 1)), (2, (1, 2)), (3, (1, 3)), (4, (2, 3)), (6, (2, 3))])
def test_at_most_three_panels_a_row_one_per_assignment(monkeypatch, count, grid):
    monkeypatch.setattr(report, "scores", lambda root: fake_scores(count))
    fig = report.histogram_figure()
    try:
        shown = [ax for ax in fig.axes if ax.get_visible()]
        assert [ax.get_title() for ax in shown] == [f"a{i}" for i in range(count)]
        assert fig.axes[0].get_gridspec().get_geometry() == grid
        width, height = fig.get_size_inches()
        assert width <= 12 and height == 3 * grid[0]
    finally:
        plt.close(fig)


def test_tables_and_plots_follow_the_course_order():
    names = lessons.names()
    assert report.course_ordered([*reversed(names), "extra-b", "extra-a"]) == [*names, "extra-a", "extra-b"]
