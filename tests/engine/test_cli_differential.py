"""The docker CLI and docker-py through a guard, against the same commands straight on the engine.

Every case runs its commands twice with a real client: once through a real guard process
(``DOCKER_HOST=unix://<guard socket>``, as learners' kernels have it) and once on the engine's
own socket, and compares what they print (stdout, stderr), their exit codes and what they leave
on the engine. Clients: Debian's docker CLI (``/usr/bin/docker``, 20.10, which the course's
setup installs), a current CLI where the machine has one (``/usr/local/bin/docker``; skipped
otherwise), and docker-py.

Only what must differ is normalized: container, image and layer ids, digests, the names each
side gives its objects (``{name}``, ``{net}``... are per side, so the two runs never meet), and
which layers the registry already holds (push reports "Pushed", "Mounted from" or "Layer already
exists" after what was pushed before: registry state, not the guard). What the guard changes on
purpose is listed in ``DELIBERATE`` and asserted as such by the cases that show it; everything
else must be identical, every time.

CI runs each case once. ``CLI_DIFF_REPEAT=100`` runs the short ``run`` cases (``SHORT``, marked
``short_run``) 100 times each, for both CLIs and docker-py (#19: output was lost about 1 run in 10)::

    CLI_DIFF_REPEAT=100 python -m pytest -q -x -m short_run tests/engine/test_cli_differential.py
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shlex
import socket
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import docker
import pytest
from multiplexed import demux

from course import config
from course.engine.connect import DEFAULT_SOCKET
from course.guard import Limits

SESSION = f"test-cli-diff-{os.getpid()}"
OWNERS = ("clidiff",)  # one real guard (conftest.module_guards)
OWNER = OWNERS[0]
LIMITS = Limits()
IMAGE = "vmdocker/base:latest"
REPEAT = int(os.environ.get("CLI_DIFF_REPEAT", "1"))
DEBIAN_CLI = "/usr/bin/docker"  # docker.io from Debian: always there (course setup installs it)
CURRENT_CLI = "/usr/local/bin/docker"  # a current CLI, where the machine has one
#: The owner's default network, created by the guard on first use (removed with the module's session).
OWNER_NETWORK = f"vmdocker-guard-{OWNER}"

#: What the guard changes on purpose, and the case that asserts each.
DELIBERATE = {
    "limits": "memory, swap, pids and CPU are capped; a container asking for no network gets `none`, "
              "a named one the owner's internal network (forced-limits-and-network)",
    "internal": "every network a learner creates is internal (network-is-internal)",
    "owner": "lists show the owner's objects only (ps-shows-the-owners-containers-only)",
    "labels": "the course, owner and session labels are forced; a build shows them as LABEL steps (build)",
    "stats-limit": "stats report the forced memory cap as the limit (stats-memory-limit)",
    "refusals": "what the guard refuses fails with one line saying what, why and what instead (refusals)",
}


# -- running a command on one side ----------------------------------------------------------------------
@dataclass
class Side:
    """One target: the guard (``guard=True``) or the engine, with the per-side object names."""

    name: str
    host: str
    workdir: Path
    env: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)

    @property
    def guard(self) -> bool:
        return self.name == "guard"

    def expand(self, text: str) -> str:
        for key, value in self.values.items():
            text = text.replace("{" + key + "}", value)
        return text

    def normalize(self, text: str) -> str:
        for key, value in sorted(self.values.items(), key=lambda kv: -len(kv[1])):
            if key not in ("image", "since"):
                text = text.replace(value, "{" + key + "}")
        text = re.sub(r"sha256:[0-9a-f]{64}", "sha256:<digest>", text)
        text = re.sub(r"\b[0-9a-f]{64}\b", "<id>", text)
        return re.sub(r"\b[0-9a-f]{12}\b", "<id>", text)


#: Subcommands that create objects: the engine side labels them as the guard forces labels.
LABELLED = (("run",), ("create",), ("build",), ("network", "create"), ("volume", "create"))


#: As many labels as the guard forces (course, owner, session), so a build has as many LABEL steps and
#: layers on both sides; not the owner label, which would show the engine side's objects to the owner.
ENGINE_LABELS = {**config.course_labels(SESSION), "edu.vmdocker.test": "cli-differential"}


def _labelled(argv: list[str]) -> list[str]:
    for prefix in LABELLED:
        if tuple(argv[:len(prefix)]) == prefix:
            labels = [f"--label={k}={v}" for k, v in ENGINE_LABELS.items()]
            return argv[:len(prefix)] + labels + argv[len(prefix):]
    return argv


@dataclass
class Step:
    """One command line (placeholders expanded per side), its stdin, and how long it may take."""

    command: str
    stdin: bytes | None = None
    timeout: float = 60

    def run(self, cli: str, side: Side) -> tuple:
        if self.command.startswith("@read "):  # a file the commands left in the working directory
            path = side.workdir / side.expand(self.command.split(" ", 1)[1])
            return ("read", path.read_bytes() if path.exists() else None)
        if not os.path.exists(cli):
            pytest.fail(f"no docker CLI at {cli}: Debian's docker.io provides it (apt-get install docker.io)")
        argv = [side.expand(a) for a in shlex.split(self.command)]
        if not side.guard:
            argv = _labelled(argv)
        done = subprocess.run([cli, *argv], check=False, input=self.stdin if self.stdin is not None else b"",
                              capture_output=True, timeout=self.timeout, env=side.env, cwd=side.workdir)
        return (self.command, done.returncode, side.normalize(done.stdout.decode(errors="replace")),
                side.normalize(done.stderr.decode(errors="replace")))


@dataclass
class Case:
    """Commands run through the guard and on the engine; ``deliberate`` asserts what differs on purpose
    (both transcripts in, the comparable parts out); ``guard_only``: the engine would do it (refusals)."""

    id: str
    steps: list[Step]
    short: bool = False
    deliberate: Callable[[list, list], tuple[list, list]] | None = None
    normalize: Callable[[str], str] | None = None
    guard_only: bool = False
    registry: bool = False


def S(command: str, stdin: bytes | None = None, timeout: float = 60) -> Step:
    return Step(command, stdin, timeout)


# -- deliberate differences, asserted ---------------------------------------------------------------------
def _forced_limits(guard: list, engine: list) -> tuple[list, list]:
    got_guard, got_engine = guard[1][2].split(), engine[1][2].split()
    assert got_guard == [str(LIMITS.memory), str(LIMITS.memory), str(LIMITS.pids), str(LIMITS.nano_cpus),
                         "none"], guard
    assert got_engine[:2] == ["0", "0"] and got_engine[-2:] == ["0", "default"], engine  # PidsLimit unset
    return _without(guard, 1), _without(engine, 1)


def _internal(guard: list, engine: list) -> tuple[list, list]:
    assert guard[1][2] == "true\n" and engine[1][2] == "false\n", (guard, engine)
    return _without(guard, 1), _without(engine, 1)


def _owner_only(guard: list, engine: list) -> tuple[list, list]:
    assert guard[1][2].split() == ["{name}"], guard  # nothing of other owners, nor the engine's own
    assert "{name}" in engine[1][2].split(), engine  # the engine lists everything it runs
    return _without(guard, 1), _without(engine, 1)


def _stats_limit(guard: list, engine: list) -> tuple[list, list]:
    assert guard[1][2].strip().endswith(f"/ {LIMITS.memory // 2**20}MiB"), guard
    assert not engine[1][2].strip().endswith(f"/ {LIMITS.memory // 2**20}MiB"), engine
    return _without(guard, 1), _without(engine, 1)


def _build_labels(guard: list, engine: list) -> tuple[list, list]:
    assert guard[0][1] == 0 and f"LABEL {config.LABEL_OWNER}={OWNER}" in guard[0][2], guard
    assert engine[0][1] == 0 and config.LABEL_OWNER not in engine[0][2], engine
    return [_strip_label_steps(s) for s in guard], [_strip_label_steps(s) for s in engine]


def _without(transcript: list, index: int) -> list:
    return transcript[:index] + transcript[index + 1:]


def _strip_label_steps(step: tuple) -> tuple:
    """A classic build's output with its ``LABEL edu.vmdocker.*`` steps (forced through the guard,
    passed with --label on the engine) shown alike."""
    if len(step) < 4:
        return step
    def forced(text: str) -> str:
        return re.sub(r"LABEL edu\.vmdocker\.[^\n]*", "LABEL <forced label>", text)
    return (step[0], step[1], forced(step[2]), forced(step[3]))


def _push_layers(text: str) -> str:
    """Which layers the registry already holds depends on what was pushed before (registry state):
    each layer's outcome reads ``done``, in a stable order; the manifest size follows the labels."""
    lines = text.splitlines()
    layers = sorted({line.split(":")[0] for line in lines if re.match(r"<id>: ", line)})
    rest = [re.sub(r"size: \d+", "size: <n>", line) for line in lines if not re.match(r"<id>: ", line)]
    return "\n".join(rest[:1] + [f"{layer}: done" for layer in layers] + rest[1:])


