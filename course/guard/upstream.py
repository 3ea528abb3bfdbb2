"""The guard's own HTTP/1.1 calls to the engine socket (h11 over asyncio unix streams).

Used for lookups the guard makes on its own behalf (is this container the owner's?),
never for learners' requests, which :mod:`course.guard.proxy` relays.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

import h11

from course.engine.connect import MIN_API
from course.guard.errors import Refused

CHUNK = 256 * 1024


def socket_path(url: str) -> str:
    """``unix:///var/run/docker.sock`` → ``/var/run/docker.sock`` (only unix sockets are supported)."""
    for prefix in ("unix://", "http+unix://"):
        if url.startswith(prefix):
            return url[len(prefix):]
    if url.startswith("/"):
        return url
    raise ValueError(f"the guard forwards to a unix socket only, not {url!r}")


async def next_event(conn: h11.Connection, reader: asyncio.StreamReader):
    """The next h11 event, reading from ``reader`` as needed."""
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await reader.read(CHUNK))


async def each_request(conn: h11.Connection, reader: asyncio.StreamReader,
                       handle: Callable[[h11.Request], Awaitable[bool]]) -> None:
    """Serve a keep-alive connection: each request in turn, until ``handle`` says it must end (False)."""
    while True:
        event = await next_event(conn, reader)
        if not isinstance(event, h11.Request) or not await handle(event):
            return
        if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
            return
        conn.start_next_cycle()


class Upstream:
    """The engine behind the guard."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url
        self.path = socket_path(url)
        self.timeout = timeout

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.wait_for(asyncio.open_unix_connection(self.path, limit=CHUNK), 10)
        except (TimeoutError, OSError) as exc:
            raise Refused(f"course guard: the Docker engine at {self.url} does not answer ({exc})", 502) from None

    async def call(self, method: str, path: str, query: dict | None = None, body: Any = None) -> tuple[int, Any]:
        """One request with a JSON body/response: (status, decoded JSON or None)."""
        target = f"/v{MIN_API}" + quote(path, safe="/:@+") + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else b""
        headers = [("Host", "docker"), ("Content-Length", str(len(data)))]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        reader, writer = await self.connect()
        try:
            return await asyncio.wait_for(self._exchange(reader, writer, method, target, headers, data), self.timeout)
        except TimeoutError:
            raise Refused(f"course guard: the Docker engine did not answer {method} {path} in time", 504) from None
        except (OSError, h11.ProtocolError) as exc:
            raise Refused(f"course guard: the Docker engine failed on {method} {path}: {exc}", 502) from None
        finally:
            writer.close()

    async def _exchange(self, reader, writer, method, target, headers, data) -> tuple[int, Any]:
        conn = h11.Connection(h11.CLIENT)
        writer.write(conn.send(h11.Request(method=method, target=target, headers=headers)))
        writer.write(conn.send(h11.Data(data=data)) if data else b"")
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        response = await next_event(conn, reader)
        if isinstance(response, h11.ConnectionClosed):
            raise OSError("connection closed")
        chunks = []
        while True:
            event = await next_event(conn, reader)
            if isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        raw = b"".join(chunks)
        try:
            return response.status_code, json.loads(raw) if raw.strip() else None
        except ValueError:
            return response.status_code, raw.decode(errors="replace")

    async def get(self, path: str, query: dict | None = None) -> Any:
        """GET a JSON document; None if the engine answers 404."""
        status, doc = await self.call("GET", path, query)
        if status == 404:
            return None
        if status >= 400:
            message = doc.get("message") if isinstance(doc, dict) else doc
            raise Refused(str(message), status)
        return doc
