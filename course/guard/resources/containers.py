"""Containers: what a learner's container may be, and the container endpoints.

Allow-list: each HostConfig field is either allowed, allowed only empty, allowed
only with listed values, or capped. Objects the body names (volumes, networks,
images) are returned as :class:`~course.guard.resources.base.Needs` for the proxy to
check against the engine. The rules (``check_*``) are pure checks and rewrites of
create/update bodies; :class:`ContainerHandlers` applies them to the endpoints.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from course.guard import jsonbody, schema
from course.guard.errors import Refused, refuse
from course.guard.names import JsonLines, with_alias
from course.guard.regexp import matching
from course.guard.resources.base import STREAM, Base, Forward, Needs, Reply, first, forced_labels
from course.guard.resources.filters import dump_filters, parse_filters
from course.guard.resources.volumes import VOLUME_NAME
from course.guard.routes import Route
from course.guard.settings import LABEL_PORTS, Limits, Settings

#: Names of networks and containers the guard passes on.
OBJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
PORT_KEY = re.compile(r"^(\d{1,5})(?:/([a-z]+))?$")
NO_PRIVILEGES = {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"}
ULIMITS = {"nofile", "nproc", "core", "stack", "fsize", "cpu", "as", "data"}
LOG_DRIVERS = {"", "json-file", "local", "none"}
LOG_OPTIONS = {"max-size", "max-file", "compress", "mode", "max-buffer-size", "labels", "labels-regex",
               "env", "env-regex", "tag"}
RESTARTS = {"", "no", "always", "unless-stopped", "on-failure"}
BIND_OPTIONS = {"ro", "rw", "nocopy"}

_HOST = "Use your own named volumes (docker volume create) or tmpfs instead"
#: Fields that must be empty (false, 0, [] or absent): (why, what to do instead).
MUST_BE_EMPTY = {
    "Privileged": ("a privileged container is root on the host", "Run it unprivileged"),
    "VolumesFrom": ("it mounts every volume of another container", _HOST),
    "CapAdd": ("extra capabilities loosen the container's confinement", "Run without added capabilities"),
    "Devices": ("host devices give access to the host's hardware", "Work without host devices"),
    "DeviceRequests": ("device requests give access to the host's hardware", "Work without host devices"),
    "DeviceCgroupRules": ("device rules give access to the host's devices", "Work without host devices"),
    "Sysctls": ("kernel parameters may reach beyond the container", "Leave the kernel settings as they are"),
    "Links": ("legacy links reach other containers", "Put containers on one of your networks and use names"),
    "CgroupParent": ("it moves the container out of the cgroup its limits apply to", "Leave it unset"),
    "StorageOpt": ("storage driver options are not part of the course", "Leave them unset"),
    "Annotations": ("runtime annotations change how the runtime confines the container", "Leave them unset"),
    "OomKillDisable": ("a container that cannot be OOM-killed can stall the host", "Leave it unset"),
    "PublishAllPorts": ("it publishes every exposed port on all the host's addresses",
                        ("Publish single ports on 127.0.0.1, e.g. -p 8080:80 "
                         "(docker-py: ports={'80/tcp': 8080})")),
    "CpuRealtimePeriod": ("real-time scheduling can starve the host", "Leave it unset"),
    "CpuRealtimeRuntime": ("real-time scheduling can starve the host", "Leave it unset"),
    **{name: ("it names host block devices", "Use BlkioWeight instead") for name in (
        "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
        "BlkioDeviceWriteIOps")},
    **{name: ("it is a Windows-only setting", "Leave it unset") for name in (
        "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth")},
}
#: Fields whose *presence*, even as [], changes confinement (an empty list unmasks /proc paths).
MUST_BE_UNSET = {
    "MaskedPaths": "setting it replaces the /proc and /sys paths the engine masks",
    "ReadonlyPaths": "setting it replaces the /proc and /sys paths the engine keeps read-only",
}
#: The ``docker run`` flags that set HostConfig fields, so a refusal read in a terminal names the flag typed.
CLI_FLAGS = {
    "Privileged": "--privileged", "VolumesFrom": "--volumes-from", "CapAdd": "--cap-add",
    "Devices": "--device",
    "DeviceRequests": "--gpus", "DeviceCgroupRules": "--device-cgroup-rule", "Sysctls": "--sysctl",
    "Links": "--link", "CgroupParent": "--cgroup-parent", "StorageOpt": "--storage-opt",
    "OomKillDisable": "--oom-kill-disable", "PublishAllPorts": "-P", "CpuRealtimePeriod": "--cpu-rt-period",
    "CpuRealtimeRuntime": "--cpu-rt-runtime", "BlkioWeightDevice": "--blkio-weight-device",
    "BlkioDeviceReadBps": "--device-read-bps", "BlkioDeviceWriteBps": "--device-write-bps",
    "BlkioDeviceReadIOps": "--device-read-iops", "BlkioDeviceWriteIOps": "--device-write-iops",
    "CpuCount": "--cpu-count", "CpuPercent": "--cpu-percent", "IOMaximumIOps": "--io-maxiops",
    "IOMaximumBandwidth": "--io-maxbandwidth", "PidMode": "--pid", "UTSMode": "--uts",
    "UsernsMode": "--userns",
    "IpcMode": "--ipc", "CgroupnsMode": "--cgroupns", "Runtime": "--runtime", "Isolation": "--isolation",
    "VolumeDriver": "--volume-driver", "MaskedPaths": "--security-opt systempaths=unconfined",
    "ReadonlyPaths": "--security-opt systempaths=unconfined",
}


def field(name: str, value: Any = None) -> str:
    """``HostConfig.NAME`` (with its value, if given) and the ``docker run`` flag that sets it."""
    text = f"HostConfig.{name}" + ("" if value is None else f"={value!r}")
    flag = CLI_FLAGS.get(name)
    if flag and value is not None and " " not in flag:
        flag += f"={value}"
    return f"{text} ({flag})" if flag else text


#: Namespace and runtime modes: only the values listed (the container's own namespaces).
MODES = {
    "PidMode": {""}, "UTSMode": {""}, "UsernsMode": {""}, "Cgroup": {""},
    "IpcMode": {"", "private", "shareable", "none"}, "CgroupnsMode": {"", "private"},
    "Runtime": {"", "runc"}, "Isolation": {"", "default"}, "VolumeDriver": {"", "local"},
}


def check_create(body: dict, s: Settings, named: bool = False) -> tuple[dict, Needs]:
    """Check a ``POST /containers/create`` body; return it rewritten, and what it names.

    ``named``: the learner gave the container a name (others may look it up on a network).
    """
    needs = Needs()
    hc = dict(body.get("HostConfig") or {})
    if body.get("Image"):
        needs.images.add(body["Image"])
    check_resources(hc, s.limits, update=False)
    _check_host_config(hc, s, needs)
    _drop_empty_default_endpoint(body, hc)
    wants_network = named or bool(hc.get("PortBindings")) or bool((body.get("NetworkingConfig") or {})
                                                                   .get("EndpointsConfig"))
    mode = _network_mode(hc, s, needs, wants_network)
    body["NetworkingConfig"] = _endpoints(body.get("NetworkingConfig"), mode, s, needs)
    needs.ports = _ports(hc, mode, s)
    if needs.ports:
        exposed = dict(body.get("ExposedPorts") or {})
        exposed.update({p["port"]: {} for p in needs.ports})
        body["ExposedPorts"] = exposed
    labels = forced_labels(body.get("Labels"), s)
    if needs.ports:
        labels[LABEL_PORTS] = json.dumps(needs.ports, separators=(",", ":"))
    body["Labels"] = labels
    body["HostConfig"] = hc
    return body, needs


def check_update(body: dict, s: Settings) -> dict:
    """Check a ``POST /containers/{id}/update`` body: same refusals, caps on what it changes."""
    check_resources(body, s.limits, update=True)
    restart = (body.get("RestartPolicy") or {}).get("Name") or ""
    if restart not in RESTARTS:
        raise refuse(f"RestartPolicy {restart!r}", "it is not a restart policy", f"Use one of {sorted(RESTARTS)}")
    return body


def check_resources(r: dict, limits: Limits, update: bool) -> None:
    """Refuse loosening resource fields, then cap memory, pids and CPU (in place)."""
    for name, (why, instead) in MUST_BE_EMPTY.items():
        if r.get(name):
            raise refuse(field(name), why, instead + ".")
    for lim in r.get("Ulimits") or []:
        if (lim or {}).get("Name") not in ULIMITS:
            raise refuse(f"the ulimit {(lim or {}).get('Name')!r}", "only resource-bounding ulimits are "
                         f"allowed ({', '.join(sorted(ULIMITS))})", "Leave the others at their defaults.")
    _cap(r, limits, update)


def _cap(r: dict, lim: Limits, update: bool) -> None:
    """Missing or higher values become the cap; lower ones are kept (on update: only what is sent)."""
    if not update or {"Memory", "MemorySwap"} & r.keys():
        mem = r.get("Memory") or 0
        r["Memory"] = mem if 0 < mem <= lim.memory else lim.memory
        r["MemorySwap"] = r["Memory"]  # no swap beyond the memory cap
    if (r.get("MemoryReservation") or 0) > lim.memory:
        r["MemoryReservation"] = lim.memory
    if not update or "PidsLimit" in r:
        pids = r.get("PidsLimit") or 0
        r["PidsLimit"] = pids if 0 < pids <= lim.pids else lim.pids
    quota = r.get("CpuQuota") or 0
    if quota > 0:  # dockerd refuses NanoCpus together with a quota: cap the quota instead
        period = r.get("CpuPeriod") or 100_000
        r["CpuQuota"] = min(quota, lim.nano_cpus * period // 1_000_000_000)
        r["NanoCpus"] = 0
    elif not update or {"NanoCpus", "CpuQuota", "CpuPeriod"} & r.keys():
        nano = r.get("NanoCpus") or 0
        r["NanoCpus"] = nano if 0 < nano <= lim.nano_cpus else lim.nano_cpus
        r["CpuQuota"] = 0
        r["CpuPeriod"] = 0


def _check_host_config(hc: dict, s: Settings, needs: Needs) -> None:
    for name, why in MUST_BE_UNSET.items():
        if hc.get(name) is not None:
            raise refuse(field(name), why, "Leave it unset.")
    for name, allowed in MODES.items():
        value = hc.get(name) or ""
        if value not in allowed:
            what = "the host's" if value == "host" else "another container's" if ":" in value else "that"
            raise refuse(field(name, value), f"it would use {what} namespace or runtime, "
                         "outside the container's own confinement", "Leave it unset.")
    for opt in hc.get("SecurityOpt") or []:
        if opt not in NO_PRIVILEGES:
            raise refuse(f"the security option {opt!r}", "only options that tighten confinement "
                         "(no-new-privileges) are allowed", "Leave seccomp, AppArmor and labels at the defaults.")
    if (hc.get("OomScoreAdj") or 0) < 0:
        raise refuse("a negative OomScoreAdj", "it makes the host kill its own processes first", "Use 0 or more.")
    for server in hc.get("Dns") or []:
        if server.startswith("127.") or server in ("::1", "localhost"):
            raise refuse(f"the DNS server {server}", "a loopback resolver is queried from the host", "Leave Dns unset.")
    log = hc.get("LogConfig") or {}
    if (log.get("Type") or "") not in LOG_DRIVERS or set(log.get("Config") or {}) - LOG_OPTIONS:
        raise refuse("that LogConfig", "only local log drivers (json-file, local, none) with their size "
                     "options are allowed; others ship logs off the machine", "Leave LogConfig unset.")
    if ((hc.get("RestartPolicy") or {}).get("Name") or "") not in RESTARTS:
        raise refuse("that RestartPolicy", "it is not a restart policy", f"Use one of {sorted(RESTARTS)}.")
    hc.pop("ContainerIDFile", None)  # a client-side setting
    for spec in hc.get("Binds") or []:
        _check_bind(spec, needs)
    for i, mount in enumerate(hc.get("Mounts") or []):
        _check_mount(mount or {}, i, needs)


def _check_bind(spec: str, needs: Needs) -> None:
    parts = spec.split(":")
    if len(parts) == 1 and spec.startswith("/"):
        return  # an anonymous volume at that container path
    if len(parts) not in (2, 3):
        raise refuse(f"the bind {spec!r}", "it is not SOURCE:TARGET[:OPTIONS]", _HOST + ".")
    source, options = parts[0], parts[2].split(",") if len(parts) == 3 else []
    if not VOLUME_NAME.match(source):
        raise refuse(f"the bind {spec!r}", "it mounts a host path, which exposes the host's files "
                     "(host binds are not allowed)",
                     _HOST + ", or copy files in with docker cp (docker-py: put_archive).")
    if set(options) - BIND_OPTIONS:
        raise refuse(f"the bind options in {spec!r}", f"only {sorted(BIND_OPTIONS)} are allowed", "")
    needs.volumes.add(source)


def _check_mount(m: dict, i: int, needs: Needs) -> None:
    kind = m.get("Type") or ""
    where = f"HostConfig.Mounts[{i}]"
    if kind == "volume":
        driver = (m.get("VolumeOptions") or {}).get("DriverConfig") or {}
        if (driver.get("Name") or "local") != "local" or driver.get("Options") or m.get("BindOptions"):
            raise refuse(f"{where} volume driver options", "driver options can mount host paths or "
                         "network shares", "Create the volume first with docker volume create.")
        source = m.get("Source") or ""
        if source:
            if not VOLUME_NAME.match(source):
                raise refuse(f"{where} source {source!r}", "it is not a volume name", _HOST + ".")
            needs.volumes.add(source)
    elif kind == "tmpfs":
        if m.get("Source") or m.get("BindOptions") or m.get("VolumeOptions"):
            raise refuse(f"{where}", "a tmpfs mount has no source", "Remove Source and the options.")
    else:
        raise refuse(f"{where} of type {kind!r}", "bind mounts expose the host's files, and only volume "
                     "and tmpfs mounts are allowed", _HOST + ".")


def _network_mode(hc: dict, s: Settings, needs: Needs, wants_network: bool) -> str:
    """The network a new container joins; never one with a route out of the machine.

    A container that asks for nothing network-related (the engine's ``default``) gets
    ``none``, only its own loopback, as build steps do: no endpoint, no embedded DNS to set
    up, so it starts faster than on the default bridge. Asking for the default bridge
    (``bridge``), publishing a port, having a name, or naming endpoints puts it on the
    owner's internal network instead.
    """
    mode = hc.get("NetworkMode") or ""
    if mode in ("", "default"):
        mode = s.network if wants_network else "none"
    elif mode == "bridge":
        mode = s.network
    elif mode == "host" or mode.startswith("container:"):
        raise refuse(f"NetworkMode {mode!r} (--network={mode})",
                     "it would share the host's or another container's network",
                     "Leave it unset (your own network) or name one of your networks.")
    elif mode != "none":
        if not OBJECT_NAME.match(mode):
            raise refuse(f"NetworkMode {mode!r}", "it is not a network name", "")
        needs.networks.add(mode)
    hc["NetworkMode"] = mode
    return mode


def _drop_empty_default_endpoint(body: dict, hc: dict) -> None:
    """A current docker CLI sends ``EndpointsConfig: {"default": {...every field empty...}}`` for a plain
    ``docker run IMAGE``: it asks for nothing (docker-py and the CLI 20.10 send no endpoint), so the
    container gets no network, as with them."""
    nc = body.get("NetworkingConfig") or {}
    endpoints = nc.get("EndpointsConfig") or {}
    if (hc.get("NetworkMode") or "") in ("", "default") and list(endpoints) == ["default"] \
            and not any(_set(v) for v in (endpoints["default"] or {}).values()):
        body["NetworkingConfig"] = {**nc, "EndpointsConfig": {}}


def _set(value: Any) -> bool:
    """A JSON value other than its type's zero value (null, false, 0, "", [], {} or only those inside)."""
    if isinstance(value, dict):
        return any(_set(v) for v in value.values())
    return bool(value)


def _endpoints(nc: dict | None, mode: str, s: Settings, needs: Needs) -> dict | None:
    endpoints = (nc or {}).get("EndpointsConfig") or {}
    out = {}
    for name, ep in endpoints.items():
        if mode == "none":
            raise refuse("network endpoints with NetworkMode none", "they contradict each other", "")
        key = mode if name in ("", "default", "bridge") else name
        if key != mode:
            if not OBJECT_NAME.match(key):
                raise refuse(f"the network {key!r}", "it is not a network name", "")
            needs.networks.add(key)
        out[key] = check_endpoint(ep or {})
    return {"EndpointsConfig": out} if out else None


def check_endpoint(ep: dict) -> dict:
    """An endpoint on one of the owner's networks: no links to others' containers, no driver options."""
    if ep.get("Links"):
        raise refuse("endpoint Links", MUST_BE_EMPTY["Links"][0], MUST_BE_EMPTY["Links"][1] + ".")
    if ep.get("DriverOpts"):
        raise refuse("endpoint DriverOpts", "network driver options are not part of the course", "")
    return ep


def _ports(hc: dict, mode: str, s: Settings) -> list[dict]:
    """Published ports, taken out of the body: the guard itself listens for them on 127.0.0.1."""
    bindings = hc.pop("PortBindings", None) or {}
    ports: list[dict] = []
    for key, entries in bindings.items():
        m = PORT_KEY.match(key)
        if not m or not 1 <= int(m[1]) <= 65535 or (m[2] or "tcp") != "tcp":
            raise refuse(f"publishing {key!r}", "only single TCP ports can be published", "Use e.g. '80/tcp'.")
        for entry in entries or []:
            ip = (entry or {}).get("HostIp") or ""
            if ip not in ("", "127.0.0.1", "localhost"):
                raise refuse(f"publishing port {key} on {ip}", "ports are published on 127.0.0.1 only, so "
                             "nothing outside this machine reaches them", "Leave HostIp empty or use 127.0.0.1.")
            host = (entry or {}).get("HostPort") or ""
            if host and (not host.isdigit() or not 1024 <= int(host) <= 65535 or int(host) == s.registry_port):
                raise refuse(f"host port {host!r}", "host ports must be single numbers from 1024 to 65535 "
                             "(not the course registry's)", "Pick another port, or leave it empty for any.")
            ports.append({"port": f"{int(m[1])}/tcp", "host": int(host or 0), "ip": ip})
    used = [p["host"] for p in ports if p["host"]]
    if len(used) != len(set(used)):
        raise refuse("publishing one host port twice", "a port can be bound once", "")
    if ports and mode == "none":
        raise refuse("published ports with NetworkMode none", "there is no network to reach", "")
    return ports


class ContainerHandlers(Base):
    """The container endpoints: create (checked), the owner's containers only, the learner's names."""

    async def containers_list(self, route: Route, body: Any) -> Forward:
        """The owner's containers, with the learner's names (``name`` filters apply to those)."""
        fields = parse_filters(first(route.query, "filters"))
        patterns = sorted(fields.pop("name", {}))
        for key in ("before", "since"):  # container refs, maybe the learner's names
            if fields.get(key):
                fields[key] = {(await self.own.container(ref))["Id"]: True for ref in fields[key]}
        fields.setdefault("label", {})[self.s.owner_filter] = True
        query = {**route.query, "filters": [dump_filters(fields)]}
        limit = first(query, "limit")
        cut = int(limit) if patterns and limit.isdigit() and int(limit) > 0 else 0
        if cut:  # dockerd would cut before the guard filters by name; a limit lists stopped ones too
            query.pop("limit")
            query["all"] = ["1"]

        async def show(status: int, doc: Any) -> Any:
            if status != 200 or not isinstance(doc, list):
                return doc
            for c in self.names.show_list(doc):
                c["Ports"] = (c.get("Ports") or []) + self.ports.summary(c.get("Id", ""))
            if patterns:
                sources = [[n for name in c.get("Names") or [] for n in (name, name.lstrip("/"))] for c in doc]
                doc = [c for c, hit in zip(doc, await matching(patterns, sources), strict=True) if hit]
            return doc[:cut] if cut else doc

        return Forward(route.target(query=query), rewrite=show)

    async def containers_create(self, route: Route, body: Any) -> Forward:
        query = dict(route.query)
        name = first(query, "name")
        doc, needs = check_create(jsonbody.decode(body, schema.CONTAINER_CREATE), self.s, named=bool(name))
        if name:  # names are global in dockerd: the engine's is the owner's own, the learner's an alias
            name = self.names.valid(name)
            query["name"] = [self.names.engine(name)]
            doc["NetworkingConfig"] = with_alias(doc.get("NetworkingConfig"), doc["HostConfig"]["NetworkMode"], name)
        if doc["HostConfig"]["NetworkMode"] == self.s.network:
            await self.own.ensure_network()
        await self.own.check(needs)
        return Forward(route.target(query=query), jsonbody.dumps(doc), json_body=True)

    async def containers_inspect(self, route: Route, body: Any) -> Forward | Reply:
        doc = await self.own.container(route.params["id"])
        if route.query:
            return Forward(self._with_id(route, doc["Id"]), rewrite=self._show)
        return Reply(200, self._show(200, doc))

    def _show(self, status: int, doc: Any) -> Any:
        """An inspected container as the learner sees it: its own name, the ports the guard publishes."""
        return self.names.show_container(self._show_ports(status, doc)) if status == 200 else doc

    def _show_ports(self, status: int, doc: Any) -> Any:
        if status == 200 and isinstance(doc, dict) and doc.get("Id") in self.ports.servers:
            doc.setdefault("NetworkSettings", {})["Ports"] = self.ports.published(doc["Id"])
        if status == 200 and isinstance(doc, dict):
            requested = self.ports.requested((doc.get("Config") or {}).get("Labels"))
            if requested:  # as asked (dockerd shows the request here); NetworkSettings shows where it is served
                bindings: dict[str, list[dict[str, str]]] = {}
                for p in requested:
                    bindings.setdefault(p["port"], []).append(
                        {"HostIp": p.get("ip", "127.0.0.1"), "HostPort": str(p["host"] or "")})
                doc.setdefault("HostConfig", {})["PortBindings"] = bindings
        return doc

    async def containers_op(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        stats = JsonLines(self.names.show_stats) if route.path.endswith("/stats") else None
        return Forward(self._with_id(route, doc["Id"]), body=body if body is STREAM else None, transform=stats)

    async def containers_rename(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        new = first(route.query, "name")
        if not new:  # dockerd says what is wrong
            return Forward(self._with_id(route, doc["Id"], {"name": [""]}))
        new = self.names.valid(new)
        old = self.names.mapped(doc.get("Name") or "")

        async def realias(status: int) -> None:
            if status < 300:
                with contextlib.suppress(Refused):
                    await self.own.realias(doc["Id"], old, new)

        return Forward(self._with_id(route, doc["Id"], {"name": [self.names.engine(new)]}), after=realias)

    async def containers_start(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        name = self.names.mapped(doc.get("Name") or "")
        networks = (doc.get("NetworkSettings") or {}).get("Networks") or {}
        if name and any(name not in ((ep or {}).get("Aliases") or []) for n, ep in networks.items() if n != "none"):
            with contextlib.suppress(Refused):  # renamed while running: the new name resolves from now on
                await self.own.realias(doc["Id"], None, name)
        await self.ports.open(doc["Id"], self.ports.requested((doc.get("Config") or {}).get("Labels")))
        return Forward(self._with_id(route, doc["Id"]))

    async def containers_attach(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]), hijack=True)

    async def containers_update(self, route: Route, body: Any) -> Forward:
        update = check_update(jsonbody.decode(body, schema.CONTAINER_UPDATE), self.s)
        doc = await self.own.container(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]), jsonbody.dumps(update), json_body=True)

    async def containers_remove(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        query = {k: v for k, v in route.query.items() if k in ("force",)}
        query["v"] = ["1"]  # anonymous volumes carry no owner label: they go with their container

        async def forget(status: int) -> None:
            if status < 300:
                self.ports.close(doc["Id"])

        path = f"/containers/{doc['Id']}"
        return Forward(route.target(path=path, query=query), after=forget)
