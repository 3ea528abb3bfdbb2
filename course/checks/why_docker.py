"""Checks for the `why_docker` assignment (S5: portability, scale out, performance; S4: I/O)."""

from __future__ import annotations

import contextlib
import io
import math
import secrets
import time
from collections.abc import Callable, Iterator

import docker
import docker.errors
import pandas as pd
from docker.models.containers import Container

from course import config
from course.checks.engine_state import removed_after, session_containers
from course.checks.feedback import Feedback, boolean, call, expect
from course.i18n import translator
from course.images import BASE, image_ref
from course.lab import iobench, scaleout, variant

_ = translator("why_docker")

SCALING_COLUMNS = ("replicas", "requests", "seconds", "requests_per_s")
IO_WRITE = "write_mib_s"
CPU_LOOP = "loop_ms"
#: The CFS period the kernel and dockerd use when a container sets a quota without one (100 ms).
CFS_PERIOD_US = 100_000
#: Host addresses that publish on the loopback only.
LOOPBACK_IPS = {scaleout.LOOPBACK, "localhost"}


def _session(api: docker.DockerClient) -> str | None:
    return getattr(api, "course_labels", {}).get(config.LABEL_SESSION)


# -- portability ----------------------------------------------------------------------------

@contextlib.contextmanager
def _probe_image(api: docker.DockerClient, other: docker.DockerClient) -> Iterator[tuple[str, str, str]]:
    """A fresh image, unknown to both engines until now: (ref, image ID, what its CMD prints).

    Fresh, so only a function that really moves it can run it elsewhere; removed from both
    engines afterwards.
    """
    token = secrets.token_hex(4)
    ref = f"portable-check:{token}"
    dockerfile = (f"FROM {image_ref(BASE)}\nENV COURSE_TOKEN={token}\nWORKDIR /srv\n"
                  'CMD ["sh", "-c", "echo portable $COURSE_TOKEN from $(pwd); '
                  'sha256sum /bin/busybox | cut -c1-16"]\n')
    image, _log = api.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=ref, pull=False, rm=True,
                                forcerm=True)
    try:
        container = api.containers.run(ref, detach=True)
        try:
            container.wait()
            expected = container.logs().decode(errors="replace")
        finally:
            container.remove(force=True)
        yield ref, image.id, expected
    finally:
        for engine in (other, api):
            for leftover in engine.containers.list(all=True, filters={"ancestor": image.id}):
                with contextlib.suppress(docker.errors.APIError):
                    leftover.remove(force=True)
            with contextlib.suppress(docker.errors.APIError):
                engine.images.remove(image.id, force=True)


def _created_from(api: docker.DockerClient, since: float, ref: str, image_id: str) -> list[dict]:
    """The engine's own record (its event log) of containers created from the image since ``since``."""
    digest = image_id.split(":")[-1]

    def same(name: str) -> bool:
        name = name or ""
        return name == ref or name == image_id or (len(name) >= 12 and digest.startswith(name.split(":")[-1]))

    events = api.api.events(since=f"{since:.6f}", until=f"{time.time():.6f}", decode=True,
                            filters={"type": "container", "event": "create"})
    return [e for e in events if same(e.get("Actor", {}).get("Attributes", {}).get("image", ""))]


