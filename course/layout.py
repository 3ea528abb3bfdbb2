"""The course directory's layout in one place, over nbgrader's own ``CourseDirectory``.

nbgrader names each step's folder and formats ``{nbgrader_step}/{student_id}/{assignment_id}``
(``CourseDirectory.format_path``); the course keeps its own files beside them: the gradebook,
the ledger of grading outcomes, the workers' logs, the reports and the exchange. Grading, the
ledger, the report, simulated students and the tests all ask this module where things are.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from nbgrader.coursedir import CourseDirectory

from course import config


class Layout:
    """Where everything lives in the course directory ``root``."""

    def __init__(self, root: Path | str = config.ROOT):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"Layout({str(self.root)!r})"

    @cached_property
    def _nbgrader(self) -> CourseDirectory:
        return CourseDirectory(root=str(self.root))

    def _step(self, step: str, student: str, assignment: str) -> Path:
        name = getattr(self._nbgrader, f"{step}_directory")
        return Path(self._nbgrader.format_path(name, student, assignment))  # pathlib folds the "." parts

    def source(self, assignment: str = ".") -> Path:
        return self._step("source", ".", assignment)

    def release(self, assignment: str = ".") -> Path:
        return self._step("release", ".", assignment)

    def submitted(self, student: str = ".", assignment: str = ".") -> Path:
        return self._step("submitted", student, assignment)

    def autograded(self, student: str = ".", assignment: str = ".") -> Path:
        return self._step("autograded", student, assignment)

    def feedback(self, student: str = ".", assignment: str = ".") -> Path:
        return self._step("feedback", student, assignment)

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def gradebook_url(self) -> Path:
        """A private file naming the gradebook's database once it moved off SQLite (`course gradebook init`)."""
        return self.root / "gradebook.url"

    @property
    def has_gradebook(self) -> bool:
        """True once the course has a gradebook (opening a missing SQLite one would create it)."""
        return self.gradebook_url.exists() or self.gradebook.exists()

    @property
    def db_url(self) -> str:
        """nbgrader's ``db_url``: the moved-to database if there is one, else the SQLite file."""
        try:
            return self.gradebook_url.read_text().strip()
        except FileNotFoundError:
            # Parallel graders share one SQLite file: wait for its single writer instead of failing.
            return f"sqlite:///{self.gradebook}?timeout=120"

    @property
    def ledger(self) -> Path:
        """The course's record of each submission's grading outcome."""
        return self.autograded() / "course-outcomes.json"

    @property
    def logs(self) -> Path:
        """The grading workers' logs."""
        return self.autograded() / "logs"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def exchange(self) -> Path:
        return self.root / ".cache" / "exchange"

    def exchange_release(self, assignment: str = ".") -> Path:
        """Where ``course release --exchange`` puts an assignment's student version for students to fetch."""
        return (self.exchange / config.COURSE_NAME / "outbound" / assignment).resolve()

    def returned(self, student: str = ".", assignment: str = ".") -> Path:
        """Where the queue's writer puts the notebooks a grader host returned, while it records them."""
        return (self.root / ".cache" / "returned" / student / assignment).resolve()

    @property
    def student_workspace(self) -> Path:
        """The student copy `course lab` serves."""
        return self.root / ".cache" / "student"

    def private(self) -> list[Path]:
        """What no graded submission may read: solutions and hidden tests, others' work, grades, history.

        Not the exchange: students reach it as their own users, and nbgrader's modes inside it
        keep each one's submissions and feedback from the others (:mod:`course.grading.exchange`).
        """
        return [self.source(), self.submitted(), self.autograded(), self.feedback(), self.reports,
                self.gradebook, self.gradebook_url, self.root / ".git", self.root / "course" / "material",
                self.student_workspace, self.returned()]

    def students(self, assignment: str) -> list[str]:
        """Students with a submission of ``assignment``."""
        base = self.submitted()
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.exists() else []
