"""The guard's server: HTTP/1.1 on its own unix socket, relayed to the engine after the checks.

h11 parses both sides, so requests are re-framed (no smuggling through odd
Content-Length/chunked combinations) and only the checked body is sent on.
Streams (logs, events, stats, builds) are relayed chunk by chunk; hijacked
connections (attach, exec start) are spliced raw once dockerd switched protocols.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import traceback
from typing import Any

import h11

from course.guard import routes
from course.guard.errors import Refused, error_body
from course.guard.handlers import Handlers, body_kind
from course.guard.ports import PortForwards
from course.guard.resources.base import STREAM, Forward, Reply
from course.guard.settings import Settings
from course.guard.streams import Connections, splice
from course.guard.upstream import CHUNK, Upstream, each_request, next_event

JSON_LIMIT = 1024 * 1024
REWRITE_LIMIT = 64 * 1024 * 1024
#: Longest wait for a request body (a body that never comes must not hold a connection forever).
BODY_TIMEOUT = 60
#: Headers never passed on: framing is recomputed, hop-by-hop ones are per connection.
DROPPED = {b"content-length", b"transfer-encoding", b"connection", b"upgrade", b"keep-alive", b"te",
           b"trailer", b"expect", b"proxy-connection", b"proxy-authorization", b"x-registry-config"}


class Guard:
    """One owner's guard: a unix socket server in front of the engine."""

    def __init__(self, settings: Settings, socket: str, upstream: str, mode: int = 0o600) -> None:
        self.settings = settings
        self.socket = socket
        self.mode = mode
        self.upstream = Upstream(upstream)
        if os.path.realpath(self.upstream.path) == os.path.realpath(socket):
            raise ValueError("the guard cannot forward to its own socket")
        self.ports = PortForwards(self.upstream)
        self.handlers = Handlers(settings, self.upstream, self.ports)
        self.server: asyncio.AbstractServer | None = None
        self.connections = Connections()  # each serving task, held until it ends

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        serve = self.connections.serving(self._serve)
        self.server = await asyncio.start_unix_server(serve, path=self.socket, limit=CHUNK)
        os.chmod(self.socket, self.mode)
        with contextlib.suppress(Refused):
            await self.ports.restore(self.settings.owner_filter)

    async def close(self) -> None:
        self.ports.close_all()
        if self.server:
            self.server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        await self.connections.close()
        await self.ports.connections.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await Exchange(self, reader, writer).run()
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the learner hung up, or the guard is shutting down
        except Exception:  # noqa: BLE001 - one broken exchange must not take the guard down
            traceback.print_exc()
        finally:
            writer.close()