def run_elsewhere(fn: Callable, api: docker.DockerClient, other: docker.DockerClient | None,
                  strict: bool = False) -> None:
    """`run_elsewhere(image_ref, other_api)` moves a fresh image to the other engine and runs it there."""
    expect(other is not None, _("there is no second engine in this notebook (`other` is not defined)."),
           _("run the first cell of section 1 (portability.second_engine()); if it fails, tell your instructor."))
    with _probe_image(api, other) as (ref, image_id, expected):
        since = time.time() - 1
        output = call(fn, ref, other)
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        expect(isinstance(output, str),
               # Translators: {kind} is a Python type name (bytes, NoneType, ...).
               _("`run_elsewhere` returned {kind}, not the output text.").format(kind=type(output).__name__),
               _("return what the container printed, as a str (.decode() the bytes of logs())."))
        try:
            there = other.images.get(image_id)
        except docker.errors.ImageNotFound:
            there = None
        expect(there is not None,
               # Translators: {ref} is the image's name:tag, {short} the start of its ID.
               _("the image {ref} ({short}) is not on the other engine.").format(ref=ref, short=image_id[7:19]),
               _("save it from `docker` (docker.images.get(ref).save(named=ref)) and load the bytes with "
                 "other_api.images.load(...)."))
        expect(output.strip() == expected.strip(),
               # Translators: {got} and {expected} are quoted texts the container printed.
               _("it returned {got}, but the image prints {expected} (it did so on this engine).").format(
                   got=repr(output.strip()[:120]), expected=repr(expected.strip())),
               _("run the image with its own default command (no command argument) on other_api and "
                 "return its output."))
        if not strict:
            return
        expect(ref in there.tags,
               # Translators: {tags} is a Python list of image tags, {ref} the quoted tag expected.
               _("on the other engine the image has the tags {tags}, not {ref}.").format(tags=there.tags, ref=repr(ref)),
               _("save it by its name (save(named=image_ref)), so the archive carries the tag."))
        created = _created_from(other, since, ref, image_id)
        expect(created, _("the other engine has no record of a container created from the image."),
               _("run it on other_api (other_api.containers.run(...)), not on `docker`."))
        session = _session(other)
        unlabelled = [e for e in created if e["Actor"]["Attributes"].get(config.LABEL_SESSION) != session]
        expect(not unlabelled,
               _("{count} container(s) on the other engine lack this session's labels.").format(count=len(unlabelled)),
               _("create them with the other_api client you were given: it labels what it creates."))
        left = other.containers.list(all=True, filters={"ancestor": image_id})
        expect(not left, _("`run_elsewhere` left {count} container(s) behind on the other engine.").format(
                   count=len(left)),
               _("remove the container after reading its output (remove=True, or container.remove())."))


# -- scale out -------------------------------------------------------------------------------

def _bodies(urls: list[str], timeout: float = 15.0) -> list[str]:
    try:
        return scaleout.wait_ready(urls, timeout)
    except OSError as exc:
        # Translators: {error} is the network error, in English (from the operating system).
        raise Feedback(_("a replica did not answer HTTP within {seconds:.0f} s ({error}).").format(
                           seconds=timeout, error=exc),
                       _("run httpd in the foreground (the WEB command: httpd -f -p 8080 -h /www).")) from None


def _new_containers(api: docker.DockerClient, before: set[str]) -> list[Container]:
    return [api.containers.get(cid) for cid in session_containers(api) - before]


