"""Images and builds: nothing is fetched from outside, no one else's tag is taken.

Images are shared on the engine, so three rules keep learners apart: an image
with another owner's label is invisible; tags are only given to names that are
free or already the owner's, outside the course's own ``vmdocker/`` namespace;
only the course registry on 127.0.0.1 is ever pulled from or pushed to. Builds run
with no network and the container caps, from local images only.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import IO, Any

from course import config
from course.guard import dockerfile, registry_auth
from course.guard.archives import archive_tags, dockerfile_text
from course.guard.errors import Refused, refuse
from course.guard.resources.base import Forward, Needs, first, forced_labels
from course.guard.resources.containers import ULIMITS
from course.guard.resources.filters import FilterHandlers
from course.guard.routes import Route
from course.guard.settings import Settings

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?)"
REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+:[0-9a-fA-F]{32,}))?$"
)
HUB = "docker.io"


@dataclass(frozen=True)
class Ref:
    """A parsed image reference, normalized as dockerd does (docker.io, library/)."""

    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}:{self.tag or 'latest'}"


def parse_ref(text: str) -> Ref | None:
    """Parse ``text`` like distribution/reference; None if it is not a reference."""
    m = REFERENCE.match(text or "")
    if not m or len(text) > 255:
        return None
    domain, path = m["domain"], m["path"]
    if domain and not ("." in domain or ":" in domain or domain == "localhost"):
        domain, path = None, f"{domain}/{path}"  # "user/repo": the first part is a path, not a host
    domain = domain or HUB
    if domain == HUB and "/" not in path:
        path = f"library/{path}"
    return Ref(domain, path, m["tag"], m["digest"])


def check_source(text: str, s: Settings, what: str) -> None:
    """An image the engine might fetch if missing: only Docker Hub names or the course registry."""
    ref = parse_ref(text)
    if ref is None:
        raise refuse(f"{what} {text!r}", "it is not an image reference", "")
    if ref.domain != HUB and ref.domain not in s.registry_hosts:
        raise refuse(f"{what} {text!r}", "images come from this machine only: no registry but the "
                     f"course's ({s.registry or 'none'}) is reached", "Use a local image such as vmdocker/base.")


def check_target(text: str, s: Settings) -> str:
    """A name the learner gives an image; returns it normalized for the ownership check."""
    ref = parse_ref(text)
    if ref is None or ref.digest:
        raise refuse(f"the tag {text!r}", "it is not a repository[:tag] name", "Use e.g. myapp:1.")
    if ref.domain != HUB and ref.domain not in s.registry_hosts:
        raise refuse(f"the tag {text!r}", f"only the course registry ({s.registry or 'none'}) may be named "
                     "in a tag", "Use a plain name such as myapp:1.")
    if ref.domain == HUB and ref.path.startswith(f"{config.IMAGE_NAMESPACE}/"):
        raise refuse(f"the tag {text!r}", f"{config.IMAGE_NAMESPACE}/ names the course's own images, which "
                     "everyone uses", "Use a name of your own, e.g. myapp:1.")
    return text if ref.tag else f"{text}:latest"


def _truthy(value: str) -> bool:
    """dockerd's ``httputils.BoolValue``."""
    return value.strip().lower() not in ("", "0", "no", "false", "none")


def _json(value: str, kind: type, what: str):
    """A JSON list or object parameter; ``null`` is an empty one, as for Go's decoder (the docker CLI
    20.10 sends ``ulimits=null`` and ``cachefrom=null`` when it has none)."""
    try:
        parsed = json.loads(value) if value else None
    except ValueError:
        raise Refused(f"course guard could not read {what}: not JSON", 400) from None
    if parsed is None:
        return kind()
    if not isinstance(parsed, kind):
        raise Refused(f"course guard could not read {what}: not a JSON {kind.__name__}", 400)
    return parsed


