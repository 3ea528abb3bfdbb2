"""Grading a class through the queue: one task per submission to the grader hosts, one writer.

Who writes grades: this process, alone. Hosts run untrusted notebooks, so they hold no
gradebook credentials; each returns the autograded notebooks and the outcome, and the
writer records them with nbgrader's own code (``Record``: nbgrader's autograde minus
execution, so SaveAutoGrades and AssignLatePenalties over the returned notebook). One
writer means no two processes ever write one submission's rows, whatever the database.

Idempotent: a task's id is the digest of the course, assignment, student, the
submission's files and the assignment's source. A task the broker delivers twice (a host
died, or a visibility timeout passed) has one result under that id, and the writer
records each id once; a rerun finds a result already stored for the same digest and
records it without grading again. Recording waits for a database that restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbgrader.api as nbgrader_db
from celery.backends.base import BaseKeyValueStoreBackend
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from nbgrader.utils import capture_log, temp_attrs
from sqlalchemy.exc import InterfaceError, OperationalError
from tqdm.auto import tqdm

from course import config
from course.grading import host, ledger, nbgrader_api, parallel, variants
from course.grading.ledger import Graded
from course.grading.worker import discard, reason_of
from course.layout import Layout
from course.material import lessons

#: Seconds the writer waits for the gradebook's database to come back before giving up.
DATABASE_PATIENCE = 120.0
#: Seconds without any grader host taking tasks from the queue before the writer stops waiting.
NO_HOST_PATIENCE = 120.0
#: Text of errors that mean "the database went away", not "this submission is wrong".
_LOST = ("OperationalError", "InterfaceError", "server closed the connection", "Connection refused",
         "terminating connection")


class Record(Autograde):
    """nbgrader's autograde of a notebook a grader host already executed: grades saved, nothing run.

    Reads the returned notebooks from ``Layout.returned`` and writes ``autograded/`` as
    autograde does (student and submission rows, timestamp, late penalty, missing notebooks).
    """

    returned = ""

    @property
    def _input_directory(self) -> str:
        return self.returned

    def convert_single_notebook(self, notebook_filename: str) -> None:
        self._sanitizing = False
        self._init_preprocessors()
        BaseConverter.convert_single_notebook(self, notebook_filename)


def payload(assignment: str, student: str, root: Path, timeout: float) -> dict:
    """What a host needs to grade one submission, sharing no disk with this machine."""
    layout = Layout(root)
    lesson = next((item for item in lessons.ordered() if item.assignment == assignment), None)
    return {"course": nbgrader_api.course_tag(root), "assignment": assignment, "student": student,
            "files": host.encode(layout.submitted(student, assignment)),
            "source": host.encode(layout.source(assignment)),
            "second_engine": bool(lesson and lesson.needs_second_engine), "timeout": timeout,
            "variant": variants.of(student, assignment, root) if lesson else {},  # the values, never the secret
            "lang": layout.language}  # the edition's: the host's kernels give feedback in the learner's language


def task_id(job: dict) -> str:
    """The digest of a submission as graded: course, assignment, student, its files, the source, its
    variant and the language its feedback is written in."""
    key = [job["course"], job["assignment"], job["student"], job["files"], job["source"], job.get("variant"),
           job.get("lang", "en")]
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _lost(text: str) -> bool:
    return any(marker in text for marker in _LOST)


def _patiently(step):
    """Run ``step`` (returns an Outcome), again while the database is away, up to DATABASE_PATIENCE."""
    deadline = time.monotonic() + DATABASE_PATIENCE
    while True:
        try:
            outcome = step()
            if outcome.ok or not _lost(outcome.error + outcome.log) or time.monotonic() > deadline:
                return outcome
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
        time.sleep(1.0)


def record(answer: dict, root: Path) -> Graded:
    """Record one host's answer in the gradebook (or, for a submission that could not run, no grades)."""
    graded = Graded(**answer["graded"])
    graded.host = answer.get("host", "")
    assignment, student = graded.assignment, graded.student
    if not graded.ok:
        _patiently(lambda: discard(assignment, student, root) or nbgrader_api.Outcome(True))
        return graded
    layout = Layout(root)
    returned = layout.returned(student, assignment)
    shutil.rmtree(returned, ignore_errors=True)
    returned.mkdir(parents=True)
    for name, text in answer["notebooks"].items():
        (returned / Path(name).name).write_text(text)
    stamp = layout.submitted(student, assignment) / "timestamp.txt"
    if stamp.exists():
        shutil.copy(stamp, returned / stamp.name)

    def save() -> nbgrader_api.Outcome:
        api = nbgrader_api.api(root)
        with temp_attrs(api.coursedir, assignment_id=assignment, student_id=student):
            app = Record(coursedir=api.coursedir, parent=api)
            app.returned = str(layout.returned())
            # The host's autograde checked the cells' metadata before running them (CheckCellMetadata),
            # and kernels cannot write the notebook it returns: the writer does not validate it again.
            app.autograde_preprocessors = [SaveAutoGrades, AssignLatePenalties]
            app.force, app.create_student = True, True
            return nbgrader_api.Outcome.of(capture_log(app))

    outcome = _patiently(save)
    shutil.rmtree(returned, ignore_errors=True)
    if not outcome.ok:
        _patiently(lambda: discard(assignment, student, root) or nbgrader_api.Outcome(True))
        return Graded(student, assignment, False, f"recording failed: {reason_of(outcome)}", graded.seconds)
    return graded