def replicas(fn: Callable, api: docker.DockerClient, n: int, strict: bool = False) -> None:
    """`start_replicas(n)` leaves n running web replicas, each answering on 127.0.0.1 with its hostname."""
    before = session_containers(api)
    got = call(fn, n)
    started = _new_containers(api, before)
    with removed_after(*started, *(got if isinstance(got, (list, tuple)) else [])):
        expect(isinstance(got, (list, tuple)) and all(isinstance(c, Container) for c in got),
               # Translators: {n} is the number of replicas asked for, {kind} a Python type name.
               _("`start_replicas({n})` returned {kind}, not a list of Containers.").format(
                   n=n, kind=type(got).__name__),
               _("collect the Container that each docker.containers.run(..., detach=True) returns in a list."))
        expect(len(got) == n, _("`start_replicas({n})` returned {count} container(s).").format(n=n, count=len(got)),
               _("start exactly n replicas."))
        expect(len({c.id for c in got}) == n, _("some containers appear twice in the list."),
               _("start a new container for each replica."))
        ours = {c.id for c in started}
        foreign = [c.short_id for c in got if c.id not in ours]
        # Translators: {foreign} is a Python list of short container IDs.
        expect(not foreign, _("the replica(s) {foreign} do not carry this notebook's session label: another client "
                              "than the notebook's `docker` created them.").format(foreign=foreign),
               _("start them with `docker` (docker.containers.run, or docker.api at the low level): it labels "
                 "what it creates for this session, and cleans it up."))
        expect(len(started) == n,
               _("the engine shows {count} new container(s) of this session, not {n}.").format(count=len(started), n=n),
               _("start exactly n containers, and return them all."))
        urls, hostnames = [], []
        for container in got:
            container.reload()
            log = container.logs(tail=3).decode(errors="replace").strip()
            expect(container.status == "running",
                   # Translators: {status} is the engine's quoted state ('exited', 'created'), {log} the quoted last lines.
                   _("replica {id} is {status}; its log ends with: {log}.").format(
                       id=container.short_id, status=repr(container.status), log=repr(log)),
                   _("run the web command from the live cell (WEB), with detach=True."))
            expect(image_ref(BASE) in container.image.tags,
                   # Translators: {image} is the image's list of tags, or its ID.
                   _("replica {id} runs {image}.").format(id=container.short_id,
                                                         image=container.image.tags or container.image.id),
                   _("use lab.BASE_IMAGE: it has busybox httpd."))
            asked = (container.attrs["HostConfig"].get("PortBindings") or {}).get(scaleout.PORT) or []
            # Translators: an address the engine publishes on when HostIp is empty, shown in a list.
            every = _("every interface")
            wide = sorted({b.get("HostIp") or every for b in asked} - LOOPBACK_IPS)
            # Translators: {port} is "8080/tcp", {where} a Python list of host addresses.
            expect(not wide, _("replica {id} asks the engine to publish {port} on {where} (an empty HostIp means "
                               "all interfaces): without a guard in front of the engine, anyone who reaches this "
                               "machine reaches the replica.").format(id=container.short_id, port=scaleout.PORT,
                                                                      where=wide),
                   _('publish on 127.0.0.1 only: ports={"8080/tcp": ("127.0.0.1", None)}.'))
            try:
                urls.append(scaleout.url_of(container))
            except scaleout.NotLoopback as exc:
                expect(False, f"{exc}.", _('publish it on the loopback only: ports={"8080/tcp": ("127.0.0.1", None)}.'))
            published = scaleout.bindings(container)
            others = sorted({b.get("HostIp") for b in published} - {scaleout.LOOPBACK})
            expect(all(b.get("HostIp") == scaleout.LOOPBACK for b in published),
                   # Translators: {where} is a Python list of host addresses.
                   _("replica {id} is also published on {where}: reachable from outside.").format(
                       id=container.short_id, where=others),
                   _('publish on 127.0.0.1 only: ports={"8080/tcp": ("127.0.0.1", None)}.'))
            hostnames.append(container.attrs["Config"]["Hostname"])
        service = variant.value("why_docker", "service")
        wanted = [f"{service}-{i}" for i in range(1, n + 1)]
        expect(sorted(hostnames) == sorted(wanted),
               # Translators: {got} and {wanted} are comma-separated host names; {{i}} stays as it is (Python code).
               _("your replicas' hostnames are {got}; your exercise asks for {wanted}.").format(
                   got=", ".join(sorted(hostnames)), wanted=", ".join(wanted)),
               _('give replica i (from 1) the hostname f"{service}-{{i}}" (hostname= in containers.run).').format(
                   service=service))
        for url, hostname, body in zip(urls, hostnames, _bodies(urls), strict=True):
            # Translators: {body} and {hostname} are quoted texts.
            expect(hostname in body, _("{url} answered {body}, without its hostname {hostname}.").format(
                       url=url, body=repr(body.strip()[:80]), hostname=repr(hostname)),
                   _("answer with the replica's hostname: run the WEB command, whose CGI program prints it."))
        if not strict:
            return
        for container in got:
            host = container.attrs["HostConfig"]
            cpus = cpu_limit(host)
            right = cpus is not None and abs(cpus - scaleout.REPLICA_NANO_CPUS / 1e9) < 1e-6
            shares = _(" cpu_shares is only a relative weight when CPUs are contended, not a cap.") if (
                host.get("CpuShares")) else ""
            # Translators: {shares} is empty or the sentence about cpu_shares above (it starts with a space).
            problem = (_("replica {id} may use {cpus} CPU(s), not 0.1.{shares}") if cpus
                       else _("replica {id} may use all the CPU(s), not 0.1.{shares}"))
            expect(right, problem.format(id=container.short_id, cpus=cpus, shares=shares),
                   _("pass nano_cpus=100_000_000 (a tenth of a CPU, like docker run --cpus 0.1)."))


