"""Which Docker API endpoints exist for learners: an allow-list of (method, path) routes.

The target is decoded as Go's ``net/url`` does, matched against anchored patterns
in dockerd's own order, and forwarded rebuilt from what was matched, so dockerd
routes exactly what the guard checked. Anything not listed is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from course.guard.errors import Refused, refuse

#: Oldest API version accepted: before 1.24 ``/start`` applied a HostConfig sent with it.
MIN_VERSION = (1, 40)
#: Characters of ids, names and image references; nothing that re-routes or re-encodes.
SAFE = r"[A-Za-z0-9][A-Za-z0-9_.:@+/-]*"
ID = r"(?P<id>[A-Za-z0-9][A-Za-z0-9_.-]*)"
IMAGE = rf"(?P<name>{SAFE})"

_ROUTES = [
    ("GET|HEAD", "/_ping", "ping"), ("GET", "/version", "plain"), ("GET", "/info", "plain"),
    ("GET", "/events", "events"),
    ("GET", "/containers/json", "containers.list"),
    ("POST", "/containers/create", "containers.create"),
    ("POST", "/containers/prune", "prune"),
    ("GET", f"/containers/{ID}/json", "containers.inspect"),
    ("GET", f"/containers/{ID}/(?:top|logs|changes|export|stats)", "containers.op"),
    ("GET|HEAD|PUT", f"/containers/{ID}/archive", "containers.op"),
    ("POST", f"/containers/{ID}/start", "containers.start"),
    ("POST", f"/containers/{ID}/(?:stop|restart|kill|pause|unpause|wait|resize)", "containers.op"),
    ("POST", f"/containers/{ID}/rename", "containers.rename"),
    ("POST", f"/containers/{ID}/attach", "containers.attach"),
    ("GET", f"/containers/{ID}/attach/ws", "containers.attach"),
    ("POST", f"/containers/{ID}/update", "containers.update"),
    ("POST", f"/containers/{ID}/exec", "containers.exec"),
    ("DELETE", f"/containers/{ID}", "containers.remove"),
    ("POST", f"/exec/{ID}/start", "exec.start"),
    ("POST", f"/exec/{ID}/resize", "exec.op"),
    ("GET", f"/exec/{ID}/json", "exec.op"),
    ("GET", "/images/json", "images.list"),
    ("GET", "/images/search", "refused"),
    ("GET", "/images/get", "images.save"),
    ("GET", f"/images/{IMAGE}/(?:get|history|json)", "images.read"),
    ("POST", "/commit", "refused"),
    ("POST", "/images/load", "images.load"),
    ("POST", "/images/create", "images.pull"),
    ("POST", f"/images/{IMAGE}/push", "images.push"),
    ("POST", f"/images/{IMAGE}/tag", "images.tag"),
    ("POST", "/images/prune", "images.prune"),
    ("DELETE", f"/images/{IMAGE}", "images.remove"),
    ("POST", "/build", "build"),
    ("GET", "/networks/?", "networks.list"),
    ("POST", "/networks/create", "networks.create"),
    ("POST", "/networks/prune", "prune"),
    ("GET", f"/networks/{ID}", "networks.inspect"),
    ("POST", f"/networks/{ID}/connect", "networks.connect"),
    ("POST", f"/networks/{ID}/disconnect", "networks.disconnect"),
    ("DELETE", f"/networks/{ID}", "networks.remove"),
    ("GET", "/volumes", "volumes.list"),
    ("POST", "/volumes/create", "volumes.create"),
    ("POST", "/volumes/prune", "prune"),
    ("GET", f"/volumes/{ID}", "volumes.inspect"),
    ("DELETE", f"/volumes/{ID}", "volumes.remove"),
    # `docker inspect NAME` tries every kind of object, plugins last: no plugin exists for learners.
    ("GET", f"/plugins/{IMAGE}/json", "plugins.inspect"),
]
ROUTES = [(re.compile(f"^(?:{m})$"), re.compile(f"^{p}$"), name) for m, p, name in _ROUTES]
VERSION = re.compile(r"^/v(?P<version>\d+\.\d+)(?P<rest>/.*)$")


@dataclass
class Route:
    """A matched request: endpoint name, path parameters, decoded query, the path to forward."""

    method: str
    endpoint: str
    params: dict[str, str]
    query: dict[str, list[str]]
    version: str
    path: str  # unversioned, decoded

    def target(self, path: str | None = None, query: dict[str, list[str]] | None = None) -> str:
        """The request target to forward: version prefix kept, path and query re-encoded."""
        prefix = f"/v{self.version}" if self.version else ""
        q = self.query if query is None else query
        qs = urlencode([(k, v) for k, vs in q.items() for v in vs])
        return quote(prefix + (path or self.path), safe="/:@+") + (f"?{qs}" if qs else "")

    @property
    def kind(self) -> str:
        """The object kind in the path (containers, images...), for messages."""
        return self.path.strip("/").split("/")[0]


def match(method: str, target: str) -> Route:
    """Route ``method target``; raise :class:`Refused` for malformed or unlisted requests."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.fragment or not target.startswith("/"):
        raise Refused(f"course guard could not read the request target {target!r}", 400)
    path = unquote(parts.path)
    if "//" in path or "/./" in path or "/../" in path or path.endswith(("/.", "/..")) or "\\" in path:
        raise Refused(f"course guard refused the path {path!r}: it is not in canonical form", 400)
    version = ""
    m = VERSION.match(path)
    if m:
        version, path = m["version"], m["rest"]
        if tuple(int(x) for x in version.split(".")) < MIN_VERSION:
            raise refuse(f"API version {version}", "old API versions apply settings the guard does not "
                         "check", "Use API 1.40 or newer (docker-py's version='auto').", status=400)
    elif re.match(r"^/v[0-9.]", path):
        raise Refused(f"course guard could not read the API version in {path!r}", 400)
    try:
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False,
                                    errors="strict", separator="&"):
            query.setdefault(key, []).append(value)
    except (ValueError, UnicodeDecodeError):
        raise Refused("course guard could not read the query string", 400) from None
    if ";" in parts.query:
        raise Refused("course guard refused the query string: ';' is not a separator dockerd accepts", 400)
    for methods, pattern, name in ROUTES:
        found = pattern.match(path)
        if found and methods.match(method):
            if name == "refused":
                break
            return Route(method, name, found.groupdict(), query, version, path)
    raise refuse(f"{method} {path}", "this part of the Docker API is not needed in the course and is not "
                 "on the guard's allow-list", "Ask your teacher if you think the course needs it.")
