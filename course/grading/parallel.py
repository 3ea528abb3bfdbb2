"""Autograding a class in parallel: N long-lived workers, a progress bar, timeouts, resume.

Each worker is a process of its own (``course.grading.worker``) grading one submission
at a time with nbgrader's own autograde, into the one gradebook: SQLite's single writer
is respected by a long busy timeout (writes are milliseconds; execution is seconds).
A submission that overruns its time has its worker and kernels killed by pid, its engine
session removed, and is reported; the worker is replaced.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from tqdm.auto import tqdm

from course import config
from course.engine import client, remove_labelled
from course.grading import ledger, nbgrader_api, sandbox
from course.grading.ledger import Graded
from course.grading.worker import discard
from course.layout import Layout
from course.material import lessons

#: Wall-clock seconds one submission may take, all cells together.
SUBMISSION_TIMEOUT = 600.0


class Worker:
    """One grading process and what it started."""

    def __init__(self, root: Path, log: Path, slot: sandbox.Slot | None = None):
        self.root = root
        self.slot = slot
        self.log = open(log, "ab")  # noqa: SIM115 (lives as long as the worker)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course.grading.worker", str(root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, start_new_session=True,
            env={**os.environ, **(slot.env if slot else {})},
        )

    def grade(self, assignment: str, student: str, force: bool, timeout: float | None) -> Graded | None:
        """Send one job; the result, or None if it died or did not answer in ``timeout`` seconds (None: no limit)."""
        job = {"assignment": assignment, "student": student, "force": force}
        if self.slot:
            job.update(slot=self.slot.index, owner=self.slot.owner)
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # Wake each second: a killed worker's kernels may hold its stdout open, so no EOF comes.
            left = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready and self.proc.poll() is not None:
                ready, _, _ = select.select([self.proc.stdout], [], [], 0)  # a last line it wrote, then died
                if not ready:
                    return None
            if ready:
                line = self.proc.stdout.readline()
                return Graded(**json.loads(line)) if line else None
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def kill(self) -> None:
        """Kill the worker and every process under it (its kernels run in sessions of their own)."""
        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        for proc in [*tree]:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.log.close()


def stop(worker: Worker, slot: sandbox.Slot | None, assignment: str, student: str, root: Path) -> None:
    """Stop a worker mid-submission: kill it and its kernels, clean the engine, forget its grades."""
    worker.kill()
    if slot:
        sandbox.kill_user_processes(slot.index)
        remove_labelled(client(), owner=slot.owner, images=True)
    remove_labelled(client(), session=nbgrader_api.submission_session(assignment, student, root))
    discard(assignment, student, root)


#: Seconds between two looks at the machine while the pool may still grow; the idle share of the
#: CPU (all of it, other users' load included) and the memory a further worker needs (its kernel
#: and a VM); at most this many workers per CPU.
GROW_EVERY = 5.0
GROW_IDLE_PERCENT = 30.0
GROW_MEMORY = 1 << 30
GROW_CAP = 2


def should_grow(idle_percent: float, available: int, waiting: int, running: int, cap: int) -> bool:
    """Whether the pool takes one more worker: CPU to spare, memory for it, work for it, room under the cap."""
    return idle_percent >= GROW_IDLE_PERCENT and available >= GROW_MEMORY and waiting > 0 and running < cap


def _grow(threads: list[threading.Thread], run, jobs: queue.Queue, cap: int, bar: tqdm) -> None:
    """Add a worker each time the CPU idled over the last ``GROW_EVERY`` seconds, while jobs wait."""
    psutil.cpu_times_percent(None)  # starts the first interval
    look = time.monotonic() + GROW_EVERY
    while jobs.qsize() and any(t.is_alive() for t in threads):
        time.sleep(0.2)  # the pool must not wait for the next look to end
        if time.monotonic() < look:
            continue
        look = time.monotonic() + GROW_EVERY
        idle = psutil.cpu_times_percent(None).idle
        if should_grow(idle, psutil.virtual_memory().available, jobs.qsize(), len(threads), cap):
            threads.append(threading.Thread(target=run, args=(len(threads),), daemon=True))
            threads[-1].start()
            bar.set_postfix_str(f"{len(threads)} workers (CPU {idle:.0f}% idle)")


def submitted_students(assignment: str, root: Path = config.ROOT) -> list[str]:
    """Students with a submission of ``assignment`` in ``submitted/``."""
    return Layout(root).students(assignment)


def to_grade(assignment: str, students: list[str], root: Path, force: bool) -> list[str]:
    """Resume: without ``force``, only submissions not yet graded successfully."""
    if force:
        return students
    done, layout = ledger.load(root), Layout(root)
    return [s for s in students
            if not (done.get((assignment, s)) and done[(assignment, s)].ok
                    and layout.autograded(s, assignment).is_dir())]


def expected_seconds(assignments: set[str], root: Path) -> dict[str, float]:
    """How long grading one submission of each assignment is expected to take (for scheduling only).

    The median of this course's earlier successful gradings of it, else the lesson's own estimate.
    """
    past: dict[str, list[float]] = {}
    for (assignment, _), graded in ledger.load(root).items():
        if graded.ok and graded.seconds:
            past.setdefault(assignment, []).append(graded.seconds)
    estimates = {lesson.assignment: lesson.grading_seconds for lesson in lessons.ordered()}
    expected = {}
    for assignment in assignments:
        times = sorted(past.get(assignment, []))
        expected[assignment] = times[len(times) // 2] if times else float(estimates.get(assignment, 10))
    return expected


def schedule(jobs: list[tuple[str, str]], root: Path) -> list[tuple[str, str]]:
    """Longest expected first, so that the pool does not end with one worker grading a long one alone."""
    cost = expected_seconds({a for a, _ in jobs}, root)
    return sorted(jobs, key=lambda job: -cost[job[0]])  # stable: submission order within an assignment


def _chosen(assignment: str, students: list[str] | None, root: Path, several: bool) -> list[str]:
    """The students to grade for ``assignment``: all who submitted it, or those asked for.

    Over several assignments, a student asked for is skipped where they submitted nothing;
    for one assignment they are graded anyway, so that a missing submission is reported.
    """
    submitted = submitted_students(assignment, root)
    if not students:
        return submitted
    return [s for s in students if s in submitted or not several]


def pending_jobs(assignments: list[str], students: list[str] | None, root: Path,
                 force: bool) -> list[tuple[str, str]]:
    """(assignment, student) of every submission to grade: those asked for, less those already graded."""
    several = len(assignments) > 1
    return [(a, s) for a in assignments for s in to_grade(a, _chosen(a, students, root, several), root, force)]


def autograde_all(assignment: str, students: list[str] | None = None, root: Path = config.ROOT,
                  force: bool = False, workers: int | None = None,
                  timeout: float = SUBMISSION_TIMEOUT, isolate: bool | None = None,
                  unconfined: bool = False) -> list[Graded]:
    """Autograde ``students``' submissions of one assignment (default: all submitted)."""
    return autograde([assignment], students, root, force, workers, timeout, isolate, unconfined)