def _tar(files: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), 1_700_000_000, 0o644
            tar.addfile(info, io.BytesIO(content))
    return data.getvalue()


# -- the cases ------------------------------------------------------------------------------------------
BIG_STDIN = bytes(range(256)) * 4096  # 1 MiB, every byte value
SHORT = [
    Case("run-echo", [S("run --rm {image} echo hi")], short=True),
    Case("run-stderr-and-status", [S("run --rm {image} sh -c 'echo out; echo err >&2; exit 3'")], short=True),
    Case("run-i-pipe", [S("run --rm -i {image} cat", b"piped\n")], short=True),
    Case("run-i-no-input", [S("run --rm -i {image} echo hi")], short=True),
    Case("run-i-large-stdin", [S("run --rm -i {image} sh -c 'wc -c; echo done >&2'", BIG_STDIN)], short=True),
    Case("run-i-large-stdin-echoed", [S("run --rm -i {image} cat", BIG_STDIN)], short=True),
    Case("run-seq-2000", [S("run --rm {image} seq 1 2000")], short=True),
    Case("run-large-output", [S("run --rm {image} sh -c 'seq 1 300000; seq 1 1000 >&2'")], short=True),
    Case("run-t", [S("run --rm -t {image} sh -c 'echo hi; echo err >&2'")], short=True),
    Case("run-without-rm", [S("run --name {name} {image} echo kept"),
                            S("inspect -f '{{.State.Status}} {{.State.ExitCode}}' {name}"),
                            S("rm {name}")], short=True),
    Case("run-d-wait", [S("run -d --name {name} {image} sh -c 'echo bg; exit 7'"), S("wait {name}"),
                        S("logs {name}"), S("rm {name}")], short=True),
]
LONGER = [
    # `create -i` sets StdinOnce: the end of stdin closes the container's stdin. (On a `run -d -i`
    # container it closes the attach's output instead, so what the container prints after reading
    # its input reaches the client or not by timing, straight on the engine too.)
    Case("attach-stdin", [
        S("create -i --name {name} {image} sh -c 'read line; echo got $line; echo bye >&2'"),
        S("start {name}"), S("attach {name}", b"hello\n"), S("wait {name}"), S("rm {name}")]),
    Case("start-attach-stdin", [
        S("create -i --name {name} {image} sh -c 'wc -c; echo done >&2; exit 6'"),
        S("start -a -i {name}", BIG_STDIN), S("rm {name}")]),
    Case("attach-output", [
        S("run -d --name {name} {image} sh -c 'sleep 1; echo late; echo later >&2; exit 2'"),
        S("attach --no-stdin {name}"), S("rm {name}")]),
    Case("logs-follow", [
        S("run -d --name {name} {image} sh -c 'echo a; sleep 0.3; echo b >&2; sleep 0.3; echo c'"),
        S("logs -f {name}"), S("logs --tail 1 {name}"), S("rm {name}")]),
    Case("exec", [
        S("run -d --name {name} {image} sleep 60"),
        S("exec -i {name} sh -c 'cat; echo done >&2'", b"line\n" * 20000),
        S("exec -i {name} sh -c 'wc -c'", BIG_STDIN),
        S("exec {name} sh -c 'echo out; echo err >&2; exit 4'"),
        S("exec -t {name} echo tty"),
        S("exec -w /tmp -e X=1 {name} sh -c 'pwd; echo $X'"),
        S("exec {name} no-such-command"),
        S("rm -f {name}")]),
    Case("cp-both-ways", [
        S("create --name {name} {image} true"),
        S("cp note.txt {name}:/tmp/note.txt"),
        S("cp {name}:/tmp/note.txt copied.txt"), S("@read copied.txt"),
        S("cp {name}:/tmp/note.txt -"),
        S("cp - {name}:/tmp", _tar({"from-stdin.txt": b"through stdin\n"})),
        S("cp {name}:/tmp/from-stdin.txt -"),
        S("cp {name}:/no/such/file out.txt"),
        S("rm {name}")]),
    Case("build", [
        S("build --no-cache -t {tag} ."), S("run --rm {tag}"), S("build -q --force-rm -t {tag} -f Dockerfile.bad ."),
        S("rmi {tag}")], deliberate=_build_labels),
    Case("push-pull", [
        S("build --no-cache -q -t {repo}:v1 -f Dockerfile.push ."),
        S("push {repo}:v1"), S("rmi {repo}:v1"), S("pull {repo}:v1"), S("run --rm {repo}:v1 cat /pushed"),
        S("pull {repo}:nosuchtag"), S("rmi {repo}:v1")], registry=True, normalize=_push_layers),
    Case("events", [
        S("run --rm --name {name} {image} true"),
        S("events --since {since} --until {now} --filter type=container --filter container={name} "
          "--format '{{.Type}} {{.Action}}'")]),
    Case("stats-no-stream", [
        S("run -d --name {name} {image} sleep 60"),
        S("stats --no-stream --format '{{.Name}} {{.PIDs}}' {name}"), S("rm -f {name}")]),
    Case("wait-kill", [
        S("run -d --name {name} {image} sleep 60"), S("kill {name}"), S("wait {name}"),
        S("inspect -f '{{.State.Status}} {{.State.ExitCode}}' {name}"), S("kill {name}"),
        S("rm {name}"), S("wait {name}")]),
    Case("stop-start-restart", [
        S("run -d --name {name} {image} sh -c 'echo up; exec sleep 60'"), S("stop -t 1 {name}"),
        S("start {name}"), S("restart -t 1 {name}"), S("logs {name}"), S("rm -f {name}")]),
    Case("ps-by-name", [
        S("run -d --name {name} {image} sleep 60"),
        S("ps --filter name={name} --format '{{.Names}} {{.Image}} {{.Command}} {{.State}}'"),
        S("ps -a -q --filter name={name} --no-trunc"), S("rm -f {name}"),
        S("ps -a --filter name={name} --format '{{.Names}}'")]),
    Case("networks", [
        S("network create {net}"), S("network inspect -f '{{.Driver}} {{.Scope}}' {net}"),
        S("network ls --filter name={net} --format '{{.Name}} {{.Driver}}'"),
        S("run -d --name {name} --network {net} {image} sleep 60"),
        S("run --rm --network {net} {image} sh -c 'ls /sys/class/net; ping -c1 -W2 {name} >/dev/null && echo reached'"),
        S("rm -f {name}"), S("network rm {net}"), S("network inspect {net}")]),
    Case("volumes", [
        S("volume create {vol}"), S("run --rm -v {vol}:/v {image} sh -c 'echo kept > /v/f'"),
        S("run --rm -v {vol}:/v:ro {image} sh -c 'cat /v/f; touch /v/g'"),
        S("volume inspect -f '{{.Driver}} {{.Name}}' {vol}"),
        S("volume ls --filter name={vol} --format '{{.Name}}'"), S("volume rm {vol}"), S("volume rm {vol}")]),
    Case("no-such-things", [
        S("run --rm --pull never {tag} true"), S("inspect {name}"), S("logs {name}"), S("rm {name}"),
        S("network rm {net}"), S("volume inspect {vol}")]),
    # -- deliberate differences ------------------------------------------------------------------------
    Case("forced-limits-and-network", [
        S("run -d {image} sleep 60"),
        S("inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} "
          "{{.HostConfig.NanoCpus}} {{.HostConfig.NetworkMode}}' {last}"),
        S("rm -f {last}")], deliberate=_forced_limits),
    Case("network-is-internal", [
        S("network create {net}"), S("network inspect -f '{{.Internal}}' {net}"), S("network rm {net}")],
        deliberate=_internal),
    Case("ps-shows-the-owners-containers-only", [
        S("run -d --name {name} {image} sleep 60"), S("ps --format '{{.Names}}'"), S("rm -f {name}")],
        deliberate=_owner_only),
    Case("stats-memory-limit", [
        S("run -d --name {name} {image} sleep 60"),
        S("stats --no-stream --format '{{.MemUsage}}' {name}"), S("rm -f {name}")], deliberate=_stats_limit),
]
#: Refused through the guard (the engine would do them): one line, what was refused, why, what instead.
REFUSALS = {
    "run --privileged {image} true": "HostConfig.Privileged (--privileged): a privileged container is root",
    "run -v /etc:/x {image} true": "the bind '/etc:/x': it mounts a host path",
    "run --cap-add SYS_ADMIN {image} true": "HostConfig.CapAdd (--cap-add)",
    "run --pid host {image} true": "HostConfig.PidMode='host' (--pid=host)",
    "run --network host {image} true": "NetworkMode 'host' (--network=host)",
    "run -p 0.0.0.0:8080:80 {image} true": "publishing port 80/tcp on 0.0.0.0",
    "pull alpine": "pulling",
    "build --network host .": "building with network 'host'",
    "swarm init": "POST /swarm/init",
}
CASES = SHORT + LONGER


