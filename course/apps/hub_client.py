"""A student at the class server, driven through the hub's REST API (the benchmark, the class test).

:class:`Student` asks the hub (with the course's admin token) for a token of the student's own,
starts their server, and runs code in a kernel of that server over Jupyter's kernel websocket,
as the lab does: what runs, runs as the student, in their view, behind their guard.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from course.services.hub import Hub


class CellError(RuntimeError):
    """A cell raised: the message is its traceback's last line."""


@dataclass
class Student:
    """One hub user seen from outside: their token, their server, a kernel."""

    hub: Hub
    name: str
    token: str = ""
    kernel: str = ""
    outputs: list[str] = field(default_factory=list)

    def login(self) -> Student:
        """Make the hub user (if new) and a token of their own, as a login does."""
        try:
            self.hub.api(f"users/{self.name}", "POST")
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # 409: the user exists
                raise
        self.token = self.hub.api(f"users/{self.name}/tokens", "POST", {"note": "course client",
                                                                        "expires_in": 3600})["token"]
        return self

    def start(self, lang: str | None = None) -> None:
        """Ask the hub to start the student's server (returns at once; :meth:`wait_ready` waits), in the
        edition of ``lang`` if given (the options form's choice)."""
        try:
            self.hub.api(f"users/{self.name}/server", "POST", None if lang is None else {"lang": lang},
                         token=self.token, timeout=180)
        except urllib.error.HTTPError as exc:
            if exc.code != 400:  # 400: already running
                raise

    def ready(self) -> bool:
        server = self.hub.api(f"users/{self.name}")["servers"].get("")
        return bool(server and server.get("ready"))

    def stopped(self) -> bool:
        """The hub has no server of the student's, nor one starting or stopping."""
        user = self.hub.api(f"users/{self.name}")
        return not user["servers"] and not user.get("pending")

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Seconds until the hub says the server is ready."""
        t0 = time.monotonic()
        while not self.ready():
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"{self.name}'s server was not ready within {timeout:.0f} s")
            time.sleep(0.5)
        return time.monotonic() - t0

    def stop(self) -> None:
        try:
            self.hub.api(f"users/{self.name}/server", "DELETE", timeout=120)
        except urllib.error.HTTPError as exc:
            if exc.code != 400:
                raise

    @property
    def base(self) -> str:
        return f"{self.hub.url}user/{self.name}/"

    def server_api(self, path: str, method: str = "GET", body: object | None = None, timeout: float = 60) -> object:
        """Call the student's server's ``/api/<path>`` as the student."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as res:
            text = res.read()
        return json.loads(text) if text else None

    def start_kernel(self) -> str:
        self.kernel = self.server_api("kernels", "POST", {"name": "python3"})["id"]
        return self.kernel

    def run(self, code: str, timeout: float = 300.0) -> str:
        """Run ``code`` in the student's kernel; its printed output. ``CellError`` if it raised."""
        return self.run_all([code], timeout)[0]

    def run_all(self, cells: list[str], timeout: float = 900.0) -> list[str]:
        """Run cells in order (Run All), stopping at the first that raises.

        In a thread of its own: the caller may be inside an event loop (Playwright's sync API runs one).
        """
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._run(cells, timeout)).result()

    async def _run(self, cells: list[str], timeout: float) -> list[str]:
        if not self.kernel:
            self.start_kernel()
        url = f"{self.base.replace('http', 'ws', 1)}api/kernels/{self.kernel}/channels"
        conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {self.token}"},
                                                   connect_timeout=60))
        try:
            return [await asyncio.wait_for(_execute(conn, code), timeout) for code in cells]
        finally:
            conn.close()


async def _execute(conn, code: str) -> str:
    msg_id = uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": uuid.uuid4().hex,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out: list[str] = []
    error = None
    idle = replied = False
    while not (idle and replied):
        raw = await conn.read_message()
        if raw is None:
            raise ConnectionError("the kernel's websocket closed")
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            out.append(content.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
        elif kind == "execute_reply":
            replied = True
    if error:
        raise CellError(error)
    return "".join(out)