def autograde(assignments: list[str], students: list[str] | None = None, root: Path = config.ROOT,
              force: bool = False, workers: int | None = None,
              timeout: float = SUBMISSION_TIMEOUT, isolate: bool | None = None,
              unconfined: bool = False) -> list[Graded]:
    """Autograde the submissions of several assignments with one pool of ``workers`` processes.

    One pool for the whole class: workers start (and open their sandboxes) once, and
    long submissions of one assignment overlap with short ones of another.
    ``isolate`` (default: wherever the course can, i.e. as root) runs each kernel in its
    slot's sandbox: an unprivileged user, the slot's guard, its allow-list view of the files.
    Where the view is not available (see ``sandbox.isolation()``) it refuses
    (``sandbox.UnconfinedRefused``); ``unconfined`` grades without the view (the user, guard and
    limits stay), ``isolate=False`` with no sandbox at all (trusted notebooks only).
    """
    confined = isolate is not False and not unconfined
    if confined:
        sandbox.require_view()
    isolate = sandbox.available() if isolate is None else isolate
    pending = pending_jobs(assignments, students, root, force)
    if not pending:
        return []
    jobs: queue.Queue[tuple[str, str]] = queue.Queue()
    for job in schedule(pending, root):
        jobs.put(job)
    results: list[Graded] = []
    lock = threading.Lock()
    what = assignments[0] if len(assignments) == 1 else f"{len(assignments)} assignments"
    bar = tqdm(total=len(pending), desc=f"autograde {what}", unit="submission")
    logs = Layout(root).logs
    logs.mkdir(parents=True, exist_ok=True)

    course_tag = nbgrader_api.course_tag(root)
    graded = {a for a, _ in pending}
    needs_second = any(lesson.needs_second_engine for lesson in lessons.ordered() if lesson.assignment in graded)
    if isolate:
        sandbox.prepare(root)
        sandbox.ensure_registry()

    def run(index: int) -> None:
        slot = sandbox.open_slot(course_tag, second_engine=needs_second, confined=confined) if isolate else None
        worker = Worker(root, logs / f"worker-{index}.log", slot)
        try:
            while True:
                try:
                    assignment, student = jobs.get_nowait()
                except queue.Empty:
                    return
                start = time.monotonic()
                result = worker.grade(assignment, student, force=True, timeout=timeout)
                if result is None:  # overran or died: kill it all, clean its engine session, go on
                    stop(worker, slot, assignment, student, root)
                    result = Graded(student, assignment, False,
                                    f"grading stopped after {time.monotonic() - start:.0f} s "
                                    f"(limit {timeout:.0f} s, or the grader process died)",
                                    time.monotonic() - start)
                    worker = Worker(root, logs / f"worker-{index}.log", slot)
                if slot:
                    sandbox.forget_registry(slot.index)  # the slot's next student must not find these pushes
                with lock:
                    results.append(result)
                    bar.update(1)
        finally:
            worker.close()
            if slot:
                slot.close()

    count = max(1, min(workers or os.cpu_count() or 1, len(pending)))
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    if workers is None:  # chosen from measurement: more workers while the CPU idles (kernels wait on VMs, dockerd)
        _grow(threads, run, jobs, min(GROW_CAP * (os.cpu_count() or 1), len(pending)), bar)
    for t in threads:
        t.join()
    bar.close()
    ledger.record(results, root)
    return sorted(results, key=lambda r: (r.assignment, r.student))