def check_build_query(query: dict[str, list[str]], s: Settings) -> tuple[dict[str, list[str]], Needs, dict]:
    """Check ``POST /build`` parameters; return the query to forward, what it names, the build args."""
    needs = Needs()
    if first(query, "remote"):
        raise refuse("a remote build context", "the engine would download it from outside this machine",
                     "Send the build context from your notebook (path='.' or fileobj).")
    for key, what in (("platform", "a build platform"), ("cgroupparent", "a build cgroup parent"),
                      ("outputs", "build outputs"), ("session", "a BuildKit session")):
        if first(query, key):
            raise refuse(what, "it is not needed in the course and can fetch or escape", "Leave it unset.")
    if _truthy(first(query, "pull")):
        raise refuse("pull=True", "the engine would fetch base images from outside this machine",
                     "Build with pull=False from local images (FROM vmdocker/base).")
    if first(query, "version") not in ("", "1"):
        raise refuse("BuildKit (version=2)", "the guard checks classic builds only", "Use the classic builder.")
    if first(query, "isolation") not in ("", "default"):
        raise refuse("that build isolation", "only the default is allowed", "")
    if first(query, "networkmode") not in ("", "default", "bridge", "none"):
        raise refuse(f"building with network {first(query, 'networkmode')!r}", "build steps have no network",
                     "Leave network_mode unset.")
    for lim in _json(first(query, "ulimits"), list, "ulimits"):
        if not isinstance(lim, dict) or lim.get("Name") not in ULIMITS:
            raise refuse("that build ulimit", f"only {sorted(ULIMITS)} are allowed", "")
    buildargs = _json(first(query, "buildargs"), dict, "buildargs")
    labels = forced_labels(_json(first(query, "labels"), dict, "labels"), s)
    for image in _json(first(query, "cachefrom"), list, "cachefrom"):
        check_source(str(image), s, "the cache image")
        needs.images.add(str(image))
    needs.tags = {check_target(t, s) for t in query.get("t") or [] if t}
    out = {key: [first(query, key)] for key in (
        "dockerfile", "q", "nocache", "cpushares", "cpusetcpus", "shmsize",
        "squash", "target", "extrahosts", "buildargs", "cachefrom", "ulimits") if first(query, key)}
    out.update(_build_limits(query, s))
    out["t"] = [t for t in query.get("t") or [] if t]
    out["labels"] = [json.dumps(labels)]
    out["networkmode"] = ["none"]  # build steps never reach a network
    # A failed step's container carries no labels: the owner could not see or remove it, and no cleanup
    # by label would find it. Every step's container goes, after a failure too.
    out["rm"] = out["forcerm"] = ["1"]
    out["pull"] = ["0"]
    return out, needs, buildargs


def _build_limits(query: dict[str, list[str]], s: Settings) -> dict[str, list[str]]:
    """Build steps get the container caps too (dockerd has no pids limit for them; memory bounds a bomb)."""
    lim = s.limits

    def number(key: str) -> int:
        text = first(query, key)
        if text and not re.fullmatch(r"-?\d+", text):
            raise Refused(f"course guard could not read {key}={text!r}: not a number", 400)
        return int(text or 0)

    memory = number("memory")
    memory = memory if 0 < memory <= lim.memory else lim.memory
    period = number("cpuperiod") or 100_000
    quota = number("cpuquota")
    cap = lim.nano_cpus * period // 1_000_000_000
    return {"memory": [str(memory)], "memswap": [str(memory)], "cpuperiod": [str(period)],
            "cpuquota": [str(quota if 0 < quota <= cap else cap)]}


class ImageHandlers(FilterHandlers):
    """The image and build endpoints."""

    #: Builds running now (Handlers starts it at 0).
    builds: int

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
        return Forward(route.target(query=query), headers=(self._registry_auth(),))

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
        return Forward(route.target(), headers=(self._registry_auth(),))

    def _registry_auth(self) -> tuple[bytes, bytes]:
        """The owner's registry token for dockerd, never whatever the learner's client sent: the
        registry then shows this push or pull only the owner's own repositories."""
        return registry_auth.auth_header(self.s.registry_identity)

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
