"""nbgrader configuration for a course directory, shared by `nbgrader_config.py` and the CLI."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from course.layout import Layout

#: Seconds one cell may run when grading (a VM boot is the slowest cell).
CELL_TIMEOUT = 120


def apply(c: Config, root: Path | str) -> Config:
    """Set the course's nbgrader options on ``c`` for the course directory ``root``."""
    layout = Layout(root)
    c.CourseDirectory.root = str(layout.root)
    c.CourseDirectory.course_id = layout.course_id  # an edition's own, beside the English course
    c.CourseDirectory.db_url = layout.db_url
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".cache"]
    c.Exchange.root = str(layout.exchange)
    # Collect only what each student submitted themselves (the course's check replaces nbgrader's warning).
    c.ExchangeFactory.collect = "course.grading.exchange.CourseExchangeCollect"
    c.ExchangeCollect.check_owner = False
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    # The submission's variant first (its kernel inherits it); then Execute with sandboxed kernels
    # (when the worker asks) and an output cap; the rest as nbgrader's.
    c.RecordVariant.course_root = str(layout.root)
    c.Autograde.autograde_preprocessors = [
        "course.grading.variants.RecordVariant",
        "course.grading.execute.CourseExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.CourseExecute.timeout = CELL_TIMEOUT
    c.CourseExecute.interrupt_on_timeout = True
    # Feedback: nbgrader's own ClearHiddenTests, after trimming hidden tests' tracebacks.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "course.grading.feedback_filters.HideHiddenTestTracebacks",
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    return c


def course_config(root: Path | str) -> Config:
    """A fresh nbgrader Config for ``root``."""
    return apply(Config(), root)