def _answer(state: str, value: object) -> dict:
    """A ready task's answer as the writer records it: the host's, or what made the task fail."""
    return value if state == "SUCCESS" else {"graded": {}, "failure": f"{type(value).__name__}: {value}"}


def _ready(app, waiting: dict[str, tuple[str, str, object]]) -> dict[str, dict]:
    """The answers of the waiting tasks that are ready, by task id (an empty round while the backend restarts).

    Redis: one MGET for all of them (Celery's ``get_many``, one pass), not a GET per task each round
    (1,200 tasks of a class); RabbitMQ's reply queues: task by task.
    """
    try:
        if isinstance(app.backend, BaseKeyValueStoreBackend):
            metas = app.backend.get_many(list(waiting), interval=0, max_iterations=1)
            return {tid: _answer(meta["status"], meta["result"]) for tid, meta in metas}
        return {tid: _answer(result.state, result.result) for tid, (_, _, result) in waiting.items()
                if result.ready()}
    except Exception:  # noqa: BLE001 (the backend is restarting: ask again on the next round)
        return {}


@contextlib.contextmanager
def one_engine_per_database() -> Iterator[None]:
    """While the writer records, nbgrader's gradebooks share one SQLAlchemy engine per database URL.

    nbgrader makes an engine for each ``Gradebook`` it opens (seven per recorded submission), and
    an engine's cache of compiled statements goes with it: every query was compiled again, about
    half of the writer's CPU. A gradebook still closes its connections when it closes (``dispose``),
    so none is kept across a database restart; an engine is safe to share between threads.
    """
    original = nbgrader_db.create_engine
    engines: dict[tuple, object] = {}

    def shared(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = original(url, **options)
        return engines[key]

    nbgrader_db.create_engine = shared
    try:
        yield
    finally:
        nbgrader_db.create_engine = original
        for engine in engines.values():
            engine.dispose()


def _consumed(app) -> bool | None:
    """True if some grader host takes tasks from the queue, False if none, None if the broker cannot say."""
    try:
        queues = app.control.inspect(timeout=2.0).active_queues()
    except Exception:  # noqa: BLE001 (the broker is restarting: no verdict)
        return None
    return any(q["name"] == host.QUEUE for found in (queues or {}).values() for q in found)


def autograde(assignments: list[str], broker: str, students: list[str] | None = None, root: Path = config.ROOT,
              force: bool = False, timeout: float = parallel.SUBMISSION_TIMEOUT,
              visibility_timeout: float = 3600.0, no_host_patience: float = NO_HOST_PATIENCE) -> list[Graded]:
    """Grade the class's submissions of ``assignments`` on the grader hosts reading ``broker``.

    Longest expected first (the local pool's order), a progress bar as results return; each
    result is recorded as it arrives, the ledger after each, so an interrupted run loses nothing.
    """
    pending = parallel.pending_jobs(assignments, students, root, force)
    if not pending:
        return []
    app = host.make_app(broker, visibility_timeout)
    waiting: dict[str, tuple[str, str, object]] = {}
    for assignment, student in parallel.schedule(pending, root):
        job = payload(assignment, student, root, timeout)
        tid = task_id(job)
        result = app.AsyncResult(tid)
        reuse = not force and host.backend_for(broker) != "rpc://" and result.successful()
        if not reuse:
            if host.backend_for(broker) != "rpc://":
                result.forget()
            result = app.send_task(host.TASK, args=[job], task_id=tid, queue=host.QUEUE,
                                   soft_time_limit=timeout, time_limit=timeout + 60)
        waiting[tid] = (assignment, student, result)
    what = assignments[0] if len(assignments) == 1 else f"{len(assignments)} assignments"
    bar = tqdm(total=len(waiting), desc=f"autograde {what} (queue)", unit="submission")
    results: list[Graded] = []
    hostless_since, checked = None, time.monotonic()
    every = min(15.0, no_host_patience / 3)
    # Whether some host reads the queue is asked aside (Celery's inspect waits its whole timeout for
    # replies), and only while no result arrives: a result that is ready is recorded at once.
    inspector, looking = ThreadPoolExecutor(1), None
    with one_engine_per_database():
        while waiting:
            if looking is None and time.monotonic() - checked > every:
                looking = inspector.submit(_consumed, app)
            if looking is not None and looking.done():
                checked, consumed, looking = time.monotonic(), looking.result(), None
                hostless_since = None if consumed is not False else hostless_since or checked
                if hostless_since and checked - hostless_since > no_host_patience:
                    for assignment, student, _ in waiting.values():
                        results.append(Graded(student, assignment, False, "no grader host took it from the "
                                              f"queue for {no_host_patience:.0f} s (start `course grade-worker`); "
                                              "it stays queued, and a rerun records its result"))
                    ledger.record(results[-len(waiting):], root)
                    bar.update(len(waiting))
                    break
            for tid, answer in _ready(app, waiting).items():
                assignment, student, _ = waiting.pop(tid)
                if "failure" in answer:
                    graded = Graded(student, assignment, False, f"the grader host failed: {answer['failure']}")
                    _patiently(lambda a=assignment, s=student: discard(a, s, root) or nbgrader_api.Outcome(True))
                else:
                    graded = record(answer, root)
                graded.digest = tid
                results.append(graded)
                ledger.record([graded], root)
                bar.update(1)
                hostless_since, checked = None, time.monotonic()  # a host answered: no need to ask
            time.sleep(0.25)
    inspector.shutdown(wait=False, cancel_futures=True)
    bar.close()
    return sorted(results, key=lambda r: (r.assignment, r.student))
