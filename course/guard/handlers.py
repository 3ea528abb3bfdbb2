"""One decision per endpoint: refuse, answer, or forward a checked (and rewritten) request.

Each resource's handlers are a mixin beside its rules in :mod:`course.guard.resources`;
:class:`Handlers` composes them into the handlers of one guard, and each handler
returns a :class:`~course.guard.resources.base.Forward` or a
:class:`~course.guard.resources.base.Reply`, or raises
:class:`~course.guard.errors.Refused`. HTTP plumbing lives in :mod:`course.guard.proxy`.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from course.guard.ownership import Ownership
from course.guard.ports import PortForwards
from course.guard.resources.base import Forward, Reply
from course.guard.resources.containers import ContainerHandlers
from course.guard.resources.exec import ExecHandlers
from course.guard.resources.filters import FilterHandlers
from course.guard.resources.images import ImageHandlers
from course.guard.resources.networks import NetworkHandlers
from course.guard.resources.volumes import VolumeHandlers
from course.guard.routes import Route
from course.guard.settings import Settings
from course.guard.upstream import Upstream

#: How each endpoint's request body is read: json (decoded), spool (buffered to inspect), stream.
BODY = {
    "containers.create": "json", "containers.update": "json", "containers.exec": "json",
    "exec.start": "json", "networks.create": "json", "networks.connect": "json",
    "networks.disconnect": "json", "volumes.create": "json", "build": "spool", "images.load": "spool",
}
#: Endpoints whose engine errors may name containers: their messages show the learner's names.
NAMED = {"containers", "networks", "exec"}


def body_kind(route: Route) -> str:
    if route.endpoint == "containers.op" and route.method == "PUT":
        return "stream"
    return BODY.get(route.endpoint, "none")


class Handlers(ContainerHandlers, ExecHandlers, ImageHandlers, NetworkHandlers, VolumeHandlers,
               FilterHandlers):
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
            sent = re.match(r"^(?:/v[0-9.]+)?/containers/([0-9a-f]{64})(?:[/?]|$)", action.target)
            if sent and route.kind == "containers" and route.params.get("id"):
                action.errors = partial(self.names.show_error, ref=(sent[1], route.params["id"]))
        return action

    # -- engine-wide, harmless ------------------------------------------------------------
    async def ping(self, route: Route, body: Any) -> Forward:
        return Forward(route.target())

    plain = ping

    async def plugins_inspect(self, route: Route, body: Any) -> Reply:
        """No plugin is on the allow-list, so none exists for a learner: dockerd's answer for a plugin
        not installed, which ``docker inspect NAME`` reads as "No such object" (not a refusal)."""
        return Reply(404, {"message": f'plugin "{route.params["name"]}" not found'})
