"""The grade report, from nbgrader's gradebook and the course's ledger, with pandas.

Per student and per question, item analysis (which tests fail most, and the first line
of the feedback learners saw), summary statistics, a histogram, nbgrader's CSV export
and the course's own long-form CSV.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files, not windows: the report runs headless

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
from matplotlib.ticker import MaxNLocator
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from course import config
from course.grading import ledger
from course.layout import Layout
from course.material import lessons

if TYPE_CHECKING:  # imported where used: copydetect loads only for the pages that need it
    from course.grading.similarity import Similarity

COLUMNS = ["student", "assignment", "notebook", "question", "score", "max_score", "auto"]


def scores(root: Path = config.ROOT) -> pd.DataFrame:
    """One row per graded cell of every submission in the gradebook (long, tidy form)."""
    rows = []
    with Gradebook(Layout(root).db_url) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        rows.append({
                            "student": submission.student_id, "assignment": assignment.name,
                            "notebook": nb.name, "question": grade.name,
                            "score": float(grade.score), "max_score": float(grade.max_score),
                            "auto": grade.cell_type == "code",
                        })
    return pd.DataFrame(rows, columns=COLUMNS)


def score_table(root: Path = config.ROOT) -> pd.DataFrame:
    """Autograded score per student (rows) and assignment/question (columns), with totals."""
    df = scores(root)
    df = df[df["auto"]]
    table = df.pivot_table(index="student", columns=["assignment", "question"], values="score", aggfunc="sum")
    table[("all", "total")] = table.sum(axis=1)
    maxima = df.drop_duplicates(["assignment", "question"]).set_index(["assignment", "question"])["max_score"]
    table.loc["(max)"] = [*maxima.reindex(table.columns[:-1]).tolist(), maxima.sum()]
    return table.sort_values(("all", "total"), ascending=False)


def course_ordered(assignments) -> list[str]:
    """``assignments`` in the course's lesson order (others after them, by name): every table and plot alike."""
    order = {name: i for i, name in enumerate(lessons.names())}
    return sorted(assignments, key=lambda a: (order.get(a, len(order)), a))


def totals_table(root: Path = config.ROOT) -> pd.DataFrame:
    """One row per student, one column per assignment (in course order): "score/max", autograded.

    Narrow on purpose: six assignments fit an ordinary terminal; per question is in the report.
    """
    df = scores(root)
    df = df[df["auto"]]
    if df.empty:
        return pd.DataFrame()
    got = df.groupby(["student", "assignment"])["score"].sum().unstack()
    got = got[course_ordered(got.columns)]
    best = df.drop_duplicates(["assignment", "question"]).groupby("assignment")["max_score"].sum()
    table = got.apply(lambda col: col.map(lambda v: "-" if pd.isna(v) else f"{v:g}/{best[col.name]:g}"))
    table.columns.name = None
    return table.loc[got.sum(axis=1).sort_values(ascending=False).index]


def could_not_run(root: Path = config.ROOT) -> pd.DataFrame:
    """The submissions the course could not grade, with the reason (never a silent 0)."""
    rows = [{"assignment": a, "student": s, "reason": g.reason, "seconds": round(g.seconds, 1)}
            for (a, s), g in sorted(ledger.load(root).items()) if not g.ok]
    return pd.DataFrame(rows, columns=["assignment", "student", "reason", "seconds"])


def first_feedback_line(root: Path, student: str, assignment: str, notebook: str, question: str) -> str:
    """The first line of the error a learner saw in a failed test cell."""
    path = Layout(root).autograded(student, assignment) / f"{notebook}.ipynb"
    if not path.exists():
        return ""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == question:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return f"{out['ename']}: {out['evalue'].splitlines()[0] if out['evalue'] else ''}"
    return ""


def item_analysis(root: Path = config.ROOT) -> pd.DataFrame:
    """Per autograded question: how many failed, the mean score, and the commonest feedback."""
    df = scores(root)
    df = df[df["auto"]].copy()
    if df.empty:
        return pd.DataFrame(columns=["assignment", "question", "submissions", "failed", "fail_rate",
                                     "mean_score", "max_score", "top_feedback"])
    df["failed"] = df["score"] < df["max_score"]
    df["feedback"] = [first_feedback_line(root, r.student, r.assignment, r.notebook, r.question) if r.failed
                      else "" for r in df.itertuples()]
    out = df.groupby(["assignment", "question"]).agg(
        submissions=("student", "count"), failed=("failed", "sum"), mean_score=("score", "mean"),
        max_score=("max_score", "first"),
        top_feedback=("feedback", lambda s: s[s != ""].mode().iat[0] if (s != "").any() else ""),
    ).reset_index()
    out["fail_rate"] = out["failed"] / out["submissions"]
    return out.sort_values("fail_rate", ascending=False)[
        ["assignment", "question", "submissions", "failed", "fail_rate", "mean_score", "max_score", "top_feedback"]]


def student_totals(root: Path = config.ROOT) -> pd.DataFrame:
    """Each student's total autograded score per assignment (columns assignment, student, score)."""
    df = scores(root)
    return df[df["auto"]].groupby(["assignment", "student"])["score"].sum().reset_index()


def summary(root: Path = config.ROOT) -> pd.DataFrame:
    """Per assignment: count, mean, median, min, max of total autograded scores, and ungradable count."""
    totals = student_totals(root)
    stats = totals.groupby("assignment")["score"].agg(["count", "mean", "median", "min", "max"])
    stats = stats.reindex(course_ordered(stats.index))
    outcomes = ledger.load(root)  # read once, not once per assignment
    failed = pd.Series({a: sum(1 for (aa, _), g in outcomes.items() if aa == a and not g.ok)
                        for a in stats.index}, dtype=int)
    return stats.assign(could_not_run=failed)


