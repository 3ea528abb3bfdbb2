"""The course registry's front: each unix user sees a registry of their own repositories only.

The real registry listens on a root-only unix socket; learners (and the engine) reach it through
this front on loopback TCP, which gives every user a private namespace in it. A request is that
of the user whose process connected (its uid, read from ``/proc/net/tcp``), or, for dockerd
(root), of the user its registry token names: the guard hands dockerd the token of the user its
kernels run as (:mod:`course.guard.registry_auth`). The name ``team/app`` one user sends is
stored as ``<their prefix>/team/app``: another user's ``team/app`` is another repository, which
no name this user can send reaches. The front

- maps ``/v2/<name>/...`` into the user's namespace and back (``Location`` headers, JSON answers
  such as tags lists and errors), and refuses any target outside the registry's API grammar;
- filters ``/v2/_catalog`` to the user's own repositories;
- strips cross-repository mounts (``?mount=&from=``): a push never names, or borrows a blob
  from, a repository it did not push (dockerd then uploads the blob itself);
- relays manifests and blobs byte for byte (their digests must hold).

Root's own requests with no token (the instructor's unguarded kernels, the course's tools) are
in root's namespace. dockerd learns to send its token from a ``Bearer`` challenge to its ``/v2/``
ping; without one (``auth_config={}``) it fetches an anonymous token here, which is root's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import pwd
import re
import socket
import struct
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import h11

from course.guard import registry_auth
from course.guard.upstream import CHUNK, each_request, next_event
from course.system import process

#: Header on every answer of the front: how the course tells its front from a bare registry.
FRONT_HEADER = "Course-Registry-Front"
TOKEN_PATH = "/token"
SERVICE = "course-registry"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = rf"{_COMPONENT}(?:/{_COMPONENT})*"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_TAG = r"[\w][\w.-]{0,127}"
#: The registry API's repository routes (distribution's v2 grammar), nothing else.
ROUTE = re.compile(rf"^/v2/(?P<name>{_NAME})/(?P<rest>manifests/(?:{_TAG}|{_DIGEST})|blobs/{_DIGEST}"
                   r"|blobs/uploads/?|blobs/uploads/[A-Za-z0-9_=-]+|tags/list)$")
#: Hop-by-hop headers (framing is h11's) and the credentials the real registry never sees.
DROPPED = {b"content-length", b"transfer-encoding", b"connection", b"keep-alive", b"upgrade", b"te",
           b"trailer", b"proxy-connection", b"proxy-authorization", b"authorization"}
JSON_LIMIT = 4 * 1024 * 1024
#: Catalog page size asked of the real registry (its default maximum).
PAGE = 1000
BODY_TIMEOUT = 120
NOT_YOURS = ("; the course registry shows each learner only their own repositories, so another "
             "learner's are unknown here too")


class Denied(Exception):
    """A request the front answers itself: a status and a registry-style error."""

    def __init__(self, status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def body(self) -> bytes:
        return json.dumps({"errors": [{"code": self.code, "message": self.message, "detail": None}]}).encode()


# -- the policy: pure functions of a target and a user's prefix -------------------------------------
@dataclass(frozen=True)
class Mapped:
    """A learner's request target mapped into their namespace."""

    target: str
    #: What the answer's JSON is (``tags``, or None: relayed untouched unless it is an error).
    kind: str | None = None


