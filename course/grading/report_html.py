"""The grade report as one self-contained HTML page an instructor opens in a browser.

Everything is inside the file (styles, the plot as an inline PNG), so it can be mailed or
copied off the grading machine: scores per student and assignment, what could not run and
why, per-assignment statistics and distributions, the item analysis with the feedback
learners saw most, and the per-question scores.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from course import config
from course.grading import report, similarity
from course.layout import Layout

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1d2733; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccd; }
p.meta { color: #556; margin-top: 0; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .3em .7em; border: 1px solid #d5dbe3; }
th { background: #eef2f7; text-align: left; } td { font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafbfd; } .none { color: #2f7d32; } .bad { color: #b3261e; }
img { max-width: 100%; } .wide { overflow-x: auto; }
"""


def _table(df: pd.DataFrame, index: bool = True) -> str:
    return df.to_html(index=index, border=0, na_rep="-", float_format=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))


def _plot(root: Path) -> str:
    fig = report.histogram_figure(root)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _alike(root: Path, alike: list) -> str:
    """Per assignment, how many pairs of students have answers alike, linking its similarity page."""
    if not alike:
        return "<p>No assignment has two submissions to compare.</p>"
    rows = "".join(f'<tr><td><a href="{html.escape(similarity.page(root, sim.assignment).name)}">'
                   f"{html.escape(sim.assignment)}</a></td><td>{len(sim.students)}</td><td>{len(sim.flagged)}</td>"
                   f"<td>{html.escape(', '.join(f'{p.a} and {p.b}' for p in sim.flagged[:5]))}</td></tr>"
                   for sim in alike)
    return ("<table><tr><th>assignment</th><th>submissions</th><th>pairs alike</th><th>most alike</th></tr>"
            f"{rows}</table>")


def render(root: Path = config.ROOT, items: pd.DataFrame | None = None, alike: list | None = None) -> str:
    """The report page for the course directory ``root`` (``items``: the item analysis, if already made;
    ``alike``: the similarities whose pages it links, if any)."""
    items = report.item_analysis(root) if items is None else items
    totals, failed = report.totals_table(root), report.could_not_run(root)
    items = items.rename(columns={"top_feedback": "feedback learners saw most"})
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [
        f"<h1>Grade report: {html.escape(config.COURSE_NAME)}</h1>",
        (f'<p class="meta">{html.escape(str(Layout(root).root))}, {when}. Autograded scores; '
         "written answers are graded in the formgrader.</p>"),
        "<h2>Scores per student and assignment</h2>",
        _table(totals) if not totals.empty else "<p>Nothing graded yet.</p>",
        "<h2>Could not run</h2>",
        _table(failed, index=False) if not failed.empty
        else '<p class="none">Every submission ran: none was scored without running.</p>',
        "<h2>Per assignment</h2>",
        _table(report.summary(root).round(2)),
        f'<img alt="distribution of total scores per assignment" src="data:image/png;base64,{_plot(root)}">',
        "<h2>Questions, most failed first</h2>",
        f'<div class="wide">{_table(items, index=False)}</div>',
        "<h2>Per question</h2>",
        f'<div class="wide">{_table(report.score_table(root))}</div>',
        *(["<h2>Answers alike</h2>", _alike(root, alike)] if alike is not None else []),
    ]
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Grade report</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write(root: Path = config.ROOT, items: pd.DataFrame | None = None, alike: list | None = None) -> Path:
    """Write ``reports/report.html``; return its path."""
    path = Layout(root).reports / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(root, items, alike), encoding="utf-8")
    return path
