"""The same class graded by the local pool and through the queue, at the same total concurrency.

Grader hosts are services: on a deadline night they are already running when the instructor
runs ``course autograde --queue``, as the local pool is what ``course autograde`` starts. So
the host (a ``course grade-worker`` process on the same engine, N worker processes) is
started before the clock, and its start-up is printed on its own (it makes its empty gradebook
then); everything a submission costs is inside the clock on both sides: the host generates each
assignment on its first task and opens its sandbox slots then, the writer records every result
in the gradebook.
Runs in ABBA order (local, queue, queue, local; every run grades the whole class) so a
drift in the machine's load hits both sides alike. Checks that every graded cell got the
same score in every run. Prints the walls, how long a slot was not grading on each side (the
wall less the submissions' own grading time per slot: start-up, generating, the gaps between
submissions, recording, the tail; less swayed by other users' load than the walls), the
queue's overhead per submission in ms, and last ``queue_overhead: X.XX`` ((queue - local) /
local, mean walls).

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

from course import config
from course.apps import hosts
from course.grading import distributed, nbgrader_api, parallel, report
from course.grading import host as grader_host
from course.material import lessons
from course.services import broker


def scores(root: Path):
    key = ["assignment", "student", "question"]
    return report.scores(root).sort_values(key)[[*key, "score"]].reset_index(drop=True)


def timed(grade) -> tuple[float, float]:
    """The wall of ``grade()`` and the seconds its submissions were being graded (nbgrader's autograde in
    the grading process, as each reports it), all together."""
    start = time.monotonic()
    results = grade()
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return time.monotonic() - start, sum(r.seconds for r in results)


def run_local(root: Path, assignments: list[str], concurrency: int) -> tuple[float, float]:
    return timed(lambda: parallel.autograde(assignments, root=root, workers=concurrency, force=True))


def run_queue(root: Path, assignments: list[str], url: str) -> tuple[float, float]:
    return timed(lambda: distributed.autograde(assignments, url, None, root, force=True))


def run_queue_cold(root: Path, assignments: list[str], concurrency: int, url: str,
                   log: Path) -> tuple[float, float]:
    """A fresh host, started before the clock, that has never seen this course (it generates each
    assignment and opens its slots inside the clock, as the pool opens its own), nor made its empty
    gradebook (its start-up makes it)."""
    shutil.rmtree(config.CACHE / "host" / nbgrader_api.course_tag(root), ignore_errors=True)
    grader_host.template_path().unlink(missing_ok=True)
    began = time.monotonic()
    host = hosts.start("bench", url, concurrency, log=log)
    print(f"grader host start-up (before the clock): {time.monotonic() - began:.1f} s", flush=True)
    try:
        return run_queue(root, assignments, url)
    finally:
        host.stop()


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
        walls: dict[str, list[float]] = {"local": [], "queue": []}
        idle: dict[str, list[float]] = {"local": [], "queue": []}
        reference = None
        for side in ("local", "queue", "queue", "local"):
            if side == "local":
                wall, grading = run_local(local, names, args.concurrency)
            else:
                wall, grading = run_queue_cold(queued, names, args.concurrency, url, Path(tmp, "host.log"))
            walls[side].append(wall)
            idle[side].append(wall - grading / args.concurrency)
            print(f"{side}: {wall:.1f} s (a slot not grading: {idle[side][-1]:.1f} s of it)", flush=True)
            graded = scores(local if side == "local" else queued)
            assert len(graded) and (reference is None or graded.equals(reference)), f"{side}'s scores differ"
            reference = graded
        print("identical scores, cell by cell, in every run")
        wall_local, wall_queue = (sum(w) / len(w) for w in (walls["local"], walls["queue"]))
        print(f"mean walls: local pool {wall_local:.1f} s, queue {wall_queue:.1f} s")
        # Less swayed by other users' load than the walls: what each side spends beside the grading itself
        # (start-up, generating, between submissions, recording, the last submissions' tail).
        print("a slot not grading, mean: local pool {:.1f} s, queue {:.1f} s".format(
            *(sum(v) / len(v) for v in (idle["local"], idle["queue"]))))
        print(f"queue overhead per submission: {(wall_queue - wall_local) / args.submissions * 1000:.0f} ms")
        print(f"queue_overhead: {(wall_queue - wall_local) / wall_local:.2f}")

if __name__ == "__main__":
    main()
