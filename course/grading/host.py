"""A grader host: a Celery worker grading one submission per task with the course's sandboxed path.

The task carries everything a host needs (the assignment's source notebooks, the
submission's files, its variant's values and its edition's language), so a host shares no
disk with the instructor and holds no gradebook credentials: it runs untrusted notebooks. Each worker process of the host keeps one
sandbox slot (grader user, guard on this machine's engine, limits) and one grading process
(``course.grading.worker``) for many tasks, as the local pool does, in a scratch course
directory of its own (``<cache>/host/<course>``, its own SQLite gradebook, copied from an empty one
the host made when it started: see :func:`gradebook_template`). It sends back
the autograded notebooks and the outcome; the one writer (``course autograde --queue``)
records them.

Faults, with Celery's own machinery:
- a host that dies mid-task never acknowledged it (``acks_late``; a lost worker process is
  ``reject_on_worker_lost``): the broker delivers it again, to another host;
- the grading process dies (a submission that kills it): ``retry`` up to ``TRIES`` times,
  then the outcome says so, without a score;
- the soft time limit interrupts an overrunning submission, which is reported; the hard
  limit is the backstop;
- the engine stops answering: the result cannot be trusted, so the task is given back
  (``Reject(requeue=True)``) and this host stops taking tasks (``cancel_consumer``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import nbgrader
from celery import Celery, signals
from celery.exceptions import Reject, SoftTimeLimitExceeded
from nbgrader.api import Gradebook

from course import config, i18n
from course.engine.connect import ping
from course.grading import nbgrader_api, parallel, sandbox, variants
from course.grading.ledger import Graded
from course.layout import Layout

QUEUE = "course-grading"
TASK = "course.grade_submission"
#: Deliveries of one submission whose grading process dies each time, before it is reported.
TRIES = 3


def backend_for(broker: str) -> str:
    """Where results go: the Redis broker itself, or RabbitMQ's reply queues (``rpc://``)."""
    return broker if broker.startswith(("redis://", "rediss://")) else "rpc://"


def make_app(broker: str, visibility_timeout: float = 3600.0) -> Celery:
    """The course's Celery app on ``broker`` (hosts and the writer configure it alike).

    ``visibility_timeout`` (Redis): how long a delivered, unacknowledged task waits before
    the broker gives it to another host; longer than any one submission takes.
    """
    app = Celery("course", broker=broker, backend=backend_for(broker), set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],  # never pickle
        task_default_queue=QUEUE, task_acks_late=True, task_reject_on_worker_lost=True,
        task_track_started=True, worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": visibility_timeout},
        result_backend_transport_options={"visibility_timeout": visibility_timeout},
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        result_backend_always_retry=True, result_backend_max_retries=120, result_expires=7 * 86400,
        worker_hijack_root_logger=False,
    )
    app.task(bind=True, name=TASK, max_retries=TRIES - 1, acks_late=True, reject_on_worker_lost=True)(grade_task)
    return app


