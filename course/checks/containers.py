"""Checks for the `containers` assignment (S2, S3).

The memory exercises hand the learner's function a client whose requests pass a
:class:`course.lab.rawapi.Relay` (and name it in ``DOCKER_HOST``, for the CLI): the check sees
the limits the learner *asked* for, before a guard caps them (the course's guard sets swap equal
to memory on every container, so the engine's state alone cannot show a forgotten
``memswap_limit``).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import docker
from docker.models.containers import Container

from course import config, lab
from course.checks.engine_state import MiB, cgroup_memory_limit, exec_text, removed_after, session_containers
from course.checks.feedback import Feedback, call, expect
from course.engine.labelled import LabelledClient, session_client
from course.images import BASE, image_ref
from course.lab import rawapi, variant


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


@contextlib.contextmanager
def _watched(api: docker.DockerClient) -> Iterator[tuple[LabelledClient, rawapi.Relay]]:
    """A client like ``api`` (its labels) whose requests pass a relay, which ``DOCKER_HOST`` names too."""
    with rawapi.Relay() as relay, relay.as_docker_host():
        watched = session_client(url=relay.url)
        watched.course_labels = dict(getattr(api, "course_labels", watched.course_labels))
        try:
            yield watched, relay
        finally:
            watched.close()


def _field(doc: object, name: str) -> object:
    """``doc[name]``, with the engine's case-insensitive keys (a hand-written request may say "hostconfig")."""
    if not isinstance(doc, dict):
        return None
    return next((value for key, value in doc.items() if key.lower() == name.lower()), None)


def _asked_limits(relay: rawapi.Relay) -> list[tuple[dict, int, int]]:
    """Each container creation that passed ``relay``: (its body, the Memory and MemorySwap it asked for)."""
    asked = []
    for exchange in relay.exchanges:
        if exchange.method == "POST" and exchange.path == "/containers/create":
            body = exchange.json() or {}
            host = _field(body, "HostConfig") or {}
            asked.append((body, int(_field(host, "Memory") or 0), int(_field(host, "MemorySwap") or 0)))
    return asked


def _expect_no_swap(fn, memory: int, swap: int) -> None:
    """Feedback unless a creation asked for memory+swap equal to its memory (no swap beyond the limit)."""
    if swap == memory:
        return
    mib = memory // MiB
    if swap == 0:
        problem = (f"`{fn.__name__}` set a memory limit of {mib} MiB but no memswap_limit: Docker then lets the "
                   f"container use as much swap again (memory+swap = {2 * mib} MiB) on a host that has swap.")
    elif swap < 0:
        problem = f"`{fn.__name__}` set memswap_limit={swap}: that means unlimited swap beyond the {mib} MiB."
    else:
        problem = (f"`{fn.__name__}` asked for memory+swap of {swap // MiB} MiB with a {mib} MiB memory limit: "
                   f"the container may swap {(swap - memory) // MiB} MiB more.")
    raise Feedback(problem + " (The course's guard sets swap equal to memory on every container it lets "
                   "through; a plain engine does not.)",
                   f'pass memswap_limit equal to mem_limit (memswap_limit="{mib}m"): memory plus swap, no more.')


def _memory_problem(memory: int, want: int) -> str:
    """What is wrong with a container's memory limit, in the learner's units."""
    if memory == 0:
        return f"your container has no memory limit; your exercise asks for {want} MiB."
    if memory % MiB == 0:
        return f"your container has a {memory // MiB} MiB limit; your exercise asks for {want} MiB."
    return (f"your container's memory limit is {memory} bytes ({memory / MiB:.1f} MiB); your exercise asks for "
            f"{want} MiB, which is {want * MiB} bytes.")


