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
import numpy as np
import pandas as pd
from copydetect.utils import highlight_overlap

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
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f6f8fa; padding: .6em; white-space: pre-wrap; font-size: 13px; }
.highlight-red { background: #f8c9c4; } .highlight-green { background: #c8e6c9; }
"""
SHOWN = 50  # flagged pairs whose texts a similarity page shows side by side (the table lists them all)


def _table(df: pd.DataFrame, index: bool = True) -> str:
    return df.to_html(index=index, border=0, na_rep="-", float_format=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))


def _png(fig) -> str:
    """A figure as inline PNG data (closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def alike_section(root: Path, alike: list[similarity.Similarity]) -> str:
    """Per assignment, how many pairs of students have answers alike, linking its similarity page."""
    if not alike:
        return "<p>No assignment has two submissions to compare.</p>"
    rows = "".join(f'<tr><td><a href="{html.escape(similarity_page(root, sim.assignment).name)}">'
                   f"{html.escape(sim.assignment)}</a></td><td>{len(sim.students)}</td><td>{len(sim.flagged)}</td>"
                   f"<td>{html.escape(', '.join(f'{p.a} and {p.b}' for p in sim.flagged[:5]))}</td></tr>"
                   for sim in alike)
    return ("<table><tr><th>assignment</th><th>submissions</th><th>pairs alike</th><th>most alike</th></tr>"
            f"{rows}</table>")


def render(root: Path = config.ROOT, items: pd.DataFrame | None = None,
           alike: list[similarity.Similarity] | None = None) -> str:
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
        f'<img alt="distribution of total scores per assignment" src="data:image/png;base64,{_png(report.histogram_figure(root))}">',
        "<h2>Questions, most failed first</h2>",
        f'<div class="wide">{_table(items, index=False)}</div>',
        "<h2>Per question</h2>",
        f'<div class="wide">{_table(report.score_table(root))}</div>',
        *(["<h2>Answers alike</h2>", alike_section(root, alike)] if alike is not None else []),
    ]
    return _page("Grade report", parts)


def _page(title: str, parts: list[str]) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write(root: Path = config.ROOT, items: pd.DataFrame | None = None,
          alike: list[similarity.Similarity] | None = None) -> Path:
    """Write ``reports/report.html``; return its path."""
    path = Layout(root).reports / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(root, items, alike), encoding="utf-8")
    return path


# -- a similarity page per assignment, beside the grade report -----------------------------------


def _highlighted(text: str, slices: np.ndarray, css: str) -> str:
    if slices.size == 0:
        return html.escape(text)
    return highlight_overlap(text, slices, f"<span class='{css}'>", "</span>", escape_html=True)[0]


def _pair_html(sim: similarity.Similarity, pair: similarity.Pair) -> str:
    parts = [f"<h3>{html.escape(pair.a)} and {html.escape(pair.b)}: {100 * pair.similarity:.0f}% alike</h3>"]
    for kind, (sa, sb) in pair.slices.items():
        parts.append(f"<p>{kind} answers, what they have in common highlighted:</p><div class='side'>"
                     f"<pre>{_highlighted(sim.texts[pair.a][kind], sa, 'highlight-red')}</pre>"
                     f"<pre>{_highlighted(sim.texts[pair.b][kind], sb, 'highlight-green')}</pre></div>")
    return "\n".join(parts)


def render_similarity(sim: similarity.Similarity) -> str:
    """The similarity page of one assignment: the pairs alike, the heatmap, their texts side by side."""
    flagged = sim.flagged
    table = _table(sim.table(), index=False) if flagged else (
        f'<p class="none">No pair is {100 * sim.threshold:.0f}% alike or more.</p>')
    parts = [
        f"<h1>Answers alike: {html.escape(sim.assignment)}</h1>",
        (f'<p class="meta">{len(sim.students)} submissions, {len(sim.pairs)} pairs compared with copydetect '
         f"(winnowed fingerprints of {similarity.NOISE}-character runs; in code, names and strings are blanked "
         "out, so renaming or re-spacing does not hide a copy). Only the students' answer cells count, code "
         "and written, without the released notebook's text. A pair is listed when at least "
         f"{100 * sim.threshold:.0f}% of one student's answer text is also in the other's. "
         "<em>of it reference</em>: the share of what they have in common that is the instructor's own "
         "solution (near 100%: both wrote the reference answer, a leaked solution or an exercise with one "
         'natural way to write it). Back to the <a href="report.html">grade report</a>.</p>'),
        "<h2>Pairs alike</h2>", table,
        (f'<img alt="pairwise similarity of the students" src="data:image/png;base64,'
         f'{_png(similarity.heatmap_figure(sim))}">'),
        *(["<h2>What they have in common</h2>"] if flagged else []),
        *(_pair_html(sim, p) for p in flagged[:SHOWN]),
        *([f"<p>{len(flagged) - SHOWN} more pairs in the table above.</p>"] if len(flagged) > SHOWN else []),
    ]
    return _page(f"Answers alike: {sim.assignment}", parts)


def similarity_page(root: Path, assignment: str) -> Path:
    """Where the similarity page of ``assignment`` goes: beside ``reports/report.html``."""
    return Layout(root).reports / f"similarity-{assignment}.html"


def write_similarity(sim: similarity.Similarity, root: Path = config.ROOT) -> Path:
    """Write the similarity page of ``sim``; return its path."""
    path = similarity_page(root, sim.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_similarity(sim), encoding="utf-8")
    return path
