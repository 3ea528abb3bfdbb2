"""Exec: processes started in the owner's running containers, never privileged ones."""

from __future__ import annotations

from typing import Any

from course.guard import jsonbody, schema
from course.guard.errors import refuse
from course.guard.resources.base import Base, Forward
from course.guard.routes import Route


def check_exec(body: dict) -> dict:
    """Check a ``POST /containers/{id}/exec`` body."""
    if body.get("Privileged"):
        raise refuse("a privileged exec", "a privileged process is root on the host", "Exec without privileged")
    return body


class ExecHandlers(Base):
    """Exec create (in the owner's container), start and inspect (of an exec in one)."""

    async def containers_exec(self, route: Route, body: Any) -> Forward:
        config = check_exec(jsonbody.decode(body, schema.EXEC_CREATE))
        doc = await self.own.container(route.params["id"])
        return Forward(self._with_id(route, doc["Id"]), jsonbody.dumps(config), json_body=True)

    async def exec_start(self, route: Route, body: Any) -> Forward:
        start = jsonbody.decode(body, schema.EXEC_START, empty_ok=True)
        await self.own.exec(route.params["id"])
        return Forward(route.target(), jsonbody.dumps(start), json_body=True, hijack=not start.get("Detach"))

    async def exec_op(self, route: Route, body: Any) -> Forward:
        await self.own.exec(route.params["id"])
        return Forward(route.target())