def _params():
    clis = [pytest.param(DEBIAN_CLI, id="cli-debian"),
            pytest.param(CURRENT_CLI, id="cli-current", marks=pytest.mark.skipif(
                not os.path.exists(CURRENT_CLI), reason=f"no current docker CLI at {CURRENT_CLI}"))]
    for case in CASES:
        for cli in clis:
            for rep in range(REPEAT if case.short else 1):
                marks = [*cli.marks, pytest.mark.short_run] if case.short else cli.marks
                yield pytest.param(case, cli.values[0], id=f"{case.id}-{cli.id}-{rep}", marks=marks)


# -- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def guard(module_guards):
    return module_guards[OWNER]


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
    """Each side's working directory: the same build contexts and files, the same mtimes."""
    dirs = {}
    for side in ("guard", "engine"):
        d = tmp_path_factory.mktemp(f"cli-{side}")
        (d / "Dockerfile").write_text('FROM vmdocker/base\nCOPY note.txt /note.txt\n'
                                      # stdout and stderr of one step reach the build stream in either order
                                      'RUN cat /note.txt\nRUN echo built >&2\nCMD ["cat", "/note.txt"]\n')
        (d / "Dockerfile.bad").write_text("FROM vmdocker/base\nRUN echo failing; exit 5\n")
        (d / "Dockerfile.push").write_text("FROM vmdocker/base\nRUN echo pushed > /pushed\n")
        (d / "note.txt").write_text("a note\n" * 100)
        for path in d.iterdir():
            os.utime(path, (1_700_000_000, 1_700_000_000))
        dirs[side] = d
    return dirs


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory):
    return tmp_path_factory.mktemp("docker-config")


