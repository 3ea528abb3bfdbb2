"""Published ports, served by the guard itself on 127.0.0.1.

Learners' containers live on internal networks, which have no route out of the
machine, and dockerd publishes no ports for them. The guard therefore listens on
127.0.0.1:HOSTPORT itself and relays each connection to the container's address
on its internal network (the host reaches its bridges directly). The requested
ports are kept in a container label, so a restarted guard serves them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from functools import partial

from course.guard.errors import Refused
from course.guard.settings import LABEL_PORTS
from course.guard.streams import Connections, splice
from course.guard.upstream import Upstream


class PortForwards:
    """The listeners of one guard, by container id."""

    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream
        self.servers: dict[str, list[tuple[str, int, asyncio.AbstractServer]]] = {}
        self.connections = Connections()  # each relayed connection's task, held until it ends

    @staticmethod
    def requested(labels: dict | None) -> list[dict]:
        """The ports a container asked for at create time (from the guard's label)."""
        try:
            return json.loads((labels or {}).get(LABEL_PORTS) or "[]")
        except ValueError:
            return []

    async def open(self, cid: str, specs: list[dict]) -> None:
        """Listen for ``specs`` of container ``cid`` (kept across restarts of the container)."""
        if cid in self.servers or not specs:
            return
        opened: list[tuple[str, int, asyncio.AbstractServer]] = []
        for spec in specs:
            port = int(spec["port"].split("/")[0])
            try:
                serve = self.connections.serving(partial(self._serve, cid, port))
                server = await asyncio.start_server(serve, "127.0.0.1", spec["host"])
            except OSError as exc:
                for _, _, srv in opened:
                    srv.close()
                raise Refused(f"Bind for 127.0.0.1:{spec['host']} failed: port is already allocated "
                              f"({exc.strerror}). Publish another host port.", 409) from None
            opened.append((spec["port"], server.sockets[0].getsockname()[1], server))
        self.servers[cid] = opened

    def close(self, cid: str) -> None:
        for _, _, server in self.servers.pop(cid, []):
            server.close()

    def close_all(self) -> None:
        for cid in list(self.servers):
            self.close(cid)

    def published(self, cid: str) -> dict[str, list[dict[str, str]]]:
        """``NetworkSettings.Ports`` as dockerd would show them."""
        out: dict[str, list[dict[str, str]]] = {}
        for port, host, _ in self.servers.get(cid, []):
            out.setdefault(port, []).append({"HostIp": "127.0.0.1", "HostPort": str(host)})
        return out

    def summary(self, cid: str) -> list[dict]:
        """The ``Ports`` entries of a container list."""
        return [{"IP": "127.0.0.1", "PrivatePort": int(port.split("/")[0]), "PublicPort": host, "Type": "tcp"}
                for port, host, _ in self.servers.get(cid, [])]

    async def restore(self, owner_filter: str) -> None:
        """Serve the ports of the owner's running containers again (after a guard restart)."""
        running = await self.up.get("/containers/json", {"filters": json.dumps(
            {"label": [owner_filter, LABEL_PORTS], "status": ["running"]})}) or []
        for c in running:
            with contextlib.suppress(Refused):
                await self.open(c["Id"], self.requested(c.get("Labels")))

    async def _serve(self, cid: str, port: int, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        try:
            doc = await self.up.get(f"/containers/{cid}/json")
            if doc is None:
                self.close(cid)  # removed behind the guard's back (auto-remove)
            addresses = [n.get("IPAddress") for n in ((doc or {}).get("NetworkSettings") or {})
                         .get("Networks", {}).values() if n.get("IPAddress")]
            if not addresses or not (doc.get("State") or {}).get("Running"):
                writer.close()
                return
            server = await asyncio.wait_for(asyncio.open_connection(addresses[0], port), 5)
        except (TimeoutError, OSError, Refused):
            writer.close()
            return
        await splice((reader, writer), server)
