"""Each student's variant, from the course's secret: for the grader, the lab and the instructor.

The secret is made once per course directory (``variant.secret``, mode 0600, like
``gradebook.url``) and never leaves the processes that run as root: a kernel is handed only its
student's values (:data:`course.lab.variant.ENV`), for the grader by :class:`RecordVariant` from
the submission's student id, for a lab by :func:`kernel_env` from the login. A grader host of the
queue has no secret: each task carries its submission's values, which the host pins (:func:`pin`).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course import config, i18n
from course.i18n import translator
from course.lab.variant import ENV
from course.layout import Layout
from course.material import lessons
from course.material.variants import Value, derive

_ = translator("common")


def secret(root: Path = config.ROOT) -> bytes:
    """The course's variant secret, made on first use (readable by its owner only)."""
    path = Layout(root).variant_secret
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def _pin_path(student: str, assignment: str, root: Path) -> Path:
    return Layout(root).variant_pins / assignment / f"{student}.json"


def of(student: str, assignment: str, root: Path = config.ROOT) -> dict[str, Value]:
    """``student``'s values for ``assignment`` (empty if its lesson varies nothing); a grader host's pinned ones."""
    pinned = _pin_path(student, assignment, root)
    if pinned.exists():
        return json.loads(pinned.read_text())
    return derive(secret(root), student, assignment, lessons.get(assignment).params)


def pin(student: str, assignment: str, values: dict[str, Value], root: Path) -> None:
    """On a grader host: grade ``student``'s submission against ``values``, derived where the secret is."""
    path = _pin_path(student, assignment, root)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps(values))
    path.chmod(0o600)


def kernel_env(student: str, assignments: list[str] | None = None, root: Path = config.ROOT) -> dict[str, str]:
    """The environment that hands a kernel ``student``'s values (all assignments by default), never the secret."""
    chosen = lessons.names() if assignments is None else assignments
    return {ENV: json.dumps({"student": student, "values": {a: of(student, a, root) for a in chosen}})}


def describe(student: str, assignment: str, root: Path = config.ROOT) -> list[tuple[str, str, Value]]:
    """(name, meaning, value) of each of ``student``'s values for ``assignment``, the meaning in the
    language of the moment (its lesson's catalog, as the notebook's values cell shows it)."""
    mine, t = of(student, assignment, root), translator(assignment)
    return [(p.name, t(p.meaning), mine[p.name]) for p in lessons.get(assignment).params]


class RecordVariant(NbGraderPreprocessor):
    """First in autograde: hand the kernel its submission's variant, and record it in the notebook.

    The student id is nbgrader's (the submission's folder), so no cell can choose it; the
    formgrader shows the added note at the top, and the values are in the notebook's metadata.
    """

    course_root = Unicode("", help="The course directory whose secret derives the variants").tag(config=True)

    def preprocess(self, nb, resources):
        student, assignment = resources["nbgrader"]["student"], resources["nbgrader"]["assignment"]
        root = Path(self.course_root or config.ROOT)
        lang = Layout(root).language
        os.environ.update(kernel_env(student, [assignment], root))  # the kernel Execute starts next inherits it
        os.environ[i18n.ENV] = lang  # feedback in the edition's language, the learner's
        with i18n.using(lang):  # and the note below in it too
            rows = describe(student, assignment, root)
            nb.metadata["course_variant"] = {"student": student, "assignment": assignment,
                                             "values": {name: value for name, _meaning, value in rows}}
            if rows:
                table = "\n".join(f"| {meaning} | `{name}` | {value} |" for name, meaning, value in rows)
                head = _("**Graded against the variant of {student}** (derived from the course's secret):").format(
                    student=student)
                columns = _("| what | name | value |")
                nb.cells.insert(0, new_markdown_cell(f"{head}\n\n{columns}\n|---|---|---|\n{table}"))
        return nb, resources