class Exchange:
    """One learner connection: a sequence of requests, each checked, then relayed or refused."""

    def __init__(self, guard: Guard, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.guard = guard
        self.reader = reader
        self.writer = writer
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter, h11.Connection] | None = None

    async def run(self) -> None:
        try:
            await each_request(self.conn, self.reader, self._one)
        except h11.RemoteProtocolError as exc:
            await self._fail(Refused(f"course guard could not read the request: {exc}", 400))
        finally:
            self._drop_upstream()

    # -- one request -----------------------------------------------------------------------
    async def _one(self, request: h11.Request) -> bool:
        """Handle one request; False when the connection must end."""
        body: Any = None
        try:
            headers = _check_headers(request.headers)
            route = routes.match(request.method.decode(), request.target.decode("ascii"))
            kind = body_kind(route)
            body = STREAM if kind == "stream" else await self._read_body(kind)
            action = await self.guard.handlers.dispatch(route, body)
        except (Refused, UnicodeDecodeError, h11.ProtocolError, LookupError, TypeError, ValueError) as exc:
            if not isinstance(exc, (Refused, UnicodeDecodeError, h11.ProtocolError)):
                traceback.print_exc()  # a bug in the guard: say so, and fail closed
            refused = exc if isinstance(exc, Refused) else Refused(f"course guard could not handle the request "
                                                                   f"({type(exc).__name__}: {exc})", 400)
            broken = (isinstance(exc, h11.ProtocolError) or self.conn.their_state is h11.ERROR
                      or refused.status in (408, 413))
            if broken or ((body is None or body is STREAM) and not await self._drain()):
                await self._fail(refused)
                return False
            await self._reply(refused.status, error_body(refused.message))
            return True
        if isinstance(action, Reply):
            await self._reply(action.status, json.dumps(action.doc).encode())
            return True
        try:
            return await self._forward(request, headers, action)
        except Refused as exc:
            if self.conn.our_state is h11.SEND_RESPONSE and self.conn.their_state is h11.DONE:
                await self._reply(exc.status, error_body(exc.message))
                return False
            return False
        finally:
            if action.after:
                result = action.after(self.status)
                if asyncio.iscoroutine(result):
                    await result

    async def _read_body(self, kind: str) -> Any:
        """The whole body: bytes for JSON/none, a temp file for archives the guard must read."""
        limit = self.guard.settings.limits.upload if kind == "spool" else JSON_LIMIT
        sink = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) if kind == "spool" else None  # noqa: SIM115
        chunks, size = [], 0
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                async for data in self._body_chunks():
                    size += len(data)
                    if size > limit:
                        raise Refused(f"course guard refused a request body over {limit} bytes", 413)
                    if sink:
                        sink.write(data)
                    elif kind == "json":
                        chunks.append(data)
        except TimeoutError:
            raise Refused(f"course guard: the request body did not arrive within {BODY_TIMEOUT} s", 408) from None
        return sink if sink else b"".join(chunks)

    async def _body_chunks(self):
        if self.conn.they_are_waiting_for_100_continue:
            self.writer.write(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        while True:
            event = await next_event(self.conn, self.reader)
            if isinstance(event, h11.Data):
                yield event.data
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise Refused("course guard: the request body ended early", 400)

    async def _drain(self) -> bool:
        """Read and drop an unread body, so the learner can read the refusal (False: gave up)."""
        if self.conn.their_state is not h11.SEND_BODY:
            return True
        try:
            size = 0
            async with asyncio.timeout(BODY_TIMEOUT):
                async for data in self._body_chunks():
                    size += len(data)
                    if size > self.guard.settings.limits.upload:
                        return False
            return True
        except (Refused, TimeoutError, h11.ProtocolError):
            return False

    # -- answers ---------------------------------------------------------------------------
    async def _reply(self, status: int, body: bytes) -> None:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Api-Version", "1.41"), ("Server", "course-guard")]
        self.status = status
        self.writer.write(self.conn.send(h11.Response(status_code=status, headers=headers)))
        self.writer.write(self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage()))
        await self.writer.drain()

    async def _fail(self, refused: Refused) -> None:
        """Answer an error on a connection that cannot go on, then close it."""
        with contextlib.suppress(h11.ProtocolError, ConnectionError, OSError):
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                body = error_body(refused.message)
                self.writer.write(self.conn.send(h11.Response(status_code=refused.status, headers=[
                    ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    ("Connection", "close")])))
                self.writer.write(self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage()))
                await self.writer.drain()

    # -- forwarding ------------------------------------------------------------------------
    status = 0

    async def _forward(self, request: h11.Request, headers: list[tuple[bytes, bytes]], action: Forward) -> bool:
        self.status = 0  # until dockerd answers this request
        ureader, uwriter, uconn = await self._upstream()
        out = [(k, v) for k, v in headers if k not in DROPPED and not (action.json_body and k == b"content-type")]
        if action.headers:
            forced = {k for k, _ in action.headers}
            out = [(k, v) for k, v in out if k not in forced] + list(action.headers)
        if action.json_body:
            out.append((b"content-type", b"application/json"))
        if not any(k == b"host" for k, _ in out):
            out.append((b"host", b"docker"))
        if action.hijack:
            out += [(k, v) for k, v in headers if k in (b"connection", b"upgrade")]
        body = action.body
        if isinstance(body, bytes):
            out.append((b"content-length", str(len(body)).encode()))
        elif body is STREAM:
            out += [(k, v) for k, v in headers if k in (b"content-length", b"transfer-encoding")]
        elif body is not None:
            body.seek(0, os.SEEK_END)
            out.append((b"content-length", str(body.tell()).encode()))
            body.seek(0)
        try:
            uwriter.write(uconn.send(h11.Request(method=request.method, target=action.target, headers=out)))
            await self._send_body(uwriter, uconn, body)
            response = await next_event(uconn, ureader)
            while isinstance(response, h11.InformationalResponse) and response.status_code != 101:
                response = await next_event(uconn, ureader)
        except (OSError, h11.ProtocolError) as exc:
            self._drop_upstream()
            raise Refused(f"course guard: the Docker engine failed ({exc})", 502) from None
        if isinstance(response, h11.ConnectionClosed):
            self._drop_upstream()
            raise Refused("course guard: the Docker engine closed the connection", 502)
        self.status = response.status_code
        if response.status_code == 101:
            return await self._switch(response)
        if _until_close(request, response):
            if action.hijack:  # dockerd hijacked the connection: no HTTP parsing on its side any more
                return await self._raw(response)
            await self._relay(response, action.transform)  # to its end: the connection cannot carry another
            self._drop_upstream()
            return False
        if action.rewrite and response.status_code < 300:
            await self._rewritten(response, action.rewrite)
        elif action.errors and response.status_code >= 400 and request.method != b"HEAD":
            await self._rewritten(response, action.errors, lenient=True)
        else:
            await self._relay(response, action.transform if response.status_code < 300 else None)
        return self._recycle_upstream()

    async def _upstream(self):
        if self.upstream is None:
            reader, writer = await self.guard.upstream.connect()
            self.upstream = (reader, writer, h11.Connection(h11.CLIENT))
        return self.upstream

    def _drop_upstream(self) -> None:
        if self.upstream:
            self.upstream[1].close()
            self.upstream = None

    def _recycle_upstream(self) -> bool:
        uconn = self.upstream[2] if self.upstream else None
        if uconn and uconn.our_state is h11.DONE and uconn.their_state is h11.DONE:
            uconn.start_next_cycle()
        else:
            self._drop_upstream()
        return True

    async def _send_body(self, uwriter: asyncio.StreamWriter, uconn: h11.Connection, body: Any) -> None:
        if isinstance(body, bytes) and body:
            uwriter.write(uconn.send(h11.Data(data=body)))
        elif body is STREAM:
            async for data in self._body_chunks():
                uwriter.write(uconn.send(h11.Data(data=data)))
                await uwriter.drain()
        elif body is not None and not isinstance(body, bytes):
            while data := body.read(CHUNK):
                uwriter.write(uconn.send(h11.Data(data=data)))
                await uwriter.drain()
        uwriter.write(uconn.send(h11.EndOfMessage()))
        await uwriter.drain()

    async def _relay(self, response: h11.Response, transform: Any = None) -> None:
        """Pass the answer on as it comes (rewritten by ``transform``), stopping if the learner hangs up."""
        ureader, _, uconn = self.upstream
        headers = _response_headers(response)
        if transform:  # its length changes: h11 frames it (chunked)
            headers = [(k, v) for k, v in headers if k not in (b"content-length", b"transfer-encoding")]
        self.writer.write(self.conn.send(h11.Response(
            status_code=response.status_code, reason=response.reason, headers=headers)))
        await self.writer.drain()

        async def pump() -> None:
            while True:
                event = await next_event(uconn, ureader)
                if isinstance(event, h11.Data):
                    data = transform.feed(event.data) if transform else event.data
                    if data:
                        self.writer.write(self.conn.send(h11.Data(data=data)))
                        await self.writer.drain()
                elif isinstance(event, h11.EndOfMessage):
                    if transform and (data := transform.end()):
                        self.writer.write(self.conn.send(h11.Data(data=data)))
                    self.writer.write(self.conn.send(h11.EndOfMessage()))
                    await self.writer.drain()
                    return
                else:
                    raise ConnectionError("the engine closed the stream")

        relay = asyncio.create_task(pump())
        hangup = asyncio.create_task(self.reader.read(CHUNK))
        try:
            done, _ = await asyncio.wait({relay, hangup}, return_when=asyncio.FIRST_COMPLETED)
            if hangup in done:
                data = hangup.result()  # raises if the learner's connection broke
                if not data:
                    raise ConnectionError("the learner hung up")
                self.conn.receive_data(data)  # a pipelined next request: h11 keeps it
            await relay
        except BaseException:
            # The learner hung up (or broke the connection), the engine failed, or the guard is
            # closing: end both tasks and collect their outcomes, so none is left pending or unread.
            self._drop_upstream()
            raise
        finally:
            for task in (relay, hangup):
                task.cancel()
            await asyncio.gather(relay, hangup, return_exceptions=True)

    async def _rewritten(self, response: h11.Response, rewrite: Any, lenient: bool = False) -> None:
        """Read the whole JSON answer, rewrite it, send it on (``lenient``: a non-JSON one unchanged)."""
        ureader, _, uconn = self.upstream
        chunks, size = [], 0
        while True:
            event = await next_event(uconn, ureader)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > REWRITE_LIMIT:
                    raise Refused("course guard: the engine's answer is too large", 502)
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                raise Refused("course guard: the engine closed the connection", 502)
        body = b"".join(chunks)
        try:
            doc = json.loads(body)
        except ValueError:
            if not lenient:
                raise Refused("course guard: the engine's answer is not JSON", 502) from None
        else:
            result = rewrite(response.status_code, doc)
            if asyncio.iscoroutine(result):
                result = await result
            body = json.dumps(result).encode()
        headers = [(k, v) for k, v in _response_headers(response)
                   if k not in (b"content-length", b"transfer-encoding")]
        await self._send_response(response.status_code, headers + [(b"content-length", str(len(body)).encode())],
                                  body)

    async def _send_response(self, status: int, headers: list, body: bytes) -> None:
        self.writer.write(self.conn.send(h11.Response(status_code=status, headers=headers)))
        self.writer.write(self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage()))
        await self.writer.drain()

    async def _switch(self, response: h11.InformationalResponse) -> bool:
        """dockerd upgraded the connection (attach, exec start): splice both raw streams."""
        uconn = self.upstream[2]
        self.writer.write(self.conn.send(h11.InformationalResponse(
            status_code=101, reason=response.reason, headers=list(response.headers))))
        await self.writer.drain()
        await self._splice(uconn.trailing_data[0], self.conn.trailing_data[0])
        return False

    async def _raw(self, response: h11.Response) -> bool:
        """An answer framed by closing the connection (a hijack without Upgrade): pass it on raw."""
        uconn = self.upstream[2]
        head = f"HTTP/1.1 {response.status_code} {response.reason.decode(errors='replace')}\r\n".encode()
        head += b"".join(k + b": " + v + b"\r\n" for k, v in response.headers) + b"\r\n"
        self.writer.write(head)
        await self.writer.drain()
        await self._splice(uconn.trailing_data[0], self.conn.trailing_data[0])
        return False

    async def _splice(self, from_engine: bytes, from_learner: bytes) -> None:
        ureader, uwriter, _ = self.upstream
        self.upstream = None
        if from_engine:
            await asyncio.sleep(0.001)  # keep the head and the stream apart, as dockerd does
            self.writer.write(bytes(from_engine))
        if from_learner:
            uwriter.write(bytes(from_learner))
        await splice((self.reader, self.writer), (ureader, uwriter))


def _check_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Refuse what would make dockerd read parameters from the body (Go's ParseForm)."""
    types = [v for k, v in headers if k == b"content-type"]
    if len(types) > 1:
        raise Refused("course guard refused a request with several Content-Type headers", 400)
    if types and types[0].split(b";")[0].strip().lower() == b"application/x-www-form-urlencoded":
        raise Refused("course guard refused a form-encoded body: dockerd would read parameters from it "
                      "that the guard did not check. Send parameters in the URL", 400)
    return list(headers)


def _response_headers(response: h11.Response) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in response.headers if k not in (b"connection", b"keep-alive", b"upgrade")]


def _until_close(request: h11.Request, response: h11.Response) -> bool:
    """True if the answer has no length and no chunking: its end is the connection's end."""
    if request.method == b"HEAD" or response.status_code in (204, 304):
        return False
    names = {k for k, _ in response.headers}
    return b"content-length" not in names and b"transfer-encoding" not in names
