"""nbgrader preprocessors for feedback that never reveals hidden tests (nbgrader #917).

nbgrader's autograded notebooks hold the hidden tests again, and a failing hidden test's
traceback quotes its code. Feedback keeps the learner-facing message (what is wrong,
what to try) and drops the rest.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class HideHiddenTestTracebacks(NbGraderPreprocessor):
    """In cells with hidden tests, reduce each error to its message: no code, no frames."""

    begin = "### BEGIN HIDDEN TESTS"

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and self.begin in cell.source:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