@pytest.fixture(scope="module")
def registry_address():
    from course.services import registry

    return registry.start_registry()


_serial = count(1)


def _sides(guard, workdirs, cli_config, extra: dict[str, str] | None = None) -> list[Side]:
    n = next(_serial)
    sides = []
    for name, host in (("guard", guard.url), ("engine", DEFAULT_SOCKET)):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update(DOCKER_HOST=host, DOCKER_CONFIG=str(cli_config), DOCKER_CLI_HINTS="false", DOCKER_BUILDKIT="0")
        s = name[0]  # names of one length on both sides, so table columns line up alike
        values = {"image": IMAGE, "name": f"cd{n}-{s}", "net": f"cdnet{n}-{s}", "vol": f"cdvol{n}-{s}",
                  "tag": f"cd-img{n}-{s}:1", "since": f"{time.time() - 1:.3f}", **(extra or {})}
        if "registry" in values:
            values["repo"] = f"{values.pop('registry')}/cd-repo{n}-{s}"
            values["repopath"] = f"cd-repo{n}-{s}"
        sides.append(Side(name, host, workdirs[name], env, values))
    return sides


def _objects(api) -> dict[str, tuple[str, str, str]]:
    """This module's objects on the engine, by id: (side, kind, name); and any container, network or
    volume without a session label (everything the course makes has one; a failed build step's container
    has only the labels of its base image, and no cleanup by session would ever find it)."""
    label = {"label": [f"{config.LABEL_SESSION}={SESSION}"]}
    found = {}
    # ignore_removed: another session's container removed between the list and its inspect is no leftover
    for kind, objects in (("container", api.containers.list(all=True, ignore_removed=True)), ("network", api.networks.list()),
                          ("volume", api.volumes.list())):
        for o in objects:
            labels = (o.labels if kind == "container" else o.attrs.get("Labels")) or {}
            if config.LABEL_SESSION not in labels:
                found[o.id] = ("unlabelled", kind, o.name)
    for c in api.containers.list(all=True, filters=label, ignore_removed=True):
        found[c.id] = ("guard" if config.LABEL_OWNER in c.labels else "engine", "container", c.name)
    for n in api.networks.list(filters=label):
        if n.name != OWNER_NETWORK:  # the owner's default network (deliberate, kept for the module)
            found[n.id] = ("guard" if config.LABEL_OWNER in (n.attrs.get("Labels") or {}) else "engine", "network",
                           n.name)
    for v in api.volumes.list(filters=label):
        found[v.id] = ("guard" if config.LABEL_OWNER in (v.attrs.get("Labels") or {}) else "engine", "volume", v.name)
    for i in api.images.list(filters=label):
        found[i.id] = ("guard" if config.LABEL_OWNER in i.labels else "engine", "image", ",".join(sorted(i.tags)))
    return found


