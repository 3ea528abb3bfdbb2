"""List filters: lists, prunes and events show and touch only the owner's objects.

Every ``filters`` query value is read as dockerd reads it, and ``label=<owner>``
added (dockerd ANDs label filters). :class:`FilterHandlers` applies that to the
engine-wide endpoints; the other resources' lists build on it.
"""

from __future__ import annotations

import json
from typing import Any

from course.guard.errors import Refused
from course.guard.names import JsonLines
from course.guard.resources.base import Base, Forward, first
from course.guard.routes import Route


def force_filters(raw: str | None, label: str) -> str:
    """A ``filters`` query value with ``label=<owner>`` added (dockerd ANDs label filters)."""
    fields = parse_filters(raw)
    fields.setdefault("label", {})[label] = True
    return dump_filters(fields)


def parse_filters(raw: str | None) -> dict[str, dict[str, bool]]:
    """A ``filters`` query value read as dockerd's ``filters.FromJSON`` does.

    ``{"key": {"value": true}}`` or the legacy ``{"key": ["value"]}``; anything else is
    refused rather than guessed.
    """
    fields: dict[str, dict[str, bool]] = {}
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise Refused(f"course guard could not read the filters {raw!r}: not JSON", 400) from None
        if not isinstance(parsed, dict):
            raise Refused("course guard could not read the filters: not a JSON object", 400)
        for key, values in parsed.items():
            as_list = isinstance(values, list) and all(isinstance(v, str) for v in values)
            as_map = isinstance(values, dict) and all(isinstance(v, bool) for v in values.values())
            if not (as_list or as_map):
                raise Refused(f"course guard could not read the filter {key!r}", 400)
            fields[key] = {v: True for v in values}
    return fields


def dump_filters(fields: dict[str, dict[str, bool]]) -> str:
    return json.dumps(fields, separators=(",", ":"))


class FilterHandlers(Base):
    """Requests whose filters the guard forces to the owner's objects."""

    def _filtered(self, route: Route) -> str:
        query = dict(route.query)
        query["filters"] = [force_filters(first(query, "filters"), self.s.owner_filter)]
        return route.target(query=query)

    async def events(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route), transform=JsonLines(self.names.show_event))

    async def prune(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route))
