"""The serial console as the host sees it: a log that grows, and lines sent in.

QEMU's first serial port is wired to its stdin/stdout pipes. A reader thread appends
everything the guest prints to one log (kernel messages, the ready marker, command
output), so the full console stays available and waiters never miss a byte.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import IO

from course.vm import initramfs


class ConsoleClosed(Exception):
    """The other end (QEMU) closed the serial pipe."""


class SerialConsole:
    """Reads QEMU's serial output into a log; sends lines to the guest."""

    def __init__(self, out: IO[bytes], inp: IO[bytes]):
        self._out, self._in = out, inp
        self._log = bytearray()
        self._cond = threading.Condition()
        self.closed = False
        self._thread = threading.Thread(target=self._pump, name="vm-serial", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        fd = self._out.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self.closed = True
                    self._cond.notify_all()
                    self._out.close()
                    return
                self._log += chunk
                self._cond.notify_all()

    @property
    def log(self) -> str:
        """Everything the guest printed so far."""
        with self._cond:
            return self._log.decode(errors="replace")

    def size(self) -> int:
        with self._cond:
            return len(self._log)

    def wait_for(self, pattern: re.Pattern[bytes], start: int, deadline: float) -> re.Match[bytes] | None:
        """First match of ``pattern`` in the log at or after ``start``; None at ``deadline``.

        Raises ConsoleClosed if the pipe closes before a match.
        """
        with self._cond:
            while True:
                m = pattern.search(self._log, start)
                if m:
                    return m
                if self.closed:
                    raise ConsoleClosed()
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.5))

    def send_line(self, line: str) -> None:
        try:
            self._in.write(line.encode() + b"\n")
            self._in.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise ConsoleClosed() from exc

    def join(self, timeout: float = 2.0) -> None:
        self._thread.join(timeout)


@dataclass(frozen=True)
class CommandResult:
    """What a guest command printed (stdout and stderr together) and its exit status."""

    command: str
    output: str
    exit_code: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def __str__(self) -> str:
        return self.output


def command_line(command: str) -> tuple[str, str]:
    """A fresh nonce and the line that asks the guest's /init to run ``command``."""
    nonce = secrets.token_hex(6)
    return nonce, f"{nonce} {base64.b64encode(command.encode()).decode()}"


def frame_pattern(nonce: str) -> re.Pattern[bytes]:
    """Matches one framed result: BEGIN, the output, END with the exit status."""
    begin, end = re.escape(f"{initramfs.BEGIN} {nonce}@@\n"), re.escape(f"\n{initramfs.END} {nonce} ")
    return re.compile(begin.encode() + rb"(.*?)" + end.encode() + rb"(-?\d+)@@", re.DOTALL)
