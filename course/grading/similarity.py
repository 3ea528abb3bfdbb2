"""Which students' answers are suspiciously alike: a similarity report over an assignment's submissions.

The fingerprints are copydetect's: winnowed hashes of every run of ``NOISE`` characters, after
its tokenizer turned code into a skeleton (names become V, F or O, strings S; spaces and comments
go), so renaming variables, re-spacing or re-commenting a copy does not hide it. Only what a
student wrote counts: the answer (solution) cells of the submission, code and written answers
apart, without the lines of the released notebook; its whole text is the boilerplate too, so its
starter code, its examples and "YOUR ANSWER HERE" never make two students alike.

A pair is flagged when at least ``threshold`` of one student's own answer text is also in the
other's. What they have in common is also measured against the instructor's solution: two
students who both wrote the reference answer (a leaked solution, or an exercise with one natural
way to write it) show a reference share near 1; a copy of a student's own text shows less.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files, not windows: the report runs headless

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
from copydetect import CodeFingerprint, compare_files, defaults
from copydetect.utils import highlight_overlap

from course import config
from course.grading.students import SOLUTION_MARKER
from course.layout import Layout

NOISE = defaults.NOISE_THRESHOLD  # copydetect's: shorter runs in common are chance, not copying
THRESHOLD = 0.5  # honest alternatives of the course's exercises share at most about a fifth
KINDS = ("code", "written")


def _kind(cell: nbformat.NotebookNode) -> str:
    return "code" if cell.cell_type == "code" else "written"


def answer_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """(grade id, kind, text) of every answer cell: nbgrader's solution cells, code or written."""
    return [(cell.metadata["nbgrader"].get("grade_id", ""), _kind(cell), cell.source) for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("solution")]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def own_answers(submitted: nbformat.NotebookNode, released: nbformat.NotebookNode) -> dict[str, list[str]]:
    """Kind -> the student's own text in each answer cell: the lines that are not in the released notebook.

    Whole lines of the release (its starter code, its examples pasted in) go before fingerprinting,
    so they cannot join up into runs no release text has ("def f(x):" followed by a pasted example).
    """
    as_released = {line.strip() for cell in released.cells for line in _lines(cell.source)}
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for _, kind, text in answer_cells(submitted):
        own = [line for line in _lines(text) if line.strip() not in as_released]
        if own:
            out[kind].append("\n".join(own))
    return out


def _prose(text: str) -> str:
    """Written answers compared as words: case and spacing are not what makes two explanations alike."""
    return " ".join(text.lower().split())


def fingerprint(texts: list[str], kind: str, boilerplate: np.ndarray | None = None,
                window: int = 1) -> CodeFingerprint:
    """copydetect's fingerprint of ``texts`` (cells, joined), code tokenized, prose normalized."""
    code = kind == "code"
    text = "\n\n".join(texts) if code else "\n\n".join(_prose(t) for t in texts)
    return CodeFingerprint("answers.py" if code else "answers.txt", NOISE, window, boilerplate=boilerplate,
                           filter=code, language="python" if code else None, fp=io.StringIO(text))


def _hashes(texts: list[str], kind: str, boilerplate: np.ndarray | None = None) -> np.ndarray:
    """Every k-gram hash of ``texts`` (sorted, unique: copydetect's form for boilerplate)."""
    return np.unique(np.array(sorted(fingerprint(texts, kind, boilerplate).hashes), dtype=np.int64))


@dataclass(frozen=True)
class Pair:
    """Two students and how much of each one's own answer text is also in the other's."""

    a: str
    b: str
    a_in_b: float  # of a's answer text (code and written together), the share also in b's
    b_in_a: float
    code: float | None  # the larger of the two shares, code only (None: one of them wrote no code)
    written: float | None
    reference: float | None  # of what they have in common, the share that is the instructor's solution
    slices: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def similarity(self) -> float:
        return max(self.a_in_b, self.b_in_a)


