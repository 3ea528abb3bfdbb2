"""What the guard costs: the containers notebook's Run All with and without it, interleaved in one run.

Default (``--workload notebook``): the `containers` lesson (solutions and tests included)
is executed top to bottom by nbclient, its kernel's DOCKER_HOST on the engine or on a
guard, alternately. ``--workload api``: each round runs a container from vmdocker/base that echoes, reads its logs, execs
in it, lists and inspects containers, and removes it. Rounds alternate between a
client on the engine socket and a client on a guard process, so drift in the
machine's load hits both alike. Both sides give the container the same network (none
by default, as the guard does for a container that asks for no network; ``--network
internal`` puts both on an internal bridge, the owner's network behind the guard), so
the difference is the proxy itself.

In the notebook workload each side runs the lesson as written: without the guard its
containers join the engine's default bridge; behind it, those that ask for no network
get none, and the one cell that asks for ``bridge`` gets the owner's internal network.

The last line printed is ``guard_overhead: X.XX`` (with/without - 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import docker

from course import config
from course.engine.cleanup import remove_labelled
from course.engine.connect import DEFAULT_SOCKET
from course.guard import start_guard
from course.images import ensure_image
from course.layout import Layout
from course.material import lessons

BASE = "vmdocker/base:latest"


def round_trip(api: docker.DockerClient, labels: dict[str, str], network: dict[str, str]) -> None:
    """One round of the workload."""
    box = api.containers.run(BASE, ["sh", "-c", "echo hello; exec sleep 30"], detach=True, labels=labels,
                             **network)
    try:
        while b"hello" not in box.logs():
            time.sleep(0.01)
        assert box.exec_run(["echo", "exec"]).output == b"exec\n"
        assert box.id in [c.id for c in api.containers.list(filters={"label": f"{config.LABEL_COURSE}"})]
        box.reload()
        assert box.attrs["State"]["Running"]
    finally:
        box.remove(force=True)


def run_all(url: str, session: str) -> float:
    """Seconds to execute the containers source notebook with its kernel on ``url``."""
    import nbformat
    from nbclient import NotebookClient

    lesson = lessons.get("containers")
    nb = nbformat.read(Layout().source(lesson.assignment) / lesson.filename, as_version=4)
    saved = {k: os.environ.get(k) for k in ("DOCKER_HOST", "COURSE_SESSION")}
    os.environ.update(DOCKER_HOST=url, COURSE_SESSION=session)
    try:
        started = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        return time.perf_counter() - started
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def notebook_main(rounds: int) -> None:
    """Run All of the containers notebook, interleaved with and without a guard."""
    session = f"bench-guard-nb-{os.getpid()}"
    engine = docker.DockerClient(base_url=DEFAULT_SOCKET, version="auto", timeout=120)
    ensure_image(engine)
    times: dict[str, list[float]] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory(prefix="guard-bench-") as tmp:
        guard = start_guard("bench-nb", Path(tmp) / "bench.sock", session=session)
        try:
            run_all(DEFAULT_SOCKET, session)  # warm caches (imports, image layers)
            for i in range(rounds):
                order = [("without", DEFAULT_SOCKET), ("with", guard.url)]
                for name, url in order if i % 2 == 0 else order[::-1]:
                    times[name].append(run_all(url, session))
                    print(f"  run {i + 1}/{rounds} {name:>7} guard: {times[name][-1]:.2f} s", flush=True)
        finally:
            guard.stop()
            remove_labelled(engine, session)
            remove_labelled(engine, owner="bench-nb")
            engine.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    for name in ("without", "with"):
        print(f"Run All {name} guard: median {med[name]:.2f} s over {rounds} runs")
    print(f"guard_overhead: {med['with'] / med['without'] - 1:.2f}")


def api_overhead(rounds: int, network: str) -> float:
    """The api workload, interleaved; prints both totals and returns with/without - 1."""
    session = f"bench-guard-{os.getpid()}"
    labels = config.course_labels(session, "bench")
    engine = docker.DockerClient(base_url=DEFAULT_SOCKET, version="auto", timeout=120)
    ensure_image(engine)
    net = engine.networks.create(f"bench-guard-{os.getpid()}", internal=True, labels=labels)
    if network == "none":
        direct, behind = {"network_mode": "none"}, {}
    else:
        direct, behind = {"network": net.name}, {"network_mode": "bridge"}
    totals = {"without": 0.0, "with": 0.0}
    with tempfile.TemporaryDirectory(prefix="guard-bench-") as tmp:
        guard = start_guard("bench", Path(tmp) / "bench.sock", session=session)
        guarded = docker.DockerClient(base_url=guard.url, version="auto", timeout=120)
        try:
            round_trip(engine, labels, direct)  # warm both paths (network, image cache)
            round_trip(guarded, labels, behind)
            for i in range(rounds):
                order = [("without", engine, direct), ("with", guarded, behind)]
                for name, api, kwargs in order if i % 2 == 0 else order[::-1]:
                    started = time.perf_counter()
                    round_trip(api, labels, kwargs)
                    totals[name] += time.perf_counter() - started
        finally:
            guarded.close()
            guard.stop()
            remove_labelled(engine, session)
            remove_labelled(engine, owner="bench")
            engine.close()
    for name in ("without", "with"):
        print(f"api workload ({network} network) {name} guard: {totals[name]:.2f} s for {rounds} rounds "
              f"({1000 * totals[name] / rounds:.0f} ms per round)")
    return totals["with"] / totals["without"] - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default: 5 notebook, 20 api)")
    parser.add_argument("--workload", choices=("notebook", "api"), default="notebook")
    parser.add_argument("--network", choices=("none", "internal"), default="none",
                        help="api workload: the network both sides' containers get")
    args = parser.parse_args()
    if args.workload == "api":
        print(f"guard_overhead: {api_overhead(args.rounds or 20, args.network):.2f}")
        return
    # The proxy alone (same network on both sides), then the lesson as learners run it.
    print(f"proxy_overhead (api workload, same network both sides): {api_overhead(20, 'none'):.2f}")
    notebook_main(args.rounds or 5)


if __name__ == "__main__":
    main()
