"""Networks: every learner network is an internal bridge (no route out), the owner's own."""

from __future__ import annotations

from typing import Any

from course.guard import jsonbody, schema
from course.guard.errors import refuse
from course.guard.names import add_alias
from course.guard.resources.base import Forward, forced_labels
from course.guard.resources.containers import OBJECT_NAME, check_endpoint
from course.guard.resources.filters import FilterHandlers
from course.guard.routes import Route
from course.guard.settings import Settings

#: Bridge options that only tune the network (no interface names, no NAT or binding changes).
NETWORK_OPTIONS = {"com.docker.network.bridge.enable_icc", "com.docker.network.driver.mtu"}


def check_network_create(body: dict, s: Settings) -> dict:
    """Every learner network is an ``internal`` bridge (no route out), labelled, uniquely named."""
    name = body.get("Name") or ""
    if not OBJECT_NAME.match(name) or len(name) > 64:
        raise refuse(f"the network name {name!r}", "names are letters, digits, '_', '.' and '-'", "")
    if (body.get("Driver") or "bridge") != "bridge":
        raise refuse(f"the network driver {body['Driver']!r}", "only local bridge networks are allowed",
                     "Leave the driver unset.")
    for flag in ("EnableIPv6", "Attachable", "Ingress", "ConfigOnly"):
        if body.get(flag):
            raise refuse(f"{flag} networks", "they are not part of the course", f"Leave {flag} unset.")
    if body.get("ConfigFrom") or (body.get("Scope") or "local") != "local":
        raise refuse("that network scope or ConfigFrom", "only local networks are allowed", "")
    ipam = body.get("IPAM") or {}
    if (ipam.get("Driver") or "default") != "default" or ipam.get("Config") or ipam.get("Options"):
        raise refuse("custom IPAM (subnets, gateways)", "a chosen subnet can take over the host's own "
                     "routes", "Let the engine pick the subnet.")
    extra = set(body.get("Options") or {}) - NETWORK_OPTIONS
    if extra:
        raise refuse(f"the network options {sorted(extra)}", f"only {sorted(NETWORK_OPTIONS)} are allowed", "")
    body.update(Driver="bridge", Internal=True, CheckDuplicate=True, Labels=forced_labels(body.get("Labels"), s))
    return body


class NetworkHandlers(FilterHandlers):
    """The network endpoints: the owner's networks only; connect checks the container and endpoint too."""

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