@dataclass
class Similarity:
    """The similarity of every pair of submissions of one assignment."""

    assignment: str
    threshold: float
    texts: dict[str, dict[str, str]]  # student -> kind -> the text compared (as the report shows it)
    pairs: list[Pair]

    @property
    def students(self) -> list[str]:
        return sorted(self.texts)

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.similarity >= self.threshold]

    def matrix(self) -> pd.DataFrame:
        """Student x student: the pair's similarity (none on the diagonal: one is not compared with oneself)."""
        m = pd.DataFrame(np.nan, index=self.students, columns=self.students)
        for p in self.pairs:
            m.loc[p.a, p.b] = m.loc[p.b, p.a] = p.similarity
        return m

    def table(self, flagged_only: bool = True) -> pd.DataFrame:
        """Pairs, most alike first: narrow (it prints in 100 columns); shares as whole percent."""
        def pct(v: float | None) -> str:
            return "-" if v is None else f"{100 * v:.0f}%"

        rows = [{"student": p.a, "and student": p.b, "alike": pct(p.similarity), "code": pct(p.code),
                 "written": pct(p.written), "of it reference": pct(p.reference)}
                for p in (self.flagged if flagged_only else self.pairs)]
        return pd.DataFrame(rows, columns=["student", "and student", "alike", "code", "written",
                                           "of it reference"])


def _notebooks(layout: Layout, assignment: str) -> list[str]:
    return sorted(p.name for p in layout.release(assignment).glob("*.ipynb"))


def _read(path: Path) -> nbformat.NotebookNode | None:
    return nbformat.read(path, as_version=4) if path.is_file() else None


def analyse(assignment: str, root: Path = config.ROOT, threshold: float = THRESHOLD) -> Similarity:
    """Fingerprint every submission of ``assignment`` and compare each pair of students."""
    layout = Layout(root)
    own: dict[str, dict[str, list[str]]] = {s: {k: [] for k in KINDS} for s in layout.students(assignment)}
    released_text: dict[str, list[str]] = {k: [] for k in KINDS}
    reference: dict[str, list[str]] = {k: [] for k in KINDS}
    for name in _notebooks(layout, assignment):
        released = _read(layout.release(assignment) / name)
        for cell in released.cells:
            released_text[_kind(cell)].append(cell.source)
        source = _read(layout.source(assignment) / name)
        for cell in source.cells if source else ():
            cell.source = SOLUTION_MARKER.sub("", cell.source)
        for kind, cells in (own_answers(source, released) if source else {}).items():
            reference[kind].extend(cells)
        for student, texts in own.items():
            submitted = _read(layout.submitted(student, assignment) / name)
            for kind, cells in (own_answers(submitted, released) if submitted else {}).items():
                texts[kind].extend(cells)
    boilerplate = {k: _hashes(released_text[k], k) for k in KINDS}
    ref = {k: set(_hashes(reference[k], k, boilerplate[k]).tolist()) for k in KINDS}
    prints = {s: {k: fingerprint(t[k], k, boilerplate[k], window=defaults.GUARANTEE_THRESHOLD - NOISE + 1)
                  for k in KINDS} for s, t in own.items()}
    pairs = [_compare(a, b, prints[a], prints[b], ref) for a, b in itertools.combinations(sorted(prints), 2)]
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    texts = {s: {k: fp.raw_code for k, fp in by_kind.items()} for s, by_kind in prints.items()}
    return Similarity(assignment, threshold, texts, pairs)


def _compare(a: str, b: str, fa: dict[str, CodeFingerprint], fb: dict[str, CodeFingerprint],
             ref: dict[str, set[int]]) -> Pair:
    """One pair, code and written answers each compared by copydetect, then added up."""
    got_a = got_b = total_a = total_b = 0.0
    per_kind: dict[str, float | None] = {}
    common = from_ref = 0
    slices = {}
    for kind in KINDS:
        x, y = fa[kind], fb[kind]
        if not x.token_coverage or not y.token_coverage:
            per_kind[kind] = None
            total_a, total_b = total_a + x.token_coverage, total_b + y.token_coverage
            continue
        _, (sim_x, sim_y), kind_slices = compare_files(x, y)
        sim_x, sim_y = min(float(sim_x), 1.0), min(float(sim_y), 1.0)
        per_kind[kind] = max(sim_x, sim_y)
        got_a, got_b = got_a + sim_x * x.token_coverage, got_b + sim_y * y.token_coverage
        total_a, total_b = total_a + x.token_coverage, total_b + y.token_coverage
        shared = x.hashes & y.hashes
        common, from_ref = common + len(shared), from_ref + len(shared & ref[kind])
        if shared:
            slices[kind] = kind_slices
    return Pair(a, b, got_a / total_a if total_a else 0.0, got_b / total_b if total_b else 0.0,
                per_kind["code"], per_kind["written"], from_ref / common if common else None, slices)