def histogram_figure(root: Path = config.ROOT):
    """Total autograded scores, one panel per assignment (a matplotlib figure; the caller closes it)."""
    totals = student_totals(root)
    assignments = course_ordered(totals["assignment"].unique()) or ["(none)"]
    # At most three panels a row: six in one row shrink to unreadable in a page or a PNG viewer.
    cols = min(3, len(assignments))
    rows = -(-len(assignments) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax in axes.flat[len(assignments):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, assignments, strict=False):
        ax.hist(totals[totals["assignment"] == name]["score"], bins=10, color="#2a6f97")
        ax.set_title(name)
        ax.set_xlabel("autograded score")
        ax.set_ylabel("students")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # students come whole
    fig.tight_layout()
    return fig


def histogram(root: Path, path: Path) -> Path:
    """A PNG histogram of total autograded scores, one panel per assignment."""
    fig = histogram_figure(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def similarities(root: Path = config.ROOT) -> list[Similarity]:
    """The similarity of every assignment (in course order) with two submissions or more to compare."""
    from course.grading import similarity

    layout = Layout(root)
    return [similarity.analyse(name, root) for name in lessons.names()
            if len(layout.students(name)) >= 2 and any(layout.release(name).glob("*.ipynb"))]


def export(root: Path = config.ROOT, html: bool = False, items: pd.DataFrame | None = None,
           alike: list[Similarity] | None = None) -> dict[str, Path]:
    """Write the report files under ``root/reports``: nbgrader's CSV, ours, items, histogram (and the pages).

    ``items``: the item analysis if the caller has it (it reads every failed submission's notebook).
    With ``html``, also a similarity page per assignment (``alike``: the similarities, if made), linked
    from the grade report's page.
    """
    out = Layout(root).reports
    out.mkdir(parents=True, exist_ok=True)
    files = {"nbgrader_csv": out / "grades.csv", "scores_csv": out / "scores-long.csv",
             "items_csv": out / "item-analysis.csv", "histogram": out / "histogram.png"}
    with Gradebook(Layout(root).db_url) as gb:
        CsvExportPlugin(to=str(files["nbgrader_csv"])).export(gb)
    scores(root).to_csv(files["scores_csv"], index=False)
    items = item_analysis(root) if items is None else items
    items.to_csv(files["items_csv"], index=False)
    histogram(root, files["histogram"])
    if html:
        from course.grading import report_html  # it draws on this module

        alike = similarities(root) if alike is None else alike
        files.update({f"similarity-{sim.assignment}": report_html.write_similarity(sim, root) for sim in alike})
        files["html"] = report_html.write(root, items, alike)
    return files


def show(console, root: Path = config.ROOT, detail: bool = True, html: bool = False) -> dict[str, Path]:
    """Print the report and write its files; return their paths.

    Scores per student and assignment and the summary always (narrow: they fit 100 columns);
    with ``detail`` the item analysis too. Per question is in the files.
    """
    totals = totals_table(root)
    console.print("scores (autograded, score/max):\n" + (totals.to_string() if not totals.empty else "(none)"))
    console.print("\nsummary per assignment:\n" + summary(root).round(2).to_string())
    for row in could_not_run(root).itertuples():  # never silently 0: say which, and why
        console.print(textwrap.shorten(f"could not run: {row.assignment}/{row.student}: {row.reason}", 100))
    items = item_analysis(root)
    if detail:
        console.print("\nitem analysis (most failed first):\n" + items.round(2).to_string(index=False))
    alike = similarities(root) if html else []
    files = export(root, html=html, items=items, alike=alike)
    if "html" in files:
        console.print(f"\nfull report (open it in a browser): {files['html'].relative_to(root)}")
    if alike:
        counts = ", ".join(f"{sim.assignment} {len(sim.flagged)}" for sim in alike)
        console.print(textwrap.fill(f"pairs of students with answers alike (similarity-ASSIGNMENT.html): {counts}",
                                    100))
    others = [p for key, p in files.items() if key != "html" and not key.startswith("similarity-")]
    console.print(f"{'also' if 'html' in files else 'report files'} in {others[0].parent.relative_to(root)}/: "
                  + ", ".join(p.name for p in others))
    return files


def show_similarity(console, assignment: str, root: Path = config.ROOT, threshold: float | None = None) -> Path:
    """Print the pairs of students whose answers to ``assignment`` are alike, write its page; return the page."""
    from course.grading import report_html, similarity

    sim = similarity.analyse(assignment, root, similarity.THRESHOLD if threshold is None else threshold)
    table = sim.table()
    console.print(f"answers alike in {assignment} ({len(sim.students)} submissions, {len(sim.pairs)} pairs), "
                  f"where {100 * sim.threshold:.0f}%+ of one's answer text is in the other's:\n"
                  + (table.to_string(index=False) if not table.empty else "(no pair)"))
    path = report_html.write_similarity(sim, root)
    console.print(f"similarity report (open it in a browser): {path.relative_to(root)}")
    return path


def outcome_table(results: list) -> str:
    """A printable table of grading outcomes (``ledger.Graded`` rows)."""
    df = pd.DataFrame([r.__dict__ for r in results])
    if df.empty:
        return "(nothing to grade)"
    df["seconds"] = df["seconds"].round(1)
    return df.to_string(index=False)