def cpu_limit(host_config: dict) -> float | None:
    """The CPUs a container may use, from its HostConfig: ``NanoCpus`` (``--cpus``), or a CFS quota
    over its period (the kernel's default period, 100 ms, when none is set); None if unlimited."""
    if host_config.get("NanoCpus"):
        return host_config["NanoCpus"] / 1e9
    quota = host_config.get("CpuQuota") or 0
    return quota / (host_config.get("CpuPeriod") or CFS_PERIOD_US) if quota > 0 else None


def throughput(fn: Callable, api: docker.DockerClient, n: int = 2, requests: int = 120,
               strict: bool = False) -> None:
    """`measure_throughput(urls, requests)` sends exactly that many GETs and returns a plausible requests/s."""
    containers = scaleout.start_replicas(api, n)
    with removed_after(*containers):
        urls = [scaleout.url_of(c) for c in containers]
        scaleout.wait_ready(urls)
        before = scaleout.served(containers, total=n)  # wait_ready's own requests, one each
        start = time.perf_counter()
        rate = call(fn, urls, requests)
        wall = time.perf_counter() - start
        after = scaleout.served(containers, total=sum(before) + requests)
        served = [a - b for a, b in zip(after, before, strict=True)]
        expect(isinstance(rate, (int, float)) and not isinstance(rate, bool) and math.isfinite(rate) and rate > 0,
               # Translators: {rate} is the value the learner's function returned, as Python writes it.
               _("`measure_throughput` returned {rate}, not a positive number of requests per second.").format(
                   rate=repr(rate)),
               _("return requests / elapsed seconds, as a float."))
        expect(sum(served) == requests,
               _("the replicas received {count} request(s) in all; {requests} were asked for.").format(
                   count=sum(served), requests=requests),
               _("send exactly `requests` GETs, each to one of the URLs, and wait for all of them."))
        expect(rate != requests,
               _("it returned {rate}: that is the number of requests, not a rate.").format(rate=repr(rate)),
               _("divide the number of requests by the seconds they took."))
        least = requests / wall
        expect(rate >= 0.5 * least,
               _("it returned {rate:.3g}/s, but {requests} requests were all answered within the {wall:.2f} s the "
                 "call took, so at least {least:.0f} requests/s.").format(
                   rate=rate, requests=requests, wall=wall, least=least),
               _("return requests / seconds (not seconds, nor seconds per request), timed with "
                 "time.perf_counter() around the requests."))
        own = scaleout.measure(urls, requests).requests_per_s
        expect(rate <= 5 * own,
               _("it returned {rate:.0f} requests/s; measured just now the replicas serve about {own:.0f}/s.").format(
                   rate=rate, own=own),
               _("time the whole batch from before the first request to after the last one."))
        if strict:
            expect(max(served) - min(served) <= 1,
                   # Translators: {served} is a Python list of counts, one per replica.
                   _("the replicas served {served} requests: not spread evenly over them.").format(served=served),
                   _("go round-robin: request i goes to urls[i % len(urls)]."))