def encode(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> base64), as a task carries it."""
    return {str(p.relative_to(folder)): base64.b64encode(p.read_bytes()).decode()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def decode(files: dict[str, str], folder: Path) -> None:
    """Write ``files`` (from :func:`encode`) into a fresh ``folder``."""
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            raise ValueError(f"refusing a file outside the submission: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


def source_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()


def template_path(cache: Path | None = None) -> Path:
    """Where a host keeps its empty gradebook (:func:`gradebook_template`): one per nbgrader version."""
    return (cache or config.CACHE) / "host" / f"gradebook-nbgrader-{nbgrader.__version__}.db"


def gradebook_template(cache: Path | None = None) -> Path:
    """An empty nbgrader gradebook, made once, that a host copies into each new course directory of its own.

    nbgrader makes a new gradebook by running ``alembic heads`` in a subprocess (a Python start-up and
    alembic's import: 1.5 s on an idle machine, 5-11 s on a loaded one), which would otherwise wait on a
    fresh host's first task of each course. ``course grade-worker`` makes it before it takes tasks.
    """
    path = template_path(cache)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        made = path.with_name(f".{path.name}.{os.getpid()}")  # atomic: another host may be making it too
        made.unlink(missing_ok=True)
        Gradebook(f"sqlite:///{made}").close()
        made.replace(path)
    return path


def set_language(root: Path, lang: str) -> None:
    """Make ``root`` an edition in ``lang`` (its ``LANGUAGE`` file, which the grader hands its kernels),
    atomically: the host's other worker processes may read it meanwhile."""
    path = Layout(root).language_file
    lang = i18n.checked(lang)
    if lang == i18n.DEFAULT:
        path.unlink(missing_ok=True)
    elif not path.exists() or path.read_text().strip() != lang:
        written = path.with_name(f".{path.name}.{os.getpid()}")
        written.write_text(f"{lang}\n")
        written.replace(path)


class Host:
    """What one worker process of a host keeps between tasks: its course directory, slot and grader."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.slot: sandbox.Slot | None = None
        self.worker: parallel.Worker | None = None

    def course(self, payload: dict) -> Path:
        """The host's course directory for the task's course (the assignment not yet generated), in the
        task's language: an edition's course has its own tag, so its own directory here."""
        root = config.CACHE / "host" / payload["course"]
        root.mkdir(parents=True, exist_ok=True)
        if root != self.root:
            self.close()
            self.root = root
        set_language(root, payload.get("lang", i18n.DEFAULT))
        return root

    def generate(self, payload: dict) -> None:
        """The task's assignment generated in this host's course directory, once per source."""
        assignment, source = payload["assignment"], payload["source"]
        marker = self.root / f".source-{assignment}"
        with open(self.root / ".lock", "a") as lock:  # the host's other worker processes share the directory
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not marker.exists() or marker.read_text() != source_digest(source):
                gradebook = Layout(self.root).gradebook
                if not gradebook.exists():
                    shutil.copy(gradebook_template(), gradebook)
                decode(source, Layout(self.root).source(assignment))
                outcome = nbgrader_api.generate(assignment, self.root)
                if not outcome.ok:
                    raise RuntimeError(f"generate_assignment {assignment} failed on this host:\n{outcome.error}")
                marker.write_text(source_digest(source))
            if sandbox.available():
                sandbox.prepare(self.root)

    def grader(self, second_engine: bool) -> parallel.Worker:
        """This process's grading process (and sandbox slot), started on first use or after a death."""
        if self.slot is not None and second_engine and self.slot.second is None:
            self.close()  # this assignment moves images between engines: reopen with a second engine
        if self.slot is None and sandbox.available():
            self.slot = sandbox.open_slot(nbgrader_api.course_tag(self.root), second_engine=second_engine)
        if self.worker is None:
            logs = Layout(self.root).logs
            logs.mkdir(parents=True, exist_ok=True)
            self.worker = parallel.Worker(self.root, logs / f"host-{os.getpid()}.log", self.slot)
        return self.worker

    def stop(self, assignment: str, student: str) -> None:
        """Kill the grading process mid-submission and clean what it left (the pool's own way)."""
        if self.worker is not None:
            parallel.stop(self.worker, self.slot, assignment, student, self.root)
            self.worker.log.close()
            self.worker = None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        if self.slot is not None:
            self.slot.close()
            self.slot = None


_HOST = Host()


@signals.worker_process_shutdown.connect
def _close_host(**_: object) -> None:
    with contextlib.suppress(Exception):
        _HOST.close()


def _give_back(task, why: str) -> None:
    """This host cannot grade truthfully: stop taking tasks, and put this one back for another host."""
    with contextlib.suppress(Exception):
        _HOST.close()
    task.app.control.cancel_consumer(QUEUE, destination=[task.request.hostname])
    raise Reject(why, requeue=True)


def grade_task(self, payload: dict) -> dict:
    """Grade one submission (the payload of ``distributed.payload``); the autograded notebooks and outcome."""
    assignment, student = payload["assignment"], payload["student"]
    if not ping():
        _give_back(self, "this host's Docker Engine does not answer")
    root = _HOST.course(payload)
    # On a host's first task the assignment is generated (nbgrader, in a thread) while the slot's guard
    # and the grading process start: they overlap instead of adding up.
    try:
        with ThreadPoolExecutor(1) as pool:
            generating = pool.submit(_HOST.generate, payload)
            grader = _HOST.grader(payload.get("second_engine", False))
            generating.result()
    except Exception:
        if not ping():  # the engine went away under the slot's guard: not this submission's fault
            _give_back(self, "this host's Docker Engine stopped answering")
        raise
    decode(payload["files"], Layout(root).submitted(student, assignment))
    if "variant" in payload:  # this host has no secret: grade against the values the writer derived
        variants.pin(student, assignment, payload["variant"], root)
    start = time.monotonic()
    try:
        graded = grader.grade(assignment, student, True, None)
    except SoftTimeLimitExceeded:
        _HOST.stop(assignment, student)
        graded = Graded(student, assignment, False, f"grading stopped after {time.monotonic() - start:.0f} s "
                                                    f"(limit {payload['timeout']:.0f} s)", time.monotonic() - start)
        return {"graded": asdict(graded), "notebooks": {}, "host": self.request.hostname}
    if graded is None:  # the grading process died under this submission
        _HOST.stop(assignment, student)
        if not ping():
            _give_back(self, "this host's Docker Engine stopped answering")
        if self.request.retries < TRIES - 1:
            raise self.retry(countdown=1)
        graded = Graded(student, assignment, False, f"the grading process died on each of {TRIES} tries",
                        time.monotonic() - start)
    if not ping():  # kernels lost the engine mid-submission: whatever was scored is not the learner's
        _give_back(self, "this host's Docker Engine stopped answering")
    folder = Layout(root).autograded(student, assignment)
    notebooks = {p.name: p.read_text() for p in sorted(folder.glob("*.ipynb"))} if graded.ok else {}
    return {"graded": asdict(graded), "notebooks": notebooks, "host": self.request.hostname}


def run(broker: str, concurrency: int = 1, hostname: str | None = None, visibility_timeout: float = 3600.0,
        loglevel: str = "INFO") -> None:
    """Run a grader host in this process until it is stopped (``course grade-worker``).

    Prefork worker processes, one task each at a time and none reserved ahead (prefetch 1),
    so a host that dies holds only the submissions it was grading. The gradebook template is made
    first, so that no task waits for it.
    """
    argv = ["worker", f"--concurrency={concurrency}", "--pool=prefork", f"--queues={QUEUE}",
            f"--loglevel={loglevel}", "--without-gossip", "--without-mingle", "--prefetch-multiplier=1"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    gradebook_template()
    make_app(broker, visibility_timeout).worker_main(argv)
