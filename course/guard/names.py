"""Per-owner container names: what the learner calls a container, and what dockerd calls it.

Container names are global in dockerd, so two owners (two graded submissions) who
both name a container ``web`` would collide (409). The guard creates it as
``web--<owner>`` and adds ``web`` as a network alias on the container's networks,
so the owner's other containers still reach it by name (Docker DNS). Lookups by
name try the owner's engine name first; answers that show names show the learner's.
Pure functions and rewrites; the handlers in :mod:`course.guard.resources` apply them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from course.guard.errors import Refused

#: dockerd's rule for container names (``validContainerNamePattern``, after an optional ``/``).
NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
#: A full container id: dockerd matches it before any name.
FULL_ID = re.compile(r"[0-9a-f]{64}")
SEP = "--"
#: Longest line of a JSON stream held back waiting for its end; a longer one passes unchanged.
LINE_LIMIT = 1024 * 1024


class Names:
    """The name mapping of one owner: ``X`` (learner) <-> ``X--<owner>`` (engine)."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.suffix = SEP + owner
        self._token = re.compile(rf"(?<![A-Za-z0-9_.-])([A-Za-z0-9][A-Za-z0-9_.-]*){re.escape(self.suffix)}"
                                 r"(?![A-Za-z0-9_.-])")

    # -- learner -> engine -----------------------------------------------------------------
    @staticmethod
    def valid(name: str) -> str:
        """The learner's name without its optional ``/``; 400 in dockerd's words unless dockerd takes it."""
        bare = name.removeprefix("/")
        if not NAME.fullmatch(bare):
            raise Refused(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", 400)
        return bare

    def engine(self, name: str) -> str:
        """The engine name for a learner's name (checked)."""
        return self.valid(name) + self.suffix

    def candidates(self, ref: str) -> list[str]:
        """Engine refs to try for a learner's container ref, in dockerd's order (full id, name, id prefix)."""
        if FULL_ID.fullmatch(ref) or not NAME.fullmatch(ref):
            return [ref]
        return [ref + self.suffix, ref]

    # -- engine -> learner -----------------------------------------------------------------
    def learner(self, name: str) -> str:
        """The learner's name for an engine name (``/`` kept); names the guard did not make stay as they are."""
        slash = "/" if name.startswith("/") else ""
        bare = name[len(slash):]
        if bare.endswith(self.suffix) and NAME.fullmatch(bare[:-len(self.suffix)]):
            return slash + bare[:-len(self.suffix)]
        return name

    def mapped(self, name: str) -> str | None:
        """The learner's name if ``name`` is one the guard mapped, else None (dockerd's own random names)."""
        bare = name.lstrip("/")
        learner = self.learner(bare)
        return learner if learner != bare else None

    def message(self, text: str) -> str:
        """An engine message with every ``X--<owner>`` shown as ``X``."""
        return self._token.sub(r"\1", text)

    def show_container(self, doc: Any) -> Any:
        """Inspect: ``Name``."""
        if isinstance(doc, dict) and isinstance(doc.get("Name"), str):
            doc["Name"] = self.learner(doc["Name"])
        return doc

    def show_list(self, docs: Any) -> Any:
        """Container list: ``Names``."""
        for c in docs if isinstance(docs, list) else []:
            if isinstance(c, dict) and isinstance(c.get("Names"), list):
                c["Names"] = [self.learner(n) if isinstance(n, str) else n for n in c["Names"]]
        return docs

    def show_network(self, doc: Any) -> Any:
        """Network inspect (and list): ``Containers.*.Name``."""
        for net in doc if isinstance(doc, list) else [doc]:
            endpoints = net.get("Containers") if isinstance(net, dict) else None
            for ep in endpoints.values() if isinstance(endpoints, dict) else []:
                if isinstance(ep, dict) and isinstance(ep.get("Name"), str):
                    ep["Name"] = self.learner(ep["Name"])
        return doc

    def show_event(self, event: Any) -> Any:
        """An event: a container's ``Actor.Attributes.name`` (and ``oldName`` of a rename)."""
        if isinstance(event, dict) and event.get("Type") == "container":
            attrs = (event.get("Actor") or {}).get("Attributes")
            for key in ("name", "oldName"):
                if isinstance(attrs, dict) and isinstance(attrs.get(key), str):
                    attrs[key] = self.learner(attrs[key])
        return event

    def show_stats(self, doc: Any) -> Any:
        """A stats sample: ``name``."""
        if isinstance(doc, dict) and isinstance(doc.get("name"), str):
            doc["name"] = self.learner(doc["name"])
        return doc

    def show_error(self, status: int, doc: Any, ref: tuple[str, str] | None = None) -> Any:
        """An engine error answer (``{"message": ...}``) with learners' names.

        ``ref``: (full id, what the learner sent). The guard sends dockerd the id it checked, and
        dockerd echoes the ref it was given ("Cannot kill container: REF: Container ID is not
        running"): that echo shows what the learner typed, as straight on the engine.
        """
        if isinstance(doc, dict) and isinstance(doc.get("message"), str):
            text = self.message(doc["message"])
            if ref and ref[0] != ref[1]:
                text = re.sub(rf"(\b[Cc]ontainer:? ){ref[0]}(?=: |$)", lambda m: m[1] + ref[1], text)
            doc["message"] = text
        return doc


def with_alias(networking: dict | None, mode: str, name: str) -> dict | None:
    """``NetworkingConfig`` with ``name`` among the aliases of every endpoint the container gets.

    Without endpoints the container joins its ``NetworkMode`` network: that endpoint is
    added (dockerd does the same with an empty one). ``none`` has no network to alias on.
    """
    if mode == "none" or ":" in mode:
        return networking
    endpoints = dict((networking or {}).get("EndpointsConfig") or {}) or {mode: {}}
    for key, ep in endpoints.items():
        endpoints[key] = add_alias(ep, name)
    return {**(networking or {}), "EndpointsConfig": endpoints}


def add_alias(endpoint: dict | None, name: str) -> dict:
    ep = dict(endpoint or {})
    aliases = list(ep.get("Aliases") or [])
    ep["Aliases"] = aliases if name in aliases else [*aliases, name]
    return ep


def renamed_aliases(aliases: list[str] | None, old: str | None, new: str) -> list[str]:
    """An endpoint's aliases after a rename: the old learner name out, the new one in."""
    kept = [a for a in aliases or [] if a != old]
    return kept if new in kept else [*kept, new]


class JsonLines:
    """Rewrites a stream of JSON documents, one a line (events, stats), as it is relayed."""

    def __init__(self, show: Callable[[Any], Any]) -> None:
        self.show = show
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        *lines, self.pending = (self.pending + data).split(b"\n")
        out = b"".join(self._line(line) + b"\n" for line in lines)
        if len(self.pending) > LINE_LIMIT:
            out, self.pending = out + self.pending, b""
        return out

    def end(self) -> bytes:
        out, self.pending = self._line(self.pending) if self.pending else b"", b""
        return out

    def _line(self, line: bytes) -> bytes:
        try:
            doc = json.loads(line)
        except ValueError:
            return line
        return json.dumps(self.show(doc), separators=(",", ":")).encode()