def map_target(method: str, target: str, prefix: str) -> Mapped:
    """The real registry's target for ``target`` sent by the user of ``prefix``; ``Denied`` if none."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "%" in parts.path:
        raise Denied(400, "UNSUPPORTED", "the course registry takes plain /v2/ paths only")
    if parts.path == "/v2/":
        return Mapped("/v2/")
    if parts.path == "/v2/_catalog":
        return Mapped(target, "catalog")
    m = ROUTE.match(parts.path)
    if not m:
        raise Denied(404, "NAME_INVALID", f"the course registry has no {parts.path!r}: not a repository path of "
                     "the registry API (/v2/<name>/manifests|blobs|tags/...)")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if method == "POST" and m["rest"].startswith("blobs/uploads"):
        query = [(k, v) for k, v in query if k not in ("mount", "from")]  # never name another repository
    path = f"/v2/{prefix}/{m['name']}/{m['rest']}"
    return Mapped(urlunsplit(("", "", path, urlencode(query), "")), "tags" if m["rest"] == "tags/list" else None)


def unmap(value: Any, prefix: str) -> Any:
    """``value`` (a JSON document or a string) with the user's prefix taken off every repository name."""
    if isinstance(value, str):
        return value[len(prefix) + 1:] if value.startswith(prefix + "/") else value
    if isinstance(value, list):
        return [unmap(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: unmap(v, prefix) for k, v in value.items()}
    return value


def unmap_location(location: str, prefix: str) -> str:
    """An upload's ``Location`` (absolute or not) as the user's own name for it."""
    parts = urlsplit(location)
    if parts.path.startswith(f"/v2/{prefix}/"):
        parts = parts._replace(path="/v2/" + parts.path[len(f"/v2/{prefix}/"):])
    return urlunsplit(parts)


def own_catalog(repositories: list[str], prefix: str, n: int | None = None, last: str = "") -> tuple[list[str], bool]:
    """The user's own repositories (their names), after ``last``, at most ``n``; and whether more remain."""
    mine = sorted(unmap(r, prefix) for r in repositories if r.startswith(prefix + "/"))
    mine = [r for r in mine if r > last] if last else mine
    if n is None or n < 0:
        return mine, False
    return mine[:n], len(mine) > n


def explain_errors(doc: Any) -> Any:
    """Registry errors with a word on why another learner's repository is unknown too."""
    for error in (doc.get("errors") or []) if isinstance(doc, dict) else []:
        if isinstance(error, dict) and error.get("code") in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN") \
                and isinstance(error.get("message"), str) and NOT_YOURS not in error["message"]:
            error["message"] += NOT_YOURS
    return doc


# -- who is asking ---------------------------------------------------------------------------------
def _hex_address(host: str, port: int) -> str:
    """An IPv4 address as ``/proc/net/tcp`` prints it (the address in host byte order)."""
    return f"{struct.unpack('=I', socket.inet_aton(host))[0]:08X}:{port:04X}"


def peer_uid(peer: tuple[str, int], local: tuple[str, int], table: str = "/proc/net/tcp") -> int | None:
    """The uid that owns the loopback connection from ``peer`` to ``local`` (None if not found)."""
    ours, theirs = _hex_address(*local), _hex_address(*peer)
    with open(table) as rows:
        next(rows)
        for row in rows:
            fields = row.split()
            if len(fields) > 7 and fields[1] == theirs and fields[2] == ours:
                return int(fields[7])
    return None


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Denied(403, "DENIED", f"uid {uid} has no user name on this machine") from None


def identify(uid: int, headers: dict[bytes, bytes], key: bytes) -> str:
    """The user a request is for: a learner by their uid, dockerd (root) by its token, else root."""
    if uid != 0:
        return user_name(uid)  # learners are who they connect as, whatever they send
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        user = registry_auth.user_of(auth[7:].strip(), key)
        if user is None:
            raise Denied(401, "UNAUTHORIZED", "that registry token was not issued by the course's guards")
        return user
    return "root"


# -- the server ------------------------------------------------------------------------------------
class Front:
    """The front on ``listen`` (``host:port``) before the real registry on the unix socket ``backend``."""

    def __init__(self, listen: str, backend: str, key: bytes) -> None:
        host, _, port = listen.rpartition(":")
        self.host, self.port, self.backend, self.key = host, int(port), backend, key
        self.server: asyncio.AbstractServer | None = None

    @property
    def challenge(self) -> str:
        return f'Bearer realm="http://{self.host}:{self.port}{TOKEN_PATH}",service="{SERVICE}"'

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.port, limit=CHUNK)

    async def close(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            uid = peer_uid(writer.get_extra_info("peername")[:2], writer.get_extra_info("sockname")[:2])
            await Exchange(self, uid, reader, writer).run()
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError, h11.ProtocolError):
            pass
        except Exception:  # noqa: BLE001 - one broken exchange must not take the front down
            traceback.print_exc()
        finally:
            writer.close()


