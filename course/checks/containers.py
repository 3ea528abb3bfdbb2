"""Checks for the `containers` assignment (S2, S3)."""

from __future__ import annotations

from pathlib import Path

import docker
from docker.models.containers import Container

from course.checks.engine_state import MiB, cgroup_memory_limit, exec_text, removed_after, session_containers
from course.checks.feedback import call, expect
from course.images import BASE, image_ref


def engine_facts(fn, api: docker.DockerClient, exact: bool = False) -> None:
    """`engine_facts(api)` returns the engine's version, Go version and default runtime."""
    facts = call(fn, api)
    expect(isinstance(facts, dict), f"`engine_facts` returned {type(facts).__name__}, not a dict.",
           'return a dictionary like {"version": ..., "go_version": ..., "runtime": ...}.')
    missing = {"version", "go_version", "runtime"} - set(facts)
    expect(not missing, f"the dictionary lacks the key(s) {sorted(missing)}.",
           "use exactly the keys version, go_version and runtime.")
    expect(str(facts["go_version"]).startswith("go"),
           f'go_version is {facts["go_version"]!r}; the engine reports something like "go1.19.8".',
           'read it from api.version()["GoVersion"].')
    if not exact:
        return
    version, info = api.version(), api.info()
    expect(facts["version"] == version["Version"],
           f'version is {facts["version"]!r} but the engine says {version["Version"]!r}'
           f"{' (that is the Python SDK version)' if facts['version'] == docker.__version__ else ''}.",
           'ask the engine: api.version()["Version"].')
    expect(facts["go_version"] == version["GoVersion"],
           f'go_version is {facts["go_version"]!r} but the engine was built with {version["GoVersion"]!r}.',
           'read api.version()["GoVersion"], not the Go version of some other program.')
    expect(facts["runtime"] == info["DefaultRuntime"],
           f'runtime is {facts["runtime"]!r} but the engine\'s default runtime is {info["DefaultRuntime"]!r}.',
           'read api.info()["DefaultRuntime"].')


def sandbox(fn, api: docker.DockerClient, hostname: str, inside: bool = False) -> None:
    """`start_sandbox(api, hostname)` returns a running container with that hostname and 64 MiB."""
    container = call(fn, api, hostname)
    with removed_after(container):
        expect(isinstance(container, Container),
               f"`start_sandbox` returned {type(container).__name__}, not a Container.",
               "use api.containers.run(..., detach=True), which returns the Container.")
        container.reload()
        expect(container.attrs["State"]["Running"],
               f"the container is not running (status {container.status!r}).",
               'give it a command that keeps running, such as "sleep 600", and detach=True.')
        expect(container.image.tags and image_ref(BASE) in container.image.tags,
               f"the container runs image {container.image.tags or container.image.id}, not the course image.",
               "pass lab.BASE_IMAGE as the image.")
        got = container.attrs["Config"]["Hostname"]
        expect(got == hostname, f"its hostname is {got!r}, expected {hostname!r}.",
               "pass hostname=hostname to containers.run.")
        memory = container.attrs["HostConfig"]["Memory"]
        expect(memory == 64 * MiB,
               f"its memory limit is {memory} bytes" + (" (no limit)" if memory == 0 else "")
               + f"; 64 MiB is {64 * MiB} bytes.",
               'pass mem_limit="64m" (a bare number means bytes).')
        swap = container.attrs["HostConfig"]["MemorySwap"]
        expect(swap == 64 * MiB, f"memory+swap limit is {swap} bytes, so it may swap past 64 MiB.",
               'also pass memswap_limit="64m".')
        if inside:
            seen = exec_text(container, "hostname")
            expect(seen == hostname, f"inside, `hostname` prints {seen!r}.", "set hostname= when creating it.")
            limit = cgroup_memory_limit(container)
            expect(limit == 64 * MiB, f"inside, the cgroup limit reads {limit} bytes.", 'use mem_limit="64m".')


def host_pid(fn, api: docker.DockerClient, proc: bool = False) -> None:
    """`pid_on_host(container)` returns the host PID of the container's PID 1."""
    container = api.containers.run(image_ref(BASE), "sleep 120", detach=True)
    with removed_after(container):
        got = call(fn, container)
        container.reload()
        true_pid = container.attrs["State"]["Pid"]
        expect(isinstance(got, int) and not isinstance(got, bool),
               f"`pid_on_host` returned {got!r} ({type(got).__name__}), not an int.",
               'return container.attrs["State"]["Pid"] after container.reload().')
        expect(got != 1, "1 is the PID *inside* the container, in its own PID namespace.",
               "the host sees the same process under another number: ask the engine for State.Pid.")
        expect(got == true_pid, f"got {got}, but the container's main process is PID {true_pid} on the host.",
               "call container.reload() first, then read attrs['State']['Pid'].")
        if proc:
            status = Path(f"/proc/{got}/status")
            if status.exists():  # only where this kernel shares the host's /proc
                nspid = next(line for line in status.read_text().splitlines() if line.startswith("NSpid"))
                expect(nspid.split()[-1] == "1", f"/proc/{got}/status says {nspid}: not the container's PID 1.",
                       "return the PID of the container's main process.")


def survives(fn, api: docker.DockerClient, cases: list[tuple[int, int, bool]]) -> None:
    """`survives(limit_mb, alloc_mb)` tells whether an allocation fits the limit, and cleans up."""
    before = session_containers(api)
    for limit_mb, alloc_mb, fits in cases:
        got = call(fn, limit_mb, alloc_mb)
        expect(isinstance(got, bool), f"`survives({limit_mb}, {alloc_mb})` returned {got!r}, not True/False.",
               "return container.wait()['StatusCode'] == 0.")
        if fits:
            expect(got, f"`survives({limit_mb}, {alloc_mb})` is False, but {alloc_mb} MiB fits in {limit_mb} MiB.",
                   f"check the limit is in MiB (\"{limit_mb}m\") and that dd allocates bs={alloc_mb}M once.")
        else:
            expect(not got, f"`survives({limit_mb}, {alloc_mb})` is True, but {alloc_mb} MiB cannot fit in "
                   f"{limit_mb} MiB: the kernel should have killed it.",
                   "set both mem_limit and memswap_limit, and make dd allocate (bs=...M count=1).")
    left = session_containers(api) - before
    expect(not left, f"`survives` left {len(left)} container(s) behind on the engine.",
           "remove the container after reading its exit status (container.remove()).")
