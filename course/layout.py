"""The course directory's layout in one place, over nbgrader's own ``CourseDirectory``.

nbgrader names each step's folder and formats ``{nbgrader_step}/{student_id}/{assignment_id}``
(``CourseDirectory.format_path``); the course keeps its own files beside them: the gradebook,
the ledger of grading outcomes, the workers' logs, the reports and the exchange. Grading, the
ledger, the report, simulated students and the tests all ask this module where things are.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from course import config, i18n

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory


class Layout:
    """Where everything lives in the course directory ``root``."""

    def __init__(self, root: Path | str = config.ROOT):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"Layout({str(self.root)!r})"

    @cached_property
    def _nbgrader(self) -> CourseDirectory:
        # Imported here: the kernel launcher imports this module for every graded kernel, and
        # nbgrader (with Jupyter's server extensions) costs it about a second.
        from nbgrader.coursedir import CourseDirectory

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
    def language_file(self) -> Path:
        """Names an edition's language (`course build-source --lang` writes it; a grader host from its task)."""
        return self.root / "LANGUAGE"

    @property
    def language(self) -> str:
        """The language of this course directory's edition (its ``LANGUAGE`` file; English without one)."""
        marker = self.language_file
        return i18n.checked(marker.read_text().strip()) if marker.exists() else i18n.DEFAULT

    def edition(self, lang: str) -> Path:
        """The course directory of the ``lang`` edition: the English course's (:attr:`english`) for English,
        its ``LANG/`` for another language (this one, if it is that edition).

        An edition is a course directory of its own (its own gradebook, exchange and nbgrader course id)
        with the same assignment ids, so the same checks, variants and grading estimates apply.
        """
        lang = i18n.checked(lang)
        if lang == self.language:
            return self.root
        return self.english if lang == i18n.DEFAULT else self.english / lang

    def languages(self) -> list[str]:
        """The languages this course has an edition in: English, then each translated edition present
        (its ``LANG/LANGUAGE`` file written), in :data:`course.i18n.LANGS`' order."""
        english = self.english
        return [lang for lang in i18n.LANGS
                if lang == i18n.DEFAULT or (english / lang / "LANGUAGE").is_file()]

    @property
    def course_id(self) -> str:
        """nbgrader's course id: the course's name, with the edition's language for a translated one."""
        return config.COURSE_NAME if self.language == i18n.DEFAULT else f"{config.COURSE_NAME}-{self.language}"

    @property
    def english(self) -> Path:
        """The English course directory the editions are in: this one, or the one an edition sits in. Its
        private files are the edition's too (one secret: a student has the same values in every language)."""
        return self.root.parent if self.language != i18n.DEFAULT else self.root

    @property
    def variant_secret(self) -> Path:
        """A private file holding the secret each student's exercise values are derived from."""
        return self.english / "variant.secret"

    @property
    def variant_pins(self) -> Path:
        """On a grader host (no secret): each graded submission's values, as the instructor's machine sent them."""
        return self.root / "variant.pins"

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
        return (self.exchange / self.course_id / "outbound" / assignment).resolve()

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
                self.gradebook, self.gradebook_url, self.variant_secret, self.variant_pins, self.root / ".git",
                self.root / "course" / "material",
                self.student_workspace, self.returned(),
                *(path for lang in self.languages() if lang != i18n.DEFAULT and self.language == i18n.DEFAULT
                  for path in Layout(self.root / lang).private())]

    def students(self, assignment: str) -> list[str]:
        """Students with a submission of ``assignment``."""
        base = self.submitted()
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.exists() else []