def _remove(api, found: dict[str, tuple[str, str, str]]) -> None:
    for oid, (_, kind, _) in found.items():
        try:
            if kind == "container":
                api.containers.get(oid).remove(force=True)
            elif kind == "network":
                api.networks.get(oid).remove()
            elif kind == "volume":
                api.volumes.get(oid).remove(force=True)
            else:
                api.images.remove(oid, force=True)
        except docker.errors.NotFound:
            pass


def _leftovers(api, before: dict, side: Side) -> tuple[list, dict]:
    new = {oid: v for oid, v in _objects(api).items() if oid not in before}
    return sorted((kind, side.normalize(name)) for _, kind, name in new.values()), new


def _transcript(case: Case, cli: str, side: Side, api) -> tuple[list, list]:
    before = _objects(api)
    out, created = [], {}
    try:
        for step in case.steps:
            if "{last}" in step.command:
                ids = [oid for oid, (_, kind, _) in _objects(api).items() if kind == "container" and oid not in before]
                side.values["last"] = ids[0] if len(ids) == 1 else "none"
            side.values["now"] = f"{time.time():.3f}"
            result = step.run(cli, side)
            if case.normalize and len(result) == 4:
                result = (result[0], result[1], case.normalize(result[2]), case.normalize(result[3]))
            out.append(result)
    finally:
        left, created = _leftovers(api, before, side)
        _remove(api, created)
    return out, left


