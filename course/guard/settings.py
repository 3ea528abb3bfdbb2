"""What one guard enforces: its owner, the limits it caps containers to, its network."""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass, field

from course import config

#: Owner ids end up in network names and labels, so they are kept simple.
OWNER_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
#: Label on containers: the ports the guard publishes for them (dockerd cannot on internal networks).
LABEL_PORTS = "edu.vmdocker.guard.ports"
#: Label on the network the guard creates for its owner.
LABEL_ROLE = "edu.vmdocker.guard.role"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on every container: a learner may ask for less, never for more."""

    memory: int = 256 * MiB
    pids: int = 256
    nano_cpus: int = 1_000_000_000
    #: Largest body the guard buffers to inspect (build contexts, image archives).
    upload: int = 1024 * MiB


@dataclass(frozen=True)
class Settings:
    """One guard: the owner it speaks for, the labels it forces, the registry it allows."""

    owner: str
    session: str | None = None
    limits: Limits = field(default_factory=Limits)
    #: The only registry images may be pushed to or pulled from (on this machine), or None.
    registry: str | None = config.REGISTRY
    #: The unix user whose registry namespace pushes and pulls use: the user the owner's kernels
    #: run as (their own HTTP requests to the registry are that user's). None: the guard's own user.
    registry_user: str | None = None

    def __post_init__(self) -> None:
        if not OWNER_RE.match(self.owner):
            raise ValueError(f"owner id {self.owner!r} must match {OWNER_RE.pattern}")

    @property
    def network(self) -> str:
        """The owner's internal network: where containers asking for the default bridge go."""
        return f"vmdocker-guard-{self.owner}"

    @property
    def labels(self) -> dict[str, str]:
        """Labels forced on everything created through this guard."""
        return config.course_labels(self.session, self.owner)

    @property
    def owner_filter(self) -> str:
        """The ``label`` filter that selects this owner's objects."""
        return f"{config.LABEL_OWNER}={self.owner}"

    @property
    def registry_hosts(self) -> set[str]:
        """Spellings of the allowed registry (127.0.0.1:PORT and localhost:PORT)."""
        if not self.registry:
            return set()
        port = self.registry.rsplit(":", 1)[-1]
        return {self.registry, f"127.0.0.1:{port}", f"localhost:{port}"}

    @property
    def registry_identity(self) -> str:
        """Whose registry namespace this guard's pushes and pulls are in."""
        return self.registry_user or pwd.getpwuid(os.geteuid()).pw_name

    @property
    def registry_port(self) -> int | None:
        return int(self.registry.rsplit(":", 1)[-1]) if self.registry else None
