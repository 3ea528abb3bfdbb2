"""The grading queue's broker: Debian's redis-server on 127.0.0.1:6390, the course's own.

Its own config, data directory and password in the course's cache; started in the
background and stopped only by the pid it recorded, never as a system service. The
queue survives a restart: the append-only file is written on every change, so tasks
waiting (and those delivered but not yet acknowledged) are there again when it comes back.

A password is set because graded kernels run on this machine too: without it any local
user (a sandboxed kernel) could reach the queue on loopback and forge a result.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from course import config
from course.system import apt, process
from course.system.secret import private_token

PACKAGES = ["redis-server"]
PROGRAM = "/usr/bin/redis-server"


class BrokerUnavailable(RuntimeError):
    """The course's broker does not answer and could not be started."""


@dataclass(frozen=True)
class Broker:
    """One redis-server the course runs: where it listens and keeps its state."""

    port: int = 6390
    state: Path = config.CACHE / "broker"

    @property
    def pidfile(self) -> Path:
        return self.state / "redis.pid"

    @property
    def log(self) -> Path:
        return self.state / "redis.log"

    @property
    def secret(self) -> Path:
        return self.state / "password"

    def password(self) -> str:
        """The broker's password, made once (a private file: root only)."""
        return private_token(self.secret)

    @property
    def url(self) -> str:
        """What Celery (hosts and the writer) connect to."""
        return f"redis://:{self.password()}@127.0.0.1:{self.port}/0"

    def config_text(self) -> str:
        return (
            f"bind 127.0.0.1\nport {self.port}\nprotected-mode yes\ndaemonize no\n"
            f"dir {self.state / 'data'}\nappendonly yes\nappendfsync always\n"
            f'save ""\nrequirepass {self.password()}\nlogfile ""\n'
        )


DEFAULT = Broker()


def answers(broker: Broker = DEFAULT, timeout: float = 1.0) -> bool:
    """True if the broker answers PING with its password."""
    try:
        with socket.create_connection(("127.0.0.1", broker.port), timeout=timeout) as conn:
            conn.sendall(f"AUTH {broker.password()}\r\nPING\r\n".encode())
            reply = b""
            while b"PONG" not in reply and len(reply) < 200:
                chunk = conn.recv(200)
                if not chunk:
                    break
                reply += chunk
            return b"+OK" in reply and b"+PONG" in reply
    except OSError:
        return False


def start_broker(broker: Broker = DEFAULT, wait: float = 30.0) -> str:
    """The broker's URL, starting the course's redis-server first if it does not answer."""
    if answers(broker):
        return broker.url
    if process.recorded_pid(broker.pidfile) is None:
        if not shutil.which(PROGRAM) and not Path(PROGRAM).exists():
            apt.ensure_packages(PACKAGES)
        (broker.state / "data").mkdir(parents=True, exist_ok=True)
        conf = broker.state / "redis.conf"
        conf.touch(mode=0o600)
        conf.write_text(broker.config_text())
        os.chmod(broker.state, 0o700)
        process.start_background([PROGRAM, str(conf)], broker.log, broker.pidfile)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if answers(broker):
            return broker.url
        if process.recorded_pid(broker.pidfile) is None:
            break
        time.sleep(0.1)
    raise BrokerUnavailable(f"the course's redis-server did not answer on 127.0.0.1:{broker.port} within "
                            f"{wait:.0f} s. Last lines of {broker.log}:\n" + process.log_tail(broker.log))


def stop_broker(broker: Broker = DEFAULT) -> bool:
    """Stop the redis-server the course started (by its recorded pid); False if none ran."""
    return process.stop_recorded(broker.pidfile, timeout=20.0)
