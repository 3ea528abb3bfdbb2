"""A grading worker process: reads jobs as JSON lines on stdin, answers one JSON line each.

Run as ``python -m course.grading.worker ROOT``. It lives for many submissions (nbgrader
is imported once), and the pool kills it (with its kernels) if a submission overruns.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import warnings
from pathlib import Path

import jsonschema
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import common as nbgrader_format

from course.engine import client, remove_labelled
from course.grading import nbgrader_api, sandbox, verify
from course.grading.ledger import Graded
from course.grading.settings import course_config
from course.layout import Layout

warnings.filterwarnings("ignore", message=".*not in session.*")  # nbgrader 0.9's SQLAlchemy noise


def discard(assignment: str, student: str, root: Path) -> None:
    """Forget a submission's untrustworthy grades: gradebook rows and autograded folder."""
    with Gradebook(course_config(root).CourseDirectory.db_url) as gb:
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            pass
    shutil.rmtree(Layout(root).autograded(student, assignment), ignore_errors=True)


def reason_of(outcome: nbgrader_api.Outcome) -> str:
    """The most specific line of nbgrader's log for a failed autograde."""
    lines = [ln.strip() for ln in (outcome.log + "\n" + outcome.error).splitlines() if ln.strip()]
    for marker in ("Error:", "Exception:", "[ERROR]"):
        specific = [ln for ln in lines if marker in ln and "see the the above traceback" not in ln
                    and "There was an error processing" not in ln]
        if specific:
            return specific[-1]
    return lines[-1] if lines else "nbgrader failed without a message"


def grade(assignment: str, student: str, root: Path, force: bool, slot: int | None = None,
          owner: str | None = None) -> Graded:
    """Autograde one submission (in the slot's sandbox, if any); clean up whatever it left."""
    if slot is not None:
        sandbox.reset_workdir(slot)  # nothing of the slot's previous submission
    try:
        return _grade(assignment, student, root, force)
    finally:
        if slot is not None:
            sandbox.kill_user_processes(slot)  # background processes, a VM, a fork bomb's survivors
            sandbox.reset_workdir(slot, seed=False)  # and its files: none lingers on the host until the slot's next use
            remove_labelled(client(), owner=owner, images=True)


def _grade(assignment: str, student: str, root: Path, force: bool) -> Graded:
    """Autograde one submission and check that every graded cell really ran."""
    start = time.monotonic()
    layout = Layout(root)
    notebooks = sorted(layout.submitted(student, assignment).glob("*.ipynb"))
    if not notebooks:
        return Graded(student, assignment, False, "no notebook in the submission folder")
    outcome = nbgrader_api.autograde(assignment, student, root, force=force)
    if not outcome.ok:
        discard(assignment, student, root)
        return Graded(student, assignment, False, reason_of(outcome), time.monotonic() - start)
    found = [p for nb in notebooks for p in verify.problems(layout.autograded(student, assignment) / nb.name)]
    if found:
        discard(assignment, student, root)
        return Graded(student, assignment, False, "; ".join(found), time.monotonic() - start)
    released = layout.release(assignment)
    notes = [n for nb in notebooks if (released / nb.name).exists()
             for n in verify.tampering(nb, released / nb.name)]
    return Graded(student, assignment, True, "; ".join(notes), time.monotonic() - start)


class CompiledSchemas:
    """What nbgrader's cell-metadata checks use of ``jsonschema``, with each schema checked once.

    nbgrader validates every cell's metadata with ``jsonschema.validate``, which checks the schema itself
    against its meta-schema first: for every cell, twice a submission (sanitizing, then after grading),
    nine tenths of that check's time. The same validator class, the same first error raised, the schema
    checked and its validator built once per process.
    """

    def __init__(self) -> None:
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def validate(self, instance: object, schema: dict) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def main() -> None:
    nbgrader_format.jsonschema = CompiledSchemas()  # this process grades many submissions: check the schema once
    root = Path(sys.argv[1])
    out = sys.stdout
    sys.stdout = sys.stderr  # nbgrader and kernels may print: keep the answer channel clean
    for line in sys.stdin:
        job = json.loads(line)
        try:
            result = grade(job["assignment"], job["student"], root, job.get("force", False),
                           job.get("slot"), job.get("owner"))
        except Exception as exc:  # noqa: BLE001 (report, never crash the worker: others wait)
            result = Graded(job["student"], job["assignment"], False, f"{type(exc).__name__}: {exc}")
        out.write(json.dumps(result.__dict__) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