def _diff(through: list, straight: list) -> str:
    """Where the two transcripts part, line by line."""
    def lines(transcript: list) -> list[str]:
        return [f"{part}: {line}" for step in transcript for part, text in zip(
            ("command", "status", "stdout", "stderr"), step, strict=False) for line in str(text).splitlines()]
    return "through the guard (-) and on the engine (+):\n" + "\n".join(
        difflib.unified_diff(lines(through), lines(straight), lineterm="", n=2))


# -- the tests ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case, cli", list(_params()))
def test_the_cli_through_the_guard_as_on_the_engine(case, cli, guard, module_engine, workdirs, cli_config,
                                                    request):
    extra = {"registry": request.getfixturevalue("registry_address")} if case.registry else None
    on_guard, on_engine = _sides(guard, workdirs, cli_config, extra)
    through, left_guard = _transcript(case, cli, on_guard, module_engine)
    straight, left_engine = _transcript(case, cli, on_engine, module_engine)
    if case.deliberate:
        through, straight = case.deliberate(through, straight)
    assert through == straight, _diff(through, straight)
    assert left_guard == left_engine == []


@pytest.mark.parametrize("cli", [pytest.param(DEBIAN_CLI, id="cli-debian"), pytest.param(
    CURRENT_CLI, id="cli-current", marks=pytest.mark.skipif(not os.path.exists(CURRENT_CLI), reason="no CLI"))])
