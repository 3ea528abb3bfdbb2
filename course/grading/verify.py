"""Did a submission really run? nbgrader gives full marks to a test cell with no output,
so a notebook whose kernel died or timed out must never be taken at face value (nbgrader #427)."""

from __future__ import annotations

from pathlib import Path

import nbformat

FATAL = ("DeadKernelError", "CellTimeoutError", "CellExecutionError")


def problems(autograded_nb: Path) -> list[str]:
    """Reasons the autograded notebook cannot be trusted; empty when every graded cell ran."""
    if not autograded_nb.exists():
        return [f"no autograded notebook at {autograded_nb}"]
    nb = nbformat.read(autograded_nb, as_version=4)
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in FATAL:
                found.append(f"{out['ename']} in cell {meta.get('grade_id') or '(unnamed)'}")
        if meta.get("grade") and cell.get("execution_count") is None:
            found.append(f"test cell {meta.get('grade_id')} never ran (the kernel stopped before it)")
    return found


def tampering(submitted_nb: Path, release_nb: Path) -> list[str]:
    """Notes on test cells the learner deleted or edited (nbgrader restores edited ones)."""
    from nbgrader.utils import compute_checksum

    def graded_cells(path: Path) -> dict[str, nbformat.NotebookNode]:
        cells = nbformat.read(path, as_version=4).cells
        return {c.metadata["nbgrader"]["grade_id"]: c for c in cells
                if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")}

    released, submitted = graded_cells(release_nb), graded_cells(submitted_nb)
    notes = [f"test cell {gid} was deleted (scored 0)" for gid in released if gid not in submitted]
    for gid, cell in submitted.items():
        original = released.get(gid)
        if original is not None and compute_checksum(cell) != original.metadata["nbgrader"].get("checksum"):
            notes.append(f"test cell {gid} was edited (the original was restored and run)")
    return notes