# -- the HTML page, beside the grade report -------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; padding: 0 1em; color: #1d2733; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ccd; } p.meta { color: #556; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .3em .7em; border: 1px solid #d5dbe3; }
th { background: #eef2f7; text-align: left; } .none { color: #2f7d32; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f6f8fa; padding: .6em; white-space: pre-wrap; font-size: 13px; }
.highlight-red { background: #f8c9c4; } .highlight-green { background: #c8e6c9; } img { max-width: 100%; }
"""


def heatmap_png(sim: Similarity) -> bytes:
    """Pairwise similarity of the students as a PNG heatmap."""
    m = sim.matrix()
    n = max(len(m), 1)
    fig, ax = plt.subplots(figsize=(2 + 0.45 * n, 1.5 + 0.4 * n))
    cmap = plt.get_cmap("Reds").with_extremes(bad="#e6e9ee")  # bad: the diagonal
    im = ax.imshow(m.to_numpy(dtype=float), vmin=0, vmax=1, cmap=cmap)
    ax.set_xticks(range(len(m)), m.columns, rotation=60, ha="right")
    ax.set_yticks(range(len(m)), m.index)
    ax.set_title(f"{sim.assignment}: answers alike")
    fig.colorbar(im, ax=ax, label="alike")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def _highlighted(text: str, slices: np.ndarray, css: str) -> str:
    if slices.size == 0:
        return html.escape(text)
    return highlight_overlap(text, slices, f"<span class='{css}'>", "</span>", escape_html=True)[0]


def _pair_html(sim: Similarity, pair: Pair) -> str:
    parts = [f"<h3>{html.escape(pair.a)} and {html.escape(pair.b)}: {100 * pair.similarity:.0f}% alike</h3>"]
    for kind in KINDS:
        if kind not in pair.slices:
            continue
        sa, sb = pair.slices[kind]
        parts.append(f"<p>{kind} answers, in common highlighted:</p><div class='side'>"
                     f"<pre>{_highlighted(sim.texts[pair.a][kind], sa, 'highlight-red')}</pre>"
                     f"<pre>{_highlighted(sim.texts[pair.b][kind], sb, 'highlight-green')}</pre></div>")
    return "\n".join(parts)


def render(sim: Similarity) -> str:
    """The similarity page of one assignment (self-contained: styles and the plot inline)."""
    flagged = sim.flagged
    table = sim.table().to_html(index=False, border=0) if flagged else (
        f'<p class="none">No pair is {100 * sim.threshold:.0f}% alike or more.</p>')
    png = base64.b64encode(heatmap_png(sim)).decode()
    parts = [
        f"<h1>Similarity of answers: {html.escape(sim.assignment)}</h1>",
        (f'<p class="meta">{len(sim.students)} submissions, {len(sim.pairs)} pairs compared with copydetect '
         f"(winnowed fingerprints of {NOISE}-character runs; in code, names and strings are blanked out, "
         "so renaming or re-spacing does not hide a copy). Only the students' answer cells count, code and "
         "written; the released notebook's text is ignored. A pair is listed when at least "
         f"{100 * sim.threshold:.0f}% of one student's answer text is also in the other's. "
         "<em>of it reference</em>: the share of what they have in common that is the instructor's own "
         "solution (near 100%: both wrote the reference answer, a leaked solution or an exercise with one "
         'natural way to write it). Back to the <a href="report.html">grade report</a>.</p>'),
        "<h2>Pairs alike</h2>", table,
        f'<img alt="pairwise similarity of the students" src="data:image/png;base64,{png}">',
        "<h2>What they have in common</h2>" if flagged else "",
        *(_pair_html(sim, p) for p in flagged),
    ]
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Similarity: '
            f"{html.escape(sim.assignment)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def page(root: Path, assignment: str) -> Path:
    """Where the similarity page of ``assignment`` goes: beside ``reports/report.html``."""
    return Layout(root).reports / f"similarity-{assignment}.html"


def write(sim: Similarity, root: Path = config.ROOT) -> Path:
    """Write the page of ``sim``; return its path."""
    path = page(root, sim.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(sim), encoding="utf-8")
    return path
