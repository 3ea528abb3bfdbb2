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
from course.i18n import N_, translator
from course.images import BASE, image_ref
from course.lab import rawapi, variant

_ = translator("containers")


def engine_facts(fn, api: docker.DockerClient, exact: bool = False) -> None:
    """`engine_facts(api)` returns the engine's version, Go version and default runtime."""
    facts = call(fn, api)
    # Translators: {kind} is a Python type name (list, str, NoneType).
    expect(isinstance(facts, dict), _("`engine_facts` returned {kind}, not a dict.").format(kind=type(facts).__name__),
           _('return a dictionary like {"version": ..., "go_version": ..., "runtime": ...}.'))
    missing = {"version", "go_version", "runtime"} - set(facts)
    expect(not missing, _("the dictionary lacks the key(s) {keys}.").format(keys=sorted(missing)),
           _("use exactly the keys version, go_version and runtime."))
    expect(str(facts["go_version"]).startswith("go"),
           _('go_version is {got}; the engine reports something like "go1.19.8".').format(
               got=repr(facts["go_version"])),
           _('read it from api.version()["GoVersion"].'))
    if not exact:
        return
    version, info = api.version(), api.info()
    # Translators: {got} is the learner's value, {want} the engine's (both quoted, as Python writes them).
    wrong_version = (_("version is {got} but the engine says {want} (that is the Python SDK version).")
                     if facts["version"] == docker.__version__ else _("version is {got} but the engine says {want}."))
    expect(facts["version"] == version["Version"],
           wrong_version.format(got=repr(facts["version"]), want=repr(version["Version"])),
           _('ask the engine: api.version()["Version"].'))
    expect(facts["go_version"] == version["GoVersion"],
           _("go_version is {got} but the engine was built with {want}.").format(
               got=repr(facts["go_version"]), want=repr(version["GoVersion"])),
           _('read api.version()["GoVersion"], not the Go version of some other program.'))
    expect(facts["runtime"] == info["DefaultRuntime"],
           _("runtime is {got} but the engine's default runtime is {want}.").format(
               got=repr(facts["runtime"]), want=repr(info["DefaultRuntime"])),
           _('read api.info()["DefaultRuntime"].'))


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
        # Translators: {fn} is the learner's function name; {double} is twice {mib}.
        problem = _("`{fn}` set a memory limit of {mib} MiB but no memswap_limit: Docker then lets the "
                    "container use as much swap again (memory+swap = {double} MiB) on a host that has swap.").format(
            fn=fn.__name__, mib=mib, double=2 * mib)
    elif swap < 0:
        problem = _("`{fn}` set memswap_limit={swap}: that means unlimited swap beyond the {mib} MiB.").format(
            fn=fn.__name__, swap=swap, mib=mib)
    else:
        # Translators: {total} is memory plus swap, {extra} the swap beyond the {mib} MiB memory limit.
        problem = _("`{fn}` asked for memory+swap of {total} MiB with a {mib} MiB memory limit: "
                    "the container may swap {extra} MiB more.").format(
            fn=fn.__name__, total=swap // MiB, mib=mib, extra=(swap - memory) // MiB)
    # Translators: {problem} is one of the three messages above.
    raise Feedback(_("{problem} (The course's guard sets swap equal to memory on every container it lets "
                     "through; a plain engine does not.)").format(problem=problem),
                   _('pass memswap_limit equal to mem_limit (memswap_limit="{mib}m"): memory plus swap, '
                     "no more.").format(mib=mib))


def _memory_problem(memory: int, want: int) -> str:
    """What is wrong with a container's memory limit, in the learner's units."""
    if memory == 0:
        return _("your container has no memory limit; your exercise asks for {want} MiB.").format(want=want)
    if memory % MiB == 0:
        return _("your container has a {mib} MiB limit; your exercise asks for {want} MiB.").format(
            mib=memory // MiB, want=want)
    # Translators: {memory} and {want_bytes} are in bytes, {mib} and {want} in MiB.
    return _("your container's memory limit is {memory} bytes ({mib} MiB); your exercise asks for "
             "{want} MiB, which is {want_bytes} bytes.").format(
        memory=memory, mib=format(memory / MiB, ".1f"), want=want, want_bytes=want * MiB)


def sandbox(fn, api: docker.DockerClient, hostname: str, inside: bool = False) -> None:
    """`start_sandbox(api, hostname)` returns a running container with that hostname, the learner's own
    memory limit (their variant's ``memory_mb``) and no swap."""
    with _watched(api) as (watched, relay):
        returned = call(fn, watched, hostname)
    expect(isinstance(returned, Container),
           _("`start_sandbox` returned {kind}, not a Container.").format(kind=type(returned).__name__),
           _("use api.containers.run(..., detach=True), which returns the Container."))
    container = api.containers.get(returned.id)  # ``returned`` speaks through the relay, closed now
    with removed_after(container):
        expect(container.attrs["State"]["Running"],
               _("the container is not running (status {status}).").format(status=repr(container.status)),
               _('give it a command that keeps running, such as "sleep 600", and detach=True.'))
        # Translators: {image} is the image's tags (a list) or its ID.
        expect(container.image.tags and image_ref(BASE) in container.image.tags,
               _("the container runs image {image}, not the course image.").format(
                   image=container.image.tags or container.image.id),
               _("pass lab.BASE_IMAGE as the image."))
        got = container.attrs["Config"]["Hostname"]
        expect(got == hostname, _("its hostname is {got}, expected {want}.").format(got=repr(got), want=repr(hostname)),
               _("pass hostname=hostname to containers.run."))
        memory, want = container.attrs["HostConfig"]["Memory"], variant.value("containers", "memory_mb")
        expect(memory == want * MiB, _memory_problem(memory, want),
               _('pass mem_limit="{want}m", your own value (a bare number means bytes).').format(want=want))
        asked = [(mem, swap) for body, mem, swap in _asked_limits(relay) if _field(body, "Hostname") == hostname]
        mem, swap = asked[-1] if asked else (memory, container.attrs["HostConfig"]["MemorySwap"])
        _expect_no_swap(fn, mem, swap)
        if inside:
            seen = exec_text(container, "hostname")
            expect(seen == hostname, _("inside, `hostname` prints {seen}.").format(seen=repr(seen)),
                   _("set hostname= when creating it."))
            limit = cgroup_memory_limit(container)
            expect(limit == want * MiB, _("inside, the cgroup limit reads {limit} bytes; your exercise asks for "
                                          "{want} MiB.").format(limit=limit, want=want),
                   _('use mem_limit="{want}m".').format(want=want))


def host_pid(fn, api: docker.DockerClient, proc: bool = False) -> None:
    """`pid_on_host(container)` returns the host PID of the container's PID 1."""
    container = api.containers.run(image_ref(BASE), "sleep 120", detach=True)
    with removed_after(container):
        got = call(fn, container)
        container.reload()
        true_pid = container.attrs["State"]["Pid"]
        # Translators: {got} is what the learner's function returned, {kind} its Python type.
        expect(isinstance(got, int) and not isinstance(got, bool),
               _("`pid_on_host` returned {got} ({kind}), not an int.").format(got=repr(got), kind=type(got).__name__),
               _('return container.attrs["State"]["Pid"] after container.reload().'))
        expect(got != 1, _("1 is the PID *inside* the container, in its own PID namespace."),
               _("the host sees the same process under another number: ask the engine for State.Pid."))
        expect(got == true_pid,
               _("got {got}, but the container's main process is PID {pid} on the host.").format(got=got, pid=true_pid),
               _("call container.reload() first, then read attrs['State']['Pid']."))
        if proc:
            status = Path(f"/proc/{got}/status")
            if status.exists():  # only where this kernel shares the host's /proc
                nspid = next(line for line in status.read_text().splitlines() if line.startswith("NSpid"))
                # Translators: {nspid} is a line of /proc/PID/status, e.g. "NSpid:	4242	7".
                expect(nspid.split()[-1] == "1",
                       _("/proc/{pid}/status says {nspid}: not the container's PID 1.").format(pid=got, nspid=nspid),
                       _("return the PID of the container's main process."))


#: What to do when a learner's function does not wait for its container.
WAIT = N_("wait for the container to end (container.wait()), then read its exit status; remove it after that.")


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
                # Translators: {shown} is "`survives(api, 64, 8)` returned True" (the message "{call} returned {got}").
                return Feedback(_("{shown}: your function did not wait for its container, which was still running "
                                  "when it returned.").format(shown=shown), _(WAIT))
        if "kill" in actions and ("die" not in actions or actions.index("kill") < actions.index("die")):
            return Feedback(_("{shown}: your function did not wait for its container: it stopped or removed it while "
                              "it was still running, before dd could end or the kernel could kill it.").format(
                shown=shown), _(WAIT))
    return None


def _why_not_killed(api: docker.DockerClient, since_ns: int, shown: str, limit_mb: int, alloc_mb: int) -> Feedback:
    """What went wrong when the learner says an allocation the kernel kills survived (having waited)."""
    if any("oom" in actions for actions in _container_events(api, since_ns).values()):
        # Translators: {shown} is "`survives(api, 32, 96)` returned True, but 96 MiB cannot fit in 32 MiB".
        return Feedback(_("{shown}: the kernel did kill it (the engine recorded an out-of-memory kill), but your "
                          "function did not wait for the container to end before reading its state (or read the "
                          "wrong field).").format(shown=shown), _(WAIT))
    return Feedback(_("{shown}: the kernel should have killed it, and no container of yours was killed.").format(
                        shown=shown),
                    _('set mem_limit="{limit}m" and memswap_limit="{limit}m", and make dd allocate it in one '
                      "buffer (bs={alloc}M count=1).").format(limit=limit_mb, alloc=alloc_mb))


def _returned(call_text: str, got: str) -> str:
    """"`f(...)` returned X", the start of a message about what a learner's call returned."""
    # Translators: {call} is the learner's call in backticks, e.g. "`survives(api, 64, 8)`"; {got} what it returned.
    return _("{call} returned {got}").format(call=call_text, got=got)


def survives(fn, api: docker.DockerClient, cases: list[tuple[int, int, bool]]) -> None:
    """`survives(api, limit_mb, alloc_mb)` tells whether an allocation fits the limit, and cleans up."""
    before = session_containers(api)
    for limit_mb, alloc_mb, fits in cases:
        since_ns = time.time_ns()
        with _watched(api) as (watched, relay):
            got = call(fn, watched, limit_mb, alloc_mb)
        call_text = f"`{fn.__name__}(api, {limit_mb}, {alloc_mb})`"
        shown = _returned(call_text, repr(got))
        # Translators: {shown} is "`survives(api, 64, 8)` returned 'yes'" (the message "{call} returned {got}").
        expect(isinstance(got, bool), _("{shown}, not True/False.").format(shown=shown),
               _("return container.wait()['StatusCode'] == 0."))
        for _body, memory, swap in _asked_limits(relay):
            # Translators: {call} is the learner's call, e.g. "`survives(api, 64, 8)`"; {memory} and {bytes} are bytes.
            wrong_limit = (_("{call} set a memory limit of {memory} bytes (none); {limit} MiB is {bytes}.")
                           if memory == 0 else _("{call} set a memory limit of {memory} bytes; {limit} MiB is {bytes}."))
            expect(memory == limit_mb * MiB,
                   wrong_limit.format(call=call_text, memory=memory, limit=limit_mb, bytes=limit_mb * MiB),
                   _('pass mem_limit="{limit}m" (a bare number means bytes).').format(limit=limit_mb))
            _expect_no_swap(fn, memory, swap)
        if not_waited := _not_waited(api, since_ns, shown):
            raise not_waited
        if fits:
            expect(got, _("{shown}, but {alloc} MiB fits in {limit} MiB.").format(
                       shown=shown, alloc=alloc_mb, limit=limit_mb),
                   _('check the limit is in MiB ("{limit}m") and that dd allocates bs={alloc}M once.').format(
                       limit=limit_mb, alloc=alloc_mb))
        elif got:
            cannot = _("{shown}, but {alloc} MiB cannot fit in {limit} MiB").format(
                shown=shown, alloc=alloc_mb, limit=limit_mb)
            raise _why_not_killed(api, since_ns, cannot, limit_mb, alloc_mb)
    left = session_containers(api) - before
    expect(not left, _("`survives` left {count} container(s) behind on the engine.").format(count=len(left)),
           _("remove the container after reading its exit status (container.remove())."))


def _names(fn, got: object, mode: str) -> list[str]:
    """The learner's interface names as a sorted list, or feedback about their form."""
    call_text = f"`{fn.__name__}(api, {mode!r})`"
    # Translators: {call} is the learner's call, e.g. "`interfaces(api, 'bridge')`"; {text} the start of the string.
    expect(not isinstance(got, (str, bytes)),
           _("{call} returned one string ({text}), not a list of names.").format(
               call=call_text, text=repr(str(got)[:60])),
           _("split the output into names and return them as a list, e.g. ['eth0', 'lo']."))
    expect(isinstance(got, (list, tuple, set, frozenset)) and all(isinstance(n, str) for n in got),
           _("{call} returned {got}, not a list of interface names (str).").format(call=call_text, got=repr(got)),
           _("return a list such as ['lo']."))
    names = sorted({n.strip() for n in got})
    expect(not any(n.startswith(("Inter-", "face")) for n in names),
           _("{call} returned {names}: 'Inter-|' and 'face |...' are the two header lines of /proc/net/dev.").format(
               call=call_text, names=names),
           _("skip the first two lines of /proc/net/dev, and keep the part of each line before ':'."))
    expect(not any(n.endswith(":") for n in names),
           _("{call} returned {names}: a name does not end in ':'.").format(call=call_text, names=names),
           _("keep only what comes before the ':' (line.split(':')[0].strip())."))
    expect(not any("@" in n for n in names),
           _("{call} returned {names}: in `ip link`, 'eth0@if12' is the interface eth0 and the index of its "
             "peer, the other end of the veth pair, on the host.").format(call=call_text, names=names),
           _("keep the name before the '@'."))
    return names


def _seen_inside(api: docker.DockerClient, mode: str) -> list[str]:
    """The interface names a container of the check's own, with ``network_mode=mode``, lists in /proc/net/dev."""
    _status, dev = lab.run("cat /proc/net/dev", api=api, network_mode=mode)
    return sorted(line.split(":")[0].strip() for line in dev.splitlines()[2:] if ":" in line)


def interfaces(fn, api: docker.DockerClient, modes: list[str], own_network: bool = False) -> None:
    """`interfaces(api, network_mode)` lists the network interfaces a new container with that network sees.

    Compared with what a container of the check's own sees with the same ``network_mode``
    (with "none" only lo; attached to a network, also eth0), not with fixed names.
    ``own_network``: also a network the check creates, by its name.
    """
    notebook = {name for _index, name in socket.if_nameindex()}
    network = api.networks.create(f"course-ifaces-{secrets.token_hex(3)}", internal=True) if own_network else None
    try:
        modes = [*modes, network.name] if network else modes
        answers = {mode: (_names(fn, call(fn, api, mode), mode), _seen_inside(api, mode)) for mode in modes}
        notebook |= {name for _index, name in socket.if_nameindex()}
    finally:
        if network:
            with contextlib.suppress(docker.errors.APIError):
                network.remove()
    seen_by_containers = {name for _got, want in answers.values() for name in want}
    for mode, (got, want) in answers.items():
        if got == want:
            continue
        shown = _returned(f"`{fn.__name__}(api, {mode!r})`", str(got))
        beyond = set(got) - seen_by_containers
        if beyond and beyond <= notebook:  # the host's veth interfaces come and go: any it had during the calls
            # Translators: {shown} is "`interfaces(api, 'none')` returned ['eth0', 'lo']" ("{call} returned {got}").
            raise Feedback(_("{shown}: the interfaces of the notebook's own network namespace (the host's), "
                             "not of a container's.").format(shown=shown),
                           _('read them inside a new container: api.containers.run(lab.BASE_IMAGE, "cat /proc/net/dev", '
                             "network_mode=network_mode, ...)."))
        if len({tuple(g) for g, _w in answers.values()}) == 1 < len({tuple(w) for _g, w in answers.values()}):
            # Translators: {modes} lists the network modes tried, e.g. "'none', 'bridge'".
            raise Feedback(_("{shown}, and the same for every network_mode ({modes}), "
                             "though containers attached to a network see more than those with none.").format(
                               shown=shown, modes=", ".join(map(repr, answers))),
                           _("pass network_mode=network_mode when you start the container."))
        raise Feedback(_("{shown}, but a container with network_mode={mode} sees {want}.").format(
                           shown=shown, mode=repr(mode), want=want),
                       _("start the container with network_mode=network_mode and list what it sees from inside "
                         "(/proc/net/dev, or `ip -o link`)."))
