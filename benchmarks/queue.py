"""The same class graded by the local pool and through the queue, at the same total concurrency.

Both sides start cold inside the timed region: the local pool opens its sandbox slots and
workers as part of ``parallel.autograde``; the queue's side starts its grader host (a
``course grade-worker`` process, on the same engine, with N worker processes) inside the
clock too, enqueues, and records every result in the gradebook. Checks that every graded
cell got the same score. Prints both walls, the queue's overhead per submission in ms,
and last ``queue_overhead: X.XX`` ((queue - local) / local).

    .venv/bin/python benchmarks/queue.py [--submissions 24] [--concurrency 2] [--assignments engine,containers]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `queue`, which Celery and the pool import: keep
# its folder off the path, and load the other benchmark's class builder by file.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import importlib.util
import os
import shutil
import tempfile
import time

_spec = importlib.util.spec_from_file_location("autograde_benchmark", HERE / "autograde.py")
_autograde = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_autograde)
build_class = _autograde.build_class  # the other benchmark's class, built the same way

from course.apps import hosts
from course.grading import distributed, parallel, report
from course.material import lessons
from course.services import broker


def scores(root: Path):
    key = ["assignment", "student", "question"]
    return report.scores(root).sort_values(key)[[*key, "score"]].reset_index(drop=True)


def run_local(root: Path, assignments: list[str], concurrency: int) -> float:
    start = time.monotonic()
    results = parallel.autograde(assignments, root=root, workers=concurrency)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return time.monotonic() - start


def run_queue(root: Path, assignments: list[str], concurrency: int, url: str, log: Path) -> float:
    start = time.monotonic()
    # This machine's engine and cache, like the pool. The writer enqueues while the host boots, as
    # the pool's first submission waits for its workers to start.
    host = hosts.start("bench", url, concurrency, log=log, ready=False)
    try:
        results = distributed.autograde(assignments, url, None, root)
    finally:
        elapsed = time.monotonic() - start
        host.stop()
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignments", default="engine,containers", help="comma-separated (default: two short ones)")
    args = parser.parse_args()
    wanted = [a for a in args.assignments.split(",") if a]
    modules = [m for m in lessons.ordered() if not wanted or m.assignment in wanted]
    names = [m.assignment for m in modules]
    url = broker.start_broker()
    with tempfile.TemporaryDirectory() as tmp:
        local, queued = Path(tmp, "local"), Path(tmp, "queued")
        build_class(local, modules, args.submissions)
        shutil.copytree(local, queued)
        print(f"{args.submissions} submissions over {len(modules)} assignment(s), {os.cpu_count()} CPUs, "
              f"concurrency {args.concurrency} on both sides", flush=True)
        wall_local = run_local(local, names, args.concurrency)
        print(f"local pool: {wall_local:.1f} s", flush=True)
        wall_queue = run_queue(queued, names, args.concurrency, url, Path(tmp, "host.log"))
        print(f"queue (host started inside the clock): {wall_queue:.1f} s", flush=True)
        a, b = scores(local), scores(queued)
        assert len(a) and a.equals(b), "the queue's scores differ from the local pool's"
        print("identical scores, cell by cell")
        per = (wall_queue - wall_local) / args.submissions * 1000
        print(f"queue overhead per submission: {per:.0f} ms")
        print(f"queue_overhead: {(wall_queue - wall_local) / wall_local:.2f}")


if __name__ == "__main__":
    main()