@pytest.mark.parametrize("command", list(REFUSALS))
def test_refusals_read_as_one_line_in_a_terminal(command, cli, guard, module_engine, workdirs, cli_config):
    on_guard, _ = _sides(guard, workdirs, cli_config)
    before = _objects(module_engine)
    step = Step(command).run(cli, on_guard)
    left, created = _leftovers(module_engine, before, on_guard)
    _remove(module_engine, created)
    _, status, _, stderr = step
    assert status != 0 and left == [], step
    lines = [line for line in stderr.splitlines() if "course guard refused" in line]
    assert len(lines) == 1, stderr  # one line, not a wrapped or repeated message
    message = lines[0].split("Error response from daemon: ", 1)[1]
    assert message.startswith("course guard refused " + REFUSALS[command].split(":")[0]), message
    assert REFUSALS[command] in message
    what, _, rest = message.partition(": ")
    why, _, instead = rest.partition(". ")
    assert what and why and instead.strip(), f"not 'what: why. instead': {message}"


def test_a_failed_build_through_the_guard_leaves_no_container(guard, module_engine, workdirs, cli_config):
    """Deliberate: the guard forces --force-rm. Straight on the engine a failed step's container stays
    (unlabelled); through the guard the owner could not even see it, so it must not stay."""
    on_guard, _ = _sides(guard, workdirs, cli_config)
    before = _objects(module_engine)
    _, status, _, stderr = Step("build -t {tag} -f Dockerfile.bad .").run(DEBIAN_CLI, on_guard)
    left, created = _leftovers(module_engine, before, on_guard)
    _remove(module_engine, created)
    assert status == 5 and "returned a non-zero code: 5" in stderr
    assert left == []


