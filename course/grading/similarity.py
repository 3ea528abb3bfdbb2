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

from course import config
from course.grading.students import SOLUTION_MARKER
from course.layout import Layout

NOISE = defaults.NOISE_THRESHOLD  # copydetect's: shorter runs in common are chance, not copying
THRESHOLD = 0.5  # the course's honest alternative answers share at most about a third
KINDS = ("code", "written")


def _kind(cell: nbformat.NotebookNode) -> str:
    return "code" if cell.cell_type == "code" else "written"


def answer_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(kind, text) of every answer cell: nbgrader's solution cells, code or written."""
    return [(_kind(cell), cell.source) for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("solution")]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def own_answers(submitted: nbformat.NotebookNode, released: nbformat.NotebookNode) -> dict[str, list[str]]:
    """Kind -> the student's own text in each answer cell: the lines that are not in the released notebook.

    Whole lines of the release (its starter code, its examples pasted in) go before fingerprinting,
    so they cannot join up into runs no release text has ("def f(x):" followed by a pasted example).
    """
    as_released = {line.strip() for cell in released.cells for line in _lines(cell.source)}
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, text in answer_cells(submitted):
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
    return np.unique(np.array(list(fingerprint(texts, kind, boilerplate).hashes), dtype=np.int64))


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
        total_a, total_b = total_a + x.token_coverage, total_b + y.token_coverage
        if not x.token_coverage or not y.token_coverage:
            per_kind[kind] = None  # one of them wrote nothing of this kind
            continue
        shared = x.hashes & y.hashes
        per_kind[kind] = 0.0
        if not shared:  # most pairs of a class: nothing in common to locate
            continue
        _, (sim_x, sim_y), slices[kind] = compare_files(x, y)
        sim_x, sim_y = min(float(sim_x), 1.0), min(float(sim_y), 1.0)
        per_kind[kind] = max(sim_x, sim_y)
        got_a, got_b = got_a + sim_x * x.token_coverage, got_b + sim_y * y.token_coverage
        common, from_ref = common + len(shared), from_ref + len(shared & ref[kind])
    return Pair(a, b, float(got_a / total_a) if total_a else 0.0, float(got_b / total_b) if total_b else 0.0,
                per_kind["code"], per_kind["written"], from_ref / common if common else None, slices)


# -- the heatmap the report's page shows ------------------------------------------------------------

LABELLED = 40  # students named on the heatmap's axes up to this many; a larger class is a pattern to scan


def heatmap_figure(sim: Similarity):
    """Pairwise similarity of the students (a matplotlib figure; the caller closes it)."""
    m = sim.matrix()
    n = len(m)
    side = min(2 + 0.4 * n, 12)
    fig, ax = plt.subplots(figsize=(side + 1.5, side))
    cmap = plt.get_cmap("Reds").with_extremes(bad="#e6e9ee")  # bad: the diagonal
    im = ax.imshow(m.to_numpy(dtype=float), vmin=0, vmax=1, cmap=cmap)
    if n <= LABELLED:
        ax.set_xticks(range(n), m.columns, rotation=60, ha="right")
        ax.set_yticks(range(n), m.index)
    ax.set_title(f"{sim.assignment}: answers alike")
    fig.colorbar(im, ax=ax, label="alike")
    fig.tight_layout()
    return fig