def sandbox(fn, api: docker.DockerClient, hostname: str, inside: bool = False) -> None:
    """`start_sandbox(api, hostname)` returns a running container with that hostname, the learner's own
    memory limit (their variant's ``memory_mb``) and no swap."""
    with _watched(api) as (watched, relay):
        returned = call(fn, watched, hostname)
    expect(isinstance(returned, Container), f"`start_sandbox` returned {type(returned).__name__}, not a Container.",
           "use api.containers.run(..., detach=True), which returns the Container.")
    container = api.containers.get(returned.id)  # ``returned`` speaks through the relay, closed now
    with removed_after(container):
        expect(container.attrs["State"]["Running"],
               f"the container is not running (status {container.status!r}).",
               'give it a command that keeps running, such as "sleep 600", and detach=True.')
        expect(container.image.tags and image_ref(BASE) in container.image.tags,
               f"the container runs image {container.image.tags or container.image.id}, not the course image.",
               "pass lab.BASE_IMAGE as the image.")
        got = container.attrs["Config"]["Hostname"]
        expect(got == hostname, f"its hostname is {got!r}, expected {hostname!r}.",
               "pass hostname=hostname to containers.run.")
        memory, want = container.attrs["HostConfig"]["Memory"], variant.value("containers", "memory_mb")
        expect(memory == want * MiB, _memory_problem(memory, want),
               f'pass mem_limit="{want}m", your own value (a bare number means bytes).')
        asked = [(mem, swap) for body, mem, swap in _asked_limits(relay) if _field(body, "Hostname") == hostname]
        mem, swap = asked[-1] if asked else (memory, container.attrs["HostConfig"]["MemorySwap"])
        _expect_no_swap(fn, mem, swap)
        if inside:
            seen = exec_text(container, "hostname")
            expect(seen == hostname, f"inside, `hostname` prints {seen!r}.", "set hostname= when creating it.")
            limit = cgroup_memory_limit(container)
            expect(limit == want * MiB, f"inside, the cgroup limit reads {limit} bytes; your exercise asks for "
                   f"{want} MiB.", f'use mem_limit="{want}m".')


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


#: What to do when a learner's function does not wait for its container.
WAIT = "wait for the container to end (container.wait()), then read its exit status; remove it after that."


def _container_events(api: docker.DockerClient, since_ns: int) -> dict[str, list[str]]:
    """The engine's events (their actions, in order) for each container of ``api``'s session created since
    ``since_ns``."""
    session = getattr(api, "course_labels", {}).get(config.LABEL_SESSION)
    filters = {"type": "container", **({"label": f"{config.LABEL_SESSION}={session}"} if session else {})}
    per: dict[str, list[str]] = {}
    for event in api.events(since=since_ns / 1e9, until=time.time() + 0.5, decode=True, filters=filters):
        action = event.get("Action") or event.get("status") or ""
        cid = (event.get("Actor") or {}).get("ID") or event.get("id")
        if event.get("timeNano", 0) >= since_ns and (action == "create" or cid in per):
            per.setdefault(cid, []).append(action)
    return per


def _not_waited(api: docker.DockerClient, since_ns: int, shown: str) -> Feedback | None:
    """Feedback if the learner's function returned before its container ended, or ended it itself (whatever it
    returned: timing may make a wrong way give the right answer once)."""
    for cid, actions in _container_events(api, since_ns).items():
        with contextlib.suppress(docker.errors.NotFound):
            if api.containers.get(cid).status == "running":
                return Feedback(f"{shown}: your function did not wait for its container, which was still running "
                                "when it returned.", WAIT)
        if "kill" in actions and ("die" not in actions or actions.index("kill") < actions.index("die")):
            return Feedback(f"{shown}: your function did not wait for its container: it stopped or removed it while "
                            "it was still running, before dd could end or the kernel could kill it.", WAIT)
    return None


def _why_not_killed(api: docker.DockerClient, since_ns: int, shown: str, limit_mb: int, alloc_mb: int) -> Feedback:
    """What went wrong when the learner says an allocation the kernel kills survived (having waited)."""
    if any("oom" in actions for actions in _container_events(api, since_ns).values()):
        return Feedback(f"{shown}: the kernel did kill it (the engine recorded an out-of-memory kill), but your "
                        "function did not wait for the container to end before reading its state (or read the "
                        "wrong field).", WAIT)
    return Feedback(f"{shown}: the kernel should have killed it, and no container of yours was killed.",
                    f'set mem_limit="{limit_mb}m" and memswap_limit="{limit_mb}m", and make dd allocate it in one '
                    f"buffer (bs={alloc_mb}M count=1).")


def survives(fn, api: docker.DockerClient, cases: list[tuple[int, int, bool]]) -> None:
    """`survives(api, limit_mb, alloc_mb)` tells whether an allocation fits the limit, and cleans up."""
    before = session_containers(api)
    for limit_mb, alloc_mb, fits in cases:
        since_ns = time.time_ns()
        with _watched(api) as (watched, relay):
            got = call(fn, watched, limit_mb, alloc_mb)
        shown = f"`{fn.__name__}(api, {limit_mb}, {alloc_mb})` returned {got!r}"
        expect(isinstance(got, bool), f"{shown}, not True/False.", "return container.wait()['StatusCode'] == 0.")
        for _, memory, swap in _asked_limits(relay):
            expect(memory == limit_mb * MiB, f"`{fn.__name__}(api, {limit_mb}, {alloc_mb})` set a memory limit of "
                   f"{memory} bytes" + (" (none)" if memory == 0 else "") + f"; {limit_mb} MiB is {limit_mb * MiB}.",
                   f'pass mem_limit="{limit_mb}m" (a bare number means bytes).')
            _expect_no_swap(fn, memory, swap)
        if not_waited := _not_waited(api, since_ns, shown):
            raise not_waited
        if fits:
            expect(got, f"{shown}, but {alloc_mb} MiB fits in {limit_mb} MiB.",
                   f"check the limit is in MiB (\"{limit_mb}m\") and that dd allocates bs={alloc_mb}M once.")
        elif got:
            raise _why_not_killed(api, since_ns, f"{shown}, but {alloc_mb} MiB cannot fit in {limit_mb} MiB",
                                  limit_mb, alloc_mb)
    left = session_containers(api) - before
    expect(not left, f"`survives` left {len(left)} container(s) behind on the engine.",
           "remove the container after reading its exit status (container.remove()).")


