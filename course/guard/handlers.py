"""One decision per endpoint: refuse, answer, or forward a checked (and rewritten) request.

Each handler returns a :class:`Forward` (what to send to dockerd, how to rewrite
the answer) or a :class:`Reply`, or raises :class:`~course.guard.errors.Refused`.
HTTP plumbing lives in :mod:`course.guard.proxy`; the checks in the policy modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO, Any

from course.guard import dockerfile, jsonbody, schema
from course.guard.archives import archive_tags, dockerfile_text
from course.guard.errors import Refused, refuse
from course.guard.images import check_build_query, check_source, check_target, parse_ref
from course.guard.names import JsonLines, add_alias, with_alias
from course.guard.objects import (
    check_network_create,
    check_volume_create,
    dump_filters,
    force_filters,
    parse_filters,
)
from course.guard.ownership import Ownership
from course.guard.policy import Needs, check_create, check_endpoint, check_exec, check_update
from course.guard.ports import PortForwards
from course.guard.regexp import matching
from course.guard.routes import Route
from course.guard.settings import Settings
from course.guard.upstream import Upstream

#: Marker for "relay the learner's request body as it arrives" (archive uploads).
STREAM = object()
#: How each endpoint's request body is read: json (decoded), spool (buffered to inspect), stream.
BODY = {
    "containers.create": "json", "containers.update": "json", "containers.exec": "json",
    "exec.start": "json", "networks.create": "json", "networks.connect": "json",
    "networks.disconnect": "json", "volumes.create": "json", "build": "spool", "images.load": "spool",
}
#: Endpoints whose engine errors may name containers: their messages show the learner's names.
NAMED = {"containers", "networks", "exec"}


@dataclass
class Forward:
    """Send ``target`` with ``body`` to dockerd; optionally rewrite its JSON answer."""

    target: str
    body: bytes | IO[bytes] | object | None = None
    json_body: bool = False
    hijack: bool = False
    rewrite: Callable[[int, Any], Any] | None = None
    after: Callable[[int], Awaitable[None] | None] | None = None
    #: Rewrites a streamed answer as it is relayed (``feed(bytes) -> bytes``, ``end() -> bytes``).
    transform: JsonLines | None = None
    #: Rewrites an engine error answer (status >= 400) like ``rewrite``.
    errors: Callable[[int, Any], Any] | None = None
    #: Headers the guard sets itself, replacing the learner's of the same (lower-case) name.
    headers: tuple[tuple[bytes, bytes], ...] = ()


@dataclass
class Reply:
    status: int
    doc: Any


def body_kind(route: Route) -> str:
    if route.endpoint == "containers.op" and route.method == "PUT":
        return "stream"
    return BODY.get(route.endpoint, "none")


def first(query: dict[str, list[str]], key: str) -> str:
    return (query.get(key) or [""])[0]


class Handlers:
    """The endpoint handlers of one guard (one owner)."""

    def __init__(self, settings: Settings, upstream: Upstream, ports: PortForwards) -> None:
        self.s = settings
        self.up = upstream
        self.own = Ownership(upstream, settings)
        self.names = self.own.names
        self.ports = ports
        self.builds = 0  # running builds: their base images must not disappear (a pull would follow)

    async def dispatch(self, route: Route, body: Any) -> Forward | Reply:
        handler = getattr(self, route.endpoint.replace(".", "_"))
        action = await handler(route, body)
        if isinstance(action, Forward) and route.kind in NAMED and action.errors is None:
            action.errors = self.names.show_error
        return action

    def _filtered(self, route: Route) -> str:
        query = dict(route.query)
        query["filters"] = [force_filters(first(query, "filters"), self.s.owner_filter)]
        return route.target(query=query)

    def _with_id(self, route: Route, full_id: str, query: dict[str, list[str]] | None = None) -> str:
        """The same request, aimed at the object id the guard checked (not a name that may move)."""
        kind, _, *rest = route.path.strip("/").split("/")
        return route.target(path="/" + "/".join([kind, full_id, *rest]), query=query)

    # -- engine-wide, harmless ------------------------------------------------------------
    async def ping(self, route: Route, body: Any) -> Forward:
        return Forward(route.target())

    plain = ping

    async def events(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route), transform=JsonLines(self.names.show_event))

    async def prune(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route))

    # -- containers ------------------------------------------------------------------------
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
            if requested:
                doc.setdefault("HostConfig", {})["PortBindings"] = {
                    p["port"]: [{"HostIp": "127.0.0.1", "HostPort": str(p["host"] or "")}] for p in requested}
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

    async def containers_exec(self, route: Route, body: Any) -> Forward:
        config = check_exec(jsonbody.decode(body, schema.EXEC_CREATE))
        doc = await self.own.container(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]), jsonbody.dumps(config), json_body=True)

    async def containers_remove(self, route: Route, body: Any) -> Forward:
        doc = await self.own.container(route.params["id"])
        query = {k: v for k, v in route.query.items() if k in ("force",)}
        query["v"] = ["1"]  # anonymous volumes carry no owner label: they go with their container

        async def forget(status: int) -> None:
            if status < 300:
                self.ports.close(doc["Id"])

        path = f"/containers/{doc['Id']}"
        return Forward(route.target(path=path, query=query), after=forget)

    async def exec_start(self, route: Route, body: Any) -> Forward:
        start = jsonbody.decode(body, schema.EXEC_START, empty_ok=True)
        await self.own.exec(route.params["id"])
        return Forward(route.target(), jsonbody.dumps(start), json_body=True, hijack=not start.get("Detach"))

    async def exec_op(self, route: Route, body: Any) -> Forward:
        await self.own.exec(route.params["id"])
        return Forward(route.target())

    # -- images ----------------------------------------------------------------------------
    async def images_list(self, route: Route, body: Any) -> Forward:
        def visible_only(status: int, doc: Any) -> Any:
            if status == 200 and isinstance(doc, list):
                return [i for i in doc if self.own.visible(i.get("Labels"))]
            return doc

        return Forward(route.target(), rewrite=visible_only)

    async def images_read(self, route: Route, body: Any) -> Forward:
        await self.own.image(route.params["name"])
        return Forward(route.target())

    async def images_save(self, route: Route, body: Any) -> Forward:
        for name in route.query.get("names") or []:
            await self.own.image(name)
        return Forward(route.target())

    async def images_load(self, route: Route, body: IO[bytes]) -> Forward:
        tags, labels = await asyncio.to_thread(archive_tags, body)
        if any(not self.own.visible(lab) for lab in labels):
            raise refuse("loading that archive", "its images claim to belong to another owner",
                         "Load images you saved or built yourself.")
        await self.own.check(Needs(tags={check_target(tag, self.s) for tag in tags}))
        body.seek(0)
        return Forward(route.target(), body)

    async def images_pull(self, route: Route, body: Any) -> Forward:
        image = first(route.query, "fromImage")
        if first(route.query, "fromSrc") or not image:
            raise refuse("importing an image", "the course loads images from archives or builds them",
                         "Use docker load or build from a Dockerfile.")
        ref = parse_ref(image)
        if ref is None or ref.domain not in self.s.registry_hosts:
            raise refuse(f"pulling {image!r}", "images are never fetched from outside this machine; only "
                         f"the course registry ({self.s.registry or 'none'}) can be pulled from",
                         "Use a local image such as vmdocker/base, or build one.")
        query = {k: v for k, v in route.query.items() if k in ("fromImage", "tag", "platform")}
        return Forward(route.target(query=query))

    async def images_push(self, route: Route, body: Any) -> Forward:
        name = route.params["name"]
        ref = parse_ref(name)
        if ref is None or ref.domain not in self.s.registry_hosts:
            raise refuse(f"pushing {name!r}", "images are pushed only to the course registry "
                         f"({self.s.registry or 'none'})", f"Tag it {self.s.registry}/NAME first.")
        tag = first(route.query, "tag")
        if tag:
            await self.own.image(f"{name}:{tag}")
        else:  # a push without a tag sends every tag of the repository: each must be visible
            tags = [t for doc in await self.up.get("/images/json", {"filters": json.dumps({"reference": [name]})})
                    or [] for t in doc.get("RepoTags") or [] if t.rsplit(":", 1)[0] == name]
            if not tags:
                raise Refused(f"No such image: {name}", 404)
            for t in tags:
                await self.own.image(t)
        # The course registry takes no credentials: send empty ones (dockerd insists on the
        # header) and never relay whatever the learner's client sent.
        return Forward(route.target(), headers=((b"x-registry-auth", b"e30="),))

    async def images_tag(self, route: Route, body: Any) -> Forward:
        await self.own.image(route.params["name"])
        repo, tag = first(route.query, "repo"), first(route.query, "tag")
        target = check_target(f"{repo}:{tag}" if tag else repo, self.s)
        await self.own.tag_is_free(target)
        return Forward(route.target(query={"repo": [repo], "tag": [tag]} if tag else {"repo": [repo]}))

    def _no_build_running(self, what: str) -> None:
        if self.builds:
            raise refuse(what, "a build is running, and removing its images would make the engine fetch "
                         "them from outside", "Try again when the build is done.", status=409)

    async def images_prune(self, route: Route, body: Any) -> Forward:
        self._no_build_running("pruning images")
        return Forward(self._filtered(route))

    async def images_remove(self, route: Route, body: Any) -> Forward:
        self._no_build_running("removing an image")
        name = route.params["name"]
        doc = await self.own.image(name)
        query = {k: v for k, v in route.query.items() if k in ("force", "noprune")}
        if not self.own.mine((doc.get("Config") or {}).get("Labels")):
            if parse_ref(name) is None or first(query, "force") not in ("", "0", "false"):
                raise refuse(f"removing {name!r}", "that image is shared (the course's, or loaded) and "
                             "others use it", "Remove only the tags you gave it (docker rmi yourname:tag).")
            check_target(name, self.s)  # never untag the course's own names
        return Forward(route.target(query=query))

    async def build(self, route: Route, body: IO[bytes]) -> Forward:
        query, needs, buildargs = check_build_query(route.query, self.s)
        text = await asyncio.to_thread(dockerfile_text, body, first(route.query, "dockerfile"))
        for image in dockerfile.referenced_images(text, buildargs):
            check_source(image, self.s, "the base image")
            doc = await self.own.image(image)
            triggers: set[str] = set()
            for trigger in (doc.get("Config") or {}).get("OnBuild") or []:
                word, _, args = trigger.strip().partition(" ")
                dockerfile.check_instruction(word.upper(), args, set(), triggers, "ONBUILD trigger")
            needs.images |= triggers
        await self.own.check(needs)
        body.seek(0)
        self.builds += 1

        def done(status: int) -> None:
            self.builds -= 1

        return Forward(route.target(query=query), body, after=done)

    # -- networks --------------------------------------------------------------------------
    async def networks_list(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route), rewrite=self._show_network)

    def _show_network(self, status: int, doc: Any) -> Any:
        return self.names.show_network(doc) if status == 200 else doc

    async def networks_create(self, route: Route, body: Any) -> Forward:
        doc = check_network_create(jsonbody.decode(body, schema.NETWORK_CREATE), self.s)
        return Forward(route.target(), jsonbody.dumps(doc), json_body=True)

    async def networks_inspect(self, route: Route, body: Any) -> Forward:
        doc = await self.own.network(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]), rewrite=self._show_network)

    async def networks_remove(self, route: Route, body: Any) -> Forward:
        doc = await self.own.network(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]))

    async def networks_connect(self, route: Route, body: Any) -> Forward:
        req = jsonbody.decode(body, schema.NETWORK_CONNECT)
        net = await self.own.network(route.params["id"])
        container = await self.own.container(req.get("Container") or "-")
        req["Container"] = container["Id"]
        if ((container.get("HostConfig") or {}).get("NetworkMode") or "") == "none":
            raise refuse("connecting a container created without a network", "under the course guard a "
                         "container that asks for no network gets none (only its loopback), and the engine "
                         "cannot add one later", "Create it with network=NAME (one of your networks), "
                         "network_mode='bridge' (your default network), or with a name or published ports.")
        if req.get("EndpointConfig"):
            check_endpoint(req["EndpointConfig"])
        name = self.names.mapped(container.get("Name") or "")
        if name:  # the learner's name resolves on this network too
            req["EndpointConfig"] = add_alias(req.get("EndpointConfig"), name)
        return Forward(self._with_id(route, net["Id"]), jsonbody.dumps(req), json_body=True)

    async def networks_disconnect(self, route: Route, body: Any) -> Forward:
        req = jsonbody.decode(body, schema.NETWORK_DISCONNECT)
        net = await self.own.network(route.params["id"])
        container = await self.own.container(req.get("Container") or "-")
        req["Container"] = container["Id"]
        return Forward(self._with_id(route, net["Id"]), jsonbody.dumps(req), json_body=True)

    # -- volumes ---------------------------------------------------------------------------
    async def volumes_list(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route))

    async def volumes_create(self, route: Route, body: Any) -> Forward:
        doc = check_volume_create(jsonbody.decode(body, schema.VOLUME_CREATE, empty_ok=True), self.s)
        if doc.get("Name"):
            existing = await self.up.get(f"/volumes/{doc['Name']}")
            if existing is not None and not self.own.mine(existing.get("Labels")):
                raise refuse(f"the volume name {doc['Name']!r}", "a volume that is not yours has it",
                             "Choose another name.", status=409)
        return Forward(route.target(), jsonbody.dumps(doc), json_body=True)

    async def volumes_inspect(self, route: Route, body: Any) -> Forward:
        await self.own.volume(route.params["id"])
        return Forward(route.target())

    volumes_remove = volumes_inspect
