"""What every resource's rules and handlers share: the actions a handler returns, what a request names.

Each handler returns a :class:`Forward` (what to send to dockerd, how to rewrite
the answer) or a :class:`Reply`, or raises :class:`~course.guard.errors.Refused`.
The rules return the engine objects a request names as :class:`Needs`, for
:class:`~course.guard.ownership.Ownership` to check against the engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from course.guard.names import JsonLines
from course.guard.routes import Route
from course.guard.settings import Settings

if TYPE_CHECKING:
    from course.guard.names import Names
    from course.guard.ownership import Ownership
    from course.guard.ports import PortForwards
    from course.guard.upstream import Upstream

GUARD_LABEL_PREFIX = "edu.vmdocker.guard."
#: Marker for "relay the learner's request body as it arrives" (archive uploads).
STREAM = object()


@dataclass
class Needs:
    """Engine objects a request names; the proxy checks each belongs to the owner."""

    volumes: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    ports: list[dict] = field(default_factory=list)


def forced_labels(labels: dict | None, s: Settings) -> dict[str, str]:
    """The learner's labels without guard-reserved ones, plus the owner's (which win)."""
    kept = {k: v for k, v in (labels or {}).items() if not k.startswith(GUARD_LABEL_PREFIX)}
    return {**kept, **s.labels}


def first(query: dict[str, list[str]], key: str) -> str:
    return (query.get(key) or [""])[0]


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


class Base:
    """What the per-resource handler mixins use; :class:`course.guard.handlers.Handlers` sets it up."""

    s: Settings
    up: Upstream
    own: Ownership
    names: Names
    ports: PortForwards

    def _with_id(self, route: Route, full_id: str, query: dict[str, list[str]] | None = None) -> str:
        """The same request, aimed at the object id the guard checked (not a name that may move)."""
        kind, _, *rest = route.path.strip("/").split("/")
        return route.target(path="/" + "/".join([kind, full_id, *rest]), query=query)