def _names(fn, got: object, mode: str) -> list[str]:
    """The learner's interface names as a sorted list, or feedback about their form."""
    call_text = f"`{fn.__name__}(api, {mode!r})`"
    expect(not isinstance(got, (str, bytes)), f"{call_text} returned one string ({str(got)[:60]!r}), not a list of names.",
           "split the output into names and return them as a list, e.g. ['eth0', 'lo'].")
    expect(isinstance(got, (list, tuple, set, frozenset)) and all(isinstance(n, str) for n in got),
           f"{call_text} returned {got!r}, not a list of interface names (str).", "return a list such as ['lo'].")
    names = sorted({n.strip() for n in got})
    expect(not any(n.startswith(("Inter-", "face")) for n in names),
           f"{call_text} returned {names}: 'Inter-|' and 'face |...' are the two header lines of /proc/net/dev.",
           "skip the first two lines of /proc/net/dev, and keep the part of each line before ':'.")
    expect(not any(n.endswith(":") for n in names), f"{call_text} returned {names}: a name does not end in ':'.",
           "keep only what comes before the ':' (line.split(':')[0].strip()).")
    expect(not any("@" in n for n in names),
           f"{call_text} returned {names}: in `ip link`, 'eth0@if12' is the interface eth0 and the index of its "
           "peer, the other end of the veth pair, on the host.", "keep the name before the '@'.")
    return names


def _seen_inside(api: docker.DockerClient, mode: str) -> list[str]:
    """The interface names a container of the check's own, with ``network_mode=mode``, lists in /proc/net/dev."""
    _, dev = lab.run("cat /proc/net/dev", api=api, network_mode=mode)
    return sorted(line.split(":")[0].strip() for line in dev.splitlines()[2:] if ":" in line)


def interfaces(fn, api: docker.DockerClient, modes: list[str], own_network: bool = False) -> None:
    """`interfaces(api, network_mode)` lists the network interfaces a new container with that network sees.

    Compared with what a container of the check's own sees with the same ``network_mode``
    (with "none" only lo; attached to a network, also eth0), not with fixed names.
    ``own_network``: also a network the check creates, by its name.
    """
    notebook = {name for _, name in socket.if_nameindex()}
    network = api.networks.create(f"course-ifaces-{secrets.token_hex(3)}", internal=True) if own_network else None
    try:
        modes = [*modes, network.name] if network else modes
        answers = {mode: (_names(fn, call(fn, api, mode), mode), _seen_inside(api, mode)) for mode in modes}
        notebook |= {name for _, name in socket.if_nameindex()}
    finally:
        if network:
            with contextlib.suppress(docker.errors.APIError):
                network.remove()
    seen_by_containers = {name for _, want in answers.values() for name in want}
    for mode, (got, want) in answers.items():
        if got == want:
            continue
        shown = f"`{fn.__name__}(api, {mode!r})` returned {got}"
        beyond = set(got) - seen_by_containers
        if beyond and beyond <= notebook:  # the host's veth interfaces come and go: any it had during the calls
            raise Feedback(f"{shown}: the interfaces of the notebook's own network namespace (the host's), "
                           "not of a container's.",
                           'read them inside a new container: api.containers.run(lab.BASE_IMAGE, "cat /proc/net/dev", '
                           "network_mode=network_mode, ...).")
        if len({tuple(g) for g, _ in answers.values()}) == 1 < len({tuple(w) for _, w in answers.values()}):
            raise Feedback(f"{shown}, and the same for every network_mode ({', '.join(map(repr, answers))}), "
                           "though containers attached to a network see more than those with none.",
                           "pass network_mode=network_mode when you start the container.")
        raise Feedback(f"{shown}, but a container with network_mode={mode!r} sees {want}.",
                       "start the container with network_mode=network_mode and list what it sees from inside "
                       "(/proc/net/dev, or `ip -o link`).")