def scaling_table(scaling: object, api: docker.DockerClient, own_check: bool = False) -> None:
    """`scaling` holds one measured row per N in 1, 2, 4, consistent, and the replicas are gone."""
    expect(scaling is not None, _("`scaling` is not defined."),
           _("build the DataFrame in the exercise cell and run that cell before this test."))
    expect(isinstance(scaling, pd.DataFrame),
           # Translators: {kind} is a Python type name.
           _("`scaling` is a {kind}, not a DataFrame.").format(kind=type(scaling).__name__),
           _("build it with pd.DataFrame(rows), one dict per N."))
    missing = [c for c in SCALING_COLUMNS if c not in scaling.columns]
    # Translators: {missing}, {columns} and {wanted} are Python lists of column names.
    expect(not missing, _("`scaling` lacks the column(s) {missing}; it has {columns}.").format(
               missing=missing, columns=list(scaling.columns)),
           _("use exactly these columns: {wanted}.").format(wanted=list(SCALING_COLUMNS)))
    expect(sorted(scaling["replicas"].tolist()) == [1, 2, 4],
           # Translators: {replicas} is a Python list of numbers of replicas.
           _("`scaling` has rows for {replicas} replicas.").format(replicas=scaling["replicas"].tolist()),
           _("measure with 1, 2 and 4 replicas, one row each."))
    for row in scaling.itertuples():
        expect(50 <= row.requests <= 1000,
               _("the row for {replicas} replica(s) used {requests} requests.").format(
                   replicas=row.replicas, requests=row.requests),
               _("keep the load bounded: between 50 and 1000 requests per measurement (300 is plenty)."))
        expect(row.seconds > 0 and math.isclose(row.requests_per_s, row.requests / row.seconds, rel_tol=0.02),
               _("for {replicas} replica(s), requests_per_s is {rate:.4g} but {requests} requests in "
                 "{seconds:.4g} s is {right:.4g}/s.").format(
                   replicas=row.replicas, rate=row.requests_per_s, requests=row.requests, seconds=row.seconds,
                   right=row.requests / max(row.seconds, 1e-9)),
               _("fill requests, seconds and requests_per_s from the same measurement."))
    running = [c for c in api.containers.list(filters={"label": f"{config.LABEL_SESSION}={_session(api)}"})
               if scaleout.PORT in (c.ports or {})] if _session(api) else []
    expect(not running, _("{count} web replica(s) are still running on the engine.").format(count=len(running)),
           _("remove each round's replicas (container.remove(force=True)) before starting the next."))
    if own_check:
        one = float(scaling.loc[scaling["replicas"] == 1, "requests_per_s"].iloc[0])
        containers = scaleout.start_replicas(api, 1)
        with removed_after(*containers):
            urls = [scaleout.url_of(c) for c in containers]
            scaleout.wait_ready(urls)
            own = scaleout.measure(urls, 150).requests_per_s
        expect(own / 5 <= one <= own * 5,
               _("your table says one replica served {one:.0f} requests/s; measured just now: {own:.0f}/s.").format(
                   one=one, own=own),
               _("measure with your own measure_throughput on replicas from your start_replicas."))


# -- performance: I/O --------------------------------------------------------------------------

def _timed_runner(run: iobench.Runner) -> tuple[iobench.Runner, list[float]]:
    """Wrap ``run`` to record how long each call took, seen from here."""
    spent: list[float] = []

    def timed_run(command: str) -> str:
        start = time.perf_counter()
        try:
            return run(command)
        finally:
            spent.append(time.perf_counter() - start)

    return timed_run, spent


def _judge_write(fn: Callable, run: iobench.Runner, path: str, mib: int, where: str) -> None:
    timed_run, spent = _timed_runner(run)
    rate = call(fn, timed_run, path, mib)
    expect(isinstance(rate, (int, float)) and not isinstance(rate, bool) and math.isfinite(rate) and rate > 0,
           # Translators: {where} is one of "in a container (tmpfs)", "in a container (overlay2)", "in the VM".
           _("`timed_write` returned {rate} {where}, not a positive number of MiB per second.").format(
               rate=repr(rate), where=where),
           _("return mib / seconds, a float."))
    expect(spent, _("`timed_write` never called run(...)."), _("run the dd command through the `run` function given."))
    least = mib / sum(spent)
    expect(rate >= 0.5 * least,
           _("it returned {rate:.4g} MiB/s {where}, but its commands took {seconds:.3f} s in all, so writing "
             "{mib} MiB went at least at {least:.0f} MiB/s.").format(
               rate=rate, where=where, seconds=sum(spent), mib=mib, least=least),
           _("iobench.timed prints microseconds: divide by 1_000_000 to get seconds, then return mib / seconds."))
    leftover = run(f"if [ -e {path} ]; then echo left; fi").strip()
    expect(not leftover, _("`timed_write` left {path} behind {where}.").format(path=path, where=where),
           _("remove it afterwards (rm -f {path}).").format(path=path))
    own = iobench.measure(run, path, mib, repeat=2)["write_mib_s"]
    expect(rate <= 5 * own,
           _("it returned {rate:.0f} MiB/s {where}; measured just now: about {own:.0f} MiB/s.").format(
               rate=rate, where=where, own=own),
           _("write all {mib} MiB (bs=1M count={mib}) with conv=fsync, inside iobench.timed(...).").format(mib=mib))