# -- docker-py, the same way ------------------------------------------------------------------------------
def _py_run(api, labels, n):
    out = api.containers.run(IMAGE, ["sh", "-c", "echo hi; echo err >&2"], remove=True, labels=labels)
    try:
        api.containers.run(IMAGE, ["sh", "-c", "echo out; echo failed >&2; exit 3"], remove=True, labels=labels)
    except docker.errors.ContainerError as exc:
        return out, exc.exit_status, exc.stderr
    return out, None


def _py_run_stream(api, labels, n):
    box = api.containers.run(IMAGE, ["sh", "-c", "seq 1 3; sleep 0.2; seq 4 6"], detach=True, labels=labels)
    try:
        lines = b"".join(box.logs(stream=True, follow=True))
        return lines, box.wait(timeout=30)["StatusCode"]
    finally:
        box.remove(force=True)



def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(30)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _py_attach_stdin(api, labels, n):
    """As the CLI does: attach (stdin too) before start, send stdin, half-close, read to the end."""
    box = api.containers.create(IMAGE, ["sh", "-c", "wc -c; echo done >&2"], stdin_open=True, labels=labels)
    try:
        sock = api.api.attach_socket(box.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        box.start()
        sock._sock.sendall(BIG_STDIN)
        sock._sock.shutdown(socket.SHUT_WR)
        got = demux(_read_all(sock._sock))
        sock._sock.close()
        return got, box.wait(timeout=30)["StatusCode"]
    finally:
        box.remove(force=True)


def _py_exec_stdin(api, labels, n):
    box = api.containers.run(IMAGE, ["sleep", "60"], detach=True, labels=labels)
    try:
        eid = api.api.exec_create(box.id, ["sh", "-c", "cat; echo done >&2"], stdin=True)["Id"]
        sock = api.api.exec_start(eid, socket=True)
        sock._sock.sendall(b"exec input\n" * 10000)
        sock._sock.shutdown(socket.SHUT_WR)
        got = demux(_read_all(sock._sock))
        sock._sock.close()
        code = api.api.exec_inspect(eid)["ExitCode"]
        demuxed = box.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"], demux=True)
        return got, code, demuxed.exit_code, demuxed.output
    finally:
        box.remove(force=True)


def _py_archive(api, labels, n):
    box = api.containers.create(IMAGE, ["true"], labels=labels)
    try:
        box.put_archive("/tmp", _tar({"put.txt": b"put\n"}))
        stream, stat = box.get_archive("/tmp/put.txt")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            return tar.extractfile("put.txt").read(), stat["size"], stat["mode"]
    finally:
        box.remove(force=True)


PY_CASES = {"py-run": (_py_run, True), "py-run-stream-logs": (_py_run_stream, True),
            "py-attach-stdin": (_py_attach_stdin, True), "py-exec-stdin": (_py_exec_stdin, False),
            "py-archive": (_py_archive, False)}


@pytest.mark.parametrize("name, rep", [
    pytest.param(name, rep, id=f"{name}-{rep}", marks=[pytest.mark.short_run] if short else [])
    for name, (_, short) in PY_CASES.items() for rep in range(REPEAT if short else 1)])
def test_docker_py_through_the_guard_as_on_the_engine(name, rep, guard, module_engine):
    fn = PY_CASES[name][0]
    results = []
    for url, labels in ((guard.url, {}), (DEFAULT_SOCKET, ENGINE_LABELS)):
        before = _objects(module_engine)
        api = docker.DockerClient(base_url=url, version="auto", timeout=60)
        try:
            results.append(fn(api, labels, rep))
        finally:
            api.close()
            new = {oid: v for oid, v in _objects(module_engine).items() if oid not in before}
            _remove(module_engine, new)
        assert not new, new
    assert results[0] == results[1]


def test_the_guard_logged_no_lost_task(guard):
    """Last in the module: after every case, the guard's log holds no task destroyed while pending (#19),
    no exception nobody read, no traceback."""
    log = Path(guard.log).read_text(errors="replace")
    for sign in ("Task was destroyed but it is pending", "exception was never retrieved", "Traceback"):
        assert sign not in log, log[-4000:]