class Exchange:
    """One client connection: requests mapped into the client's namespace and relayed."""

    def __init__(self, front: Front, uid: int | None, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.front, self.uid, self.reader, self.writer = front, uid, reader, writer
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.up: tuple[asyncio.StreamReader, asyncio.StreamWriter, h11.Connection] | None = None

    async def run(self) -> None:
        try:
            await each_request(self.conn, self.reader, self._one)
        finally:
            if self.up:
                self.up[1].close()

    async def _one(self, request: h11.Request) -> bool:
        method, target = request.method.decode(), request.target.decode("ascii")
        headers = {k: v for k, v in request.headers}
        try:
            if self.uid is None:
                raise Denied(403, "DENIED", "the course registry could not tell which user connected")
            user = identify(self.uid, headers, self.front.key)
            if urlsplit(target).path == TOKEN_PATH and self.uid == 0:
                return await self._token(user)
            mapped = map_target(method, target, registry_auth.prefix(user))
            if mapped.target == "/v2/" and self.uid == 0 and b"authorization" not in headers \
                    and headers.get(b"user-agent", b"").startswith(b"docker/"):
                raise Denied(401, "UNAUTHORIZED", "authentication required",
                             (("WWW-Authenticate", self.front.challenge),))
        except Denied as denied:
            await self._drain()
            await self._send(denied.status, denied.body(), [("Content-Type", "application/json"),
                                                            *denied.headers])
            return self.conn.their_state is h11.DONE
        prefix = registry_auth.prefix(user)
        if mapped.kind == "catalog":
            return await self._catalog(target, prefix)
        return await self._forward(request, mapped, prefix)

    async def _token(self, user: str) -> bool:
        """An anonymous token request from dockerd: root's own namespace."""
        await self._drain()
        token = registry_auth.token(user, self.front.key)
        body = json.dumps({"token": token, "access_token": token, "expires_in": 3600,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        await self._send(200, body, [("Content-Type", "application/json")])
        return True

    async def _catalog(self, target: str, prefix: str) -> bool:
        await self._drain()
        query = dict(parse_qsl(urlsplit(target).query))
        every, last = [], prefix  # the user's names sort after their prefix: page from there
        while True:
            status, _, body = await self._backend_get(f"/v2/_catalog?{urlencode({'n': PAGE, 'last': last})}")
            if status != 200:
                await self._send(status, body, [("Content-Type", "application/json")])
                return True
            page = json.loads(body).get("repositories") or []
            every += page
            if len(page) < PAGE or not page[-1].startswith(prefix + "/"):
                break
            last = page[-1]
        n = int(query["n"]) if query.get("n", "").lstrip("-").isdigit() else None
        names, more = own_catalog(every, prefix, n, query.get("last", ""))
        extra = [("Link", f'</v2/_catalog?last={names[-1]}&n={n}>; rel="next"')] if more and names else []
        await self._send(200, json.dumps({"repositories": names}).encode(),
                         [("Content-Type", "application/json; charset=utf-8"), *extra])
        return True

    # -- relaying ------------------------------------------------------------------------------------
    async def _upstream(self):
        if self.up is None:
            reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(self.front.backend, limit=CHUNK), 10)
            self.up = (reader, writer, h11.Connection(h11.CLIENT))
        return self.up

    def _drop(self) -> None:
        if self.up:
            self.up[1].close()
            self.up = None

    async def _backend_get(self, target: str) -> tuple[int, list, bytes]:
        ureader, uwriter, uconn = await self._upstream()
        uwriter.write(uconn.send(h11.Request(method="GET", target=target, headers=[("Host", "registry")])))
        uwriter.write(uconn.send(h11.EndOfMessage()))
        await uwriter.drain()
        response = await next_event(uconn, ureader)
        body = await self._read_all(uconn, ureader)
        self._recycle()
        return response.status_code, list(response.headers), body

    async def _forward(self, request: h11.Request, mapped: Mapped, prefix: str) -> bool:
        ureader, uwriter, uconn = await self._upstream()
        out = [(k, v) for k, v in request.headers if k not in DROPPED]
        for k, v in request.headers:
            if k in (b"content-length", b"transfer-encoding"):
                out.append((k, v))
        try:
            uwriter.write(uconn.send(h11.Request(method=request.method, target=mapped.target, headers=out)))
            async with asyncio.timeout(BODY_TIMEOUT):
                async for data in self._body():
                    uwriter.write(uconn.send(h11.Data(data=data)))
                    await uwriter.drain()
            uwriter.write(uconn.send(h11.EndOfMessage()))
            await uwriter.drain()
            response = await next_event(uconn, ureader)
            while isinstance(response, h11.InformationalResponse):
                response = await next_event(uconn, ureader)
        except (OSError, TimeoutError, h11.ProtocolError):
            self._drop()
            raise ConnectionError("the registry or the client broke the exchange") from None
        if not isinstance(response, h11.Response):
            self._drop()
            raise ConnectionError("the registry closed the connection")
        headers = []
        for k, v in response.headers:
            if k in (b"connection", b"keep-alive"):
                continue
            if k == b"location":
                v = unmap_location(v.decode("latin-1"), prefix).encode("latin-1")
            headers.append((k, v))
        json_answer = response.headers and any(k == b"content-type" and b"json" in v for k, v in response.headers)
        rewrite = request.method != b"HEAD" and json_answer and (response.status_code >= 400 or mapped.kind == "tags")
        if rewrite:
            body = await self._read_all(uconn, ureader)
            with contextlib.suppress(ValueError):
                doc = unmap(json.loads(body), prefix)
                body = json.dumps(explain_errors(doc) if response.status_code >= 400 else doc).encode()
            headers = [(k, v) for k, v in headers if k not in (b"content-length", b"transfer-encoding")]
            await self._send(response.status_code, body, [*headers, (b"content-length", str(len(body)).encode())],
                             reason=response.reason)
        else:
            headers.append((FRONT_HEADER.encode(), b"1"))
            self.writer.write(self.conn.send(h11.Response(status_code=response.status_code, reason=response.reason,
                                                          headers=headers)))
            while True:
                event = await next_event(uconn, ureader)
                if isinstance(event, h11.Data):
                    self.writer.write(self.conn.send(h11.Data(data=event.data)))
                    await self.writer.drain()
                elif isinstance(event, h11.EndOfMessage):
                    self.writer.write(self.conn.send(h11.EndOfMessage()))
                    await self.writer.drain()
                    break
                else:
                    self._drop()
                    raise ConnectionError("the registry closed the connection")
        self._recycle()
        return True

    def _recycle(self) -> None:
        uconn = self.up[2] if self.up else None
        if uconn and uconn.our_state is h11.DONE and uconn.their_state is h11.DONE:
            uconn.start_next_cycle()
        else:
            self._drop()

    async def _read_all(self, uconn: h11.Connection, ureader: asyncio.StreamReader) -> bytes:
        chunks, size = [], 0
        while True:
            event = await next_event(uconn, ureader)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > JSON_LIMIT:
                    raise ConnectionError("the registry's answer is too large to rewrite")
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise ConnectionError("the registry closed the connection")

    async def _body(self):
        if self.conn.they_are_waiting_for_100_continue:
            self.writer.write(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        while self.conn.their_state is h11.SEND_BODY:
            event = await next_event(self.conn, self.reader)
            if isinstance(event, h11.Data):
                yield event.data
            elif not isinstance(event, h11.EndOfMessage):
                raise ConnectionError("the request body ended early")

    async def _drain(self) -> None:
        """Read and drop the body of a request the front answers itself (small ones only)."""
        if self.conn.their_state is not h11.SEND_BODY or self.conn.they_are_waiting_for_100_continue:
            return
        size = 0
        async with asyncio.timeout(BODY_TIMEOUT):
            async for data in self._body():
                size += len(data)
                if size > JSON_LIMIT:
                    return

    async def _send(self, status: int, body: bytes, headers: list, reason: bytes = b"") -> None:
        names = {(k.lower() if isinstance(k, bytes) else k.lower().encode()) for k, _ in headers}
        if b"content-length" not in names:
            headers = [*headers, ("Content-Length", str(len(body)))]
        if b"docker-distribution-api-version" not in names:
            headers.append(("Docker-Distribution-Api-Version", "registry/2.0"))
        headers = [*headers, (FRONT_HEADER, "1")]
        if self.conn.their_state is not h11.DONE:
            headers.append(("Connection", "close"))
        self.writer.write(self.conn.send(h11.Response(status_code=status, headers=headers, reason=reason)))
        self.writer.write(self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage()))
        await self.writer.drain()


async def serve(listen: str, backend: str) -> None:
    front = Front(listen, backend, registry_auth.secret())
    await front.start()
    print(f"course registry front on {listen} -> {backend}", flush=True)
    await process.until_signalled()
    await front.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m course.services.registry_front", description=__doc__)
    p.add_argument("--listen", required=True, help="host:port on loopback")
    p.add_argument("--backend", required=True, help="the real registry's unix socket")
    args = p.parse_args(argv)
    if not Path(args.backend).parent.exists():
        raise SystemExit(f"no {args.backend}")
    asyncio.run(serve(args.listen, args.backend))


if __name__ == "__main__":
    main()