def timed_write(fn: Callable, api: docker.DockerClient, mib: int = 16, vm: bool = False) -> None:
    """`timed_write(run, path, mib)` measures a write plausibly: in a container's tmpfs, or (``vm``)
    in its overlay2 layer and in the VM, where the same function must work unchanged."""
    container = api.containers.run(image_ref(BASE), "sleep 300", detach=True, tmpfs={"/scratch": "size=96m"})
    with removed_after(container):
        run = iobench.container_runner(container)
        if vm:
            _judge_write(fn, run, "/root/check.bin", mib, _("in a container (overlay2)"))
        else:
            _judge_write(fn, run, "/scratch/check.bin", mib, _("in a container (tmpfs)"))
    if vm:
        from course.vm import boot

        with boot(memory_mb=192) as guest:
            _judge_write(fn, iobench.vm_runner(guest), "/tmp/check.bin", mib, _("in the VM"))


# -- conclusions from the learner's own numbers -------------------------------------------------

def _number(namespace: dict, name: str, hint: str) -> float:
    value = namespace.get(name)
    expect(value is not None, _("`{name}` is not defined.").format(name=name), hint)
    expect(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
           # Translators: {name} is a variable of the notebook, {value} its value as Python writes it.
           _("`{name}` is {value}, not a number.").format(name=name, value=repr(value)), hint)
    return float(value)


def conclusions(namespace: dict, strict: bool = False) -> None:
    """`speedup_4`, `scaled_out`, `io_ratio` and `cpu_ratio` agree with the learner's own tables."""
    scaling, io_table = namespace.get("scaling"), namespace.get("io")
    expect(isinstance(scaling, pd.DataFrame) and set(SCALING_COLUMNS) <= set(scaling.columns),
           _("your `scaling` table is missing, so there is nothing to conclude from."),
           _("finish the scaling exercise first."))
    rate = dict(zip(scaling["replicas"], scaling["requests_per_s"], strict=True))
    expect(1 in rate and 4 in rate, _("`scaling` has no row for 1 or for 4 replicas."),
           _("finish the scaling exercise."))
    true_speedup = rate[4] / rate[1]
    _ratio(namespace, "speedup_4", true_speedup, "scaling",
           _("the requests_per_s of 4 replicas over that of 1 (from `scaling`)"))
    scaled = boolean(namespace.get("scaled_out"), "scaled_out")
    expect(scaled == (true_speedup >= 2),
           # Translators: {scaled} is True or False (Python values, keep them in English).
           _("scaled_out is {scaled}, but your 4 replicas served {speedup:.2f} times as many requests/s as 1.").format(
               scaled=scaled, speedup=true_speedup),
           _("scaled_out is True exactly when speedup_4 is at least 2."))
    if not strict:
        return
    expect(isinstance(io_table, pd.DataFrame) and IO_WRITE in io_table.columns
           and {"container/tmpfs", "vm/ram"} <= set(io_table.index),
           _("the `io` table from the live cell is missing."), _("run the I/O measurement cell above again."))
    _ratio(namespace, "io_ratio", io_table.loc["container/tmpfs", IO_WRITE] / io_table.loc["vm/ram", IO_WRITE], "io",
           'io.loc["container/tmpfs", "write_mib_s"] / io.loc["vm/ram", "write_mib_s"]')
    cpu = namespace.get("cpu")
    expect(isinstance(cpu, pd.DataFrame) and CPU_LOOP in cpu.columns and {"container", "vm"} <= set(cpu.index),
           _("the `cpu` table from the live cell is missing."), _("run the I/O measurement cell above again."))
    _ratio(namespace, "cpu_ratio", cpu.loc["vm", CPU_LOOP] / cpu.loc["container", CPU_LOOP], "cpu",
           'cpu.loc["vm", "loop_ms"] / cpu.loc["container", "loop_ms"]')


def _ratio(namespace: dict, name: str, true: float, table: str, formula: str) -> None:
    """``namespace[name]`` is ``true``, the ratio the learner's ``table`` gives (``formula``)."""
    # Translators: {name} is a variable, {formula} the Python expression (or the sentence) that computes it.
    got = _number(namespace, name, _("set {name} = {formula}.").format(name=name, formula=formula))
    upside = _(": that is the ratio upside down") if math.isclose(got * true, 1, rel_tol=0.02) else ""
    expect(math.isclose(got, true, rel_tol=0.01),
           # Translators: {upside} is empty or ": that is the ratio upside down".
           _("{name} is {got:.3g}, but your `{table}` table gives {true:.3g}{upside}.").format(
               name=name, got=got, table=table, true=true, upside=upside),
           _("compute {formula}.").format(formula=formula))
