"""Whose is it? Lookups on the engine that decide what an owner may see and touch.

Containers, networks and volumes are the owner's when they carry its owner label;
anything else answers like an absent object (404), so owners cannot even probe
each other's names. Container names are the owner's own (:mod:`course.guard.names`):
``web`` is looked up as ``web--<owner>`` first. Images are shared: those without an
owner label (the course's) are visible to all, those with one only to that owner.
"""

from __future__ import annotations

from course import config
from course.guard.errors import Refused, not_found, refuse
from course.guard.names import Names, renamed_aliases
from course.guard.resources.base import Needs
from course.guard.resources.images import check_target
from course.guard.settings import LABEL_ROLE, Settings
from course.guard.upstream import Upstream


class Ownership:
    """Ownership checks for one owner, against one engine."""

    def __init__(self, upstream: Upstream, settings: Settings) -> None:
        self.up = upstream
        self.s = settings
        self.names = Names(settings.owner)

    def mine(self, labels: dict | None) -> bool:
        return (labels or {}).get(config.LABEL_OWNER) == self.s.owner

    def visible(self, labels: dict | None) -> bool:
        """Images: shared (no owner label) or the owner's."""
        owner = (labels or {}).get(config.LABEL_OWNER)
        return owner is None or owner == self.s.owner

    async def container(self, ref: str) -> dict:
        """The owner's container ``ref``: its id, id prefix, or the name the learner gave it."""
        for candidate in self.names.candidates(ref):
            doc = await self.up.get(f"/containers/{candidate}/json")
            if doc and self.mine((doc.get("Config") or {}).get("Labels")):
                return doc
        raise not_found("container", ref)

    async def realias(self, cid: str, old: str | None, new: str) -> None:
        """On a container that is not running: its networks alias the learner's ``new`` name, not ``old``.

        Done after a rename, and on start if an alias is missing. A running container keeps
        its endpoints (reconnecting would cut its connections): after renaming it, the old
        name keeps resolving, and the new one resolves once it is stopped and started again.
        """
        doc = await self.up.get(f"/containers/{cid}/json")
        if not doc or (doc.get("State") or {}).get("Status") not in ("created", "exited"):
            return
        for net, ep in ((doc.get("NetworkSettings") or {}).get("Networks") or {}).items():
            aliases = renamed_aliases((ep or {}).get("Aliases"), old, new)
            if net == "none" or aliases == (ep or {}).get("Aliases"):
                continue
            kept = {k: v for k, v in (ep or {}).items() if k in ("IPAMConfig",) and v}
            await self.up.call("POST", f"/networks/{net}/disconnect", body={"Container": cid, "Force": True})
            status, _ = await self.up.call("POST", f"/networks/{net}/connect", body={
                "Container": cid, "EndpointConfig": {**kept, "Aliases": aliases}})
            if status >= 300:  # put the endpoint back as it was
                await self.up.call("POST", f"/networks/{net}/connect", body={
                    "Container": cid, "EndpointConfig": {**kept, "Aliases": (ep or {}).get("Aliases")}})

    async def exec(self, exec_id: str) -> dict:
        doc = await self.up.get(f"/exec/{exec_id}/json")
        if not doc:
            raise not_found("exec instance", exec_id)
        try:
            await self.container(doc.get("ContainerID") or "-")
        except Refused:
            raise not_found("exec instance", exec_id) from None
        return doc

    async def network(self, ref: str) -> dict:
        doc = await self.up.get(f"/networks/{ref}")
        if not doc or not self.mine(doc.get("Labels")):
            raise not_found("network", ref)
        return doc

    async def volume(self, name: str) -> dict:
        doc = await self.up.get(f"/volumes/{name}")
        if not doc or not self.mine(doc.get("Labels")):
            raise not_found("volume", name)
        return doc

    async def image(self, ref: str) -> dict:
        doc = await self.up.get(f"/images/{ref}/json")
        if not doc or not self.visible((doc.get("Config") or {}).get("Labels")):
            raise not_found("image", ref)
        return doc

    async def tag_is_free(self, ref: str) -> None:
        """A name may be (re)given only if it names nothing yet, or one of the owner's images."""
        doc = await self.up.get(f"/images/{ref}/json")
        if doc and not self.mine((doc.get("Config") or {}).get("Labels")):
            raise refuse(f"the tag {ref!r}", "it already names an image that is not yours (it may be "
                         "the course's or another learner's)", "Choose another name.")

    async def ensure_volume(self, name: str) -> None:
        """A named volume the owner mounts: created (labelled) if missing, refused if someone else's."""
        doc = await self.up.get(f"/volumes/{name}")
        if doc is None:
            _, doc = await self.up.call("POST", "/volumes/create", body={
                "Name": name, "Driver": "local", "Labels": self.s.labels})
        if not self.mine((doc or {}).get("Labels")):
            raise refuse(f"the volume {name!r}", "that name belongs to a volume that is not yours",
                         "Choose another volume name.")

    async def ensure_network(self) -> None:
        """The owner's default network: an internal bridge, created on first use."""
        for _ in range(2):
            doc = await self.up.get(f"/networks/{self.s.network}")
            if doc is not None:
                if not self.mine(doc.get("Labels")) or not doc.get("Internal"):
                    raise Refused(f"course guard: the network {self.s.network} exists but is not this "
                                  "owner's internal network; ask your teacher", 409)
                return
            status, _ = await self.up.call("POST", "/networks/create", body={
                "Name": self.s.network, "Driver": "bridge", "Internal": True, "CheckDuplicate": True,
                "Labels": {**self.s.labels, LABEL_ROLE: "default"}})
            if status < 300:
                return
        raise Refused(f"course guard could not create the network {self.s.network}", 500)

    async def check(self, needs: Needs) -> None:
        """Everything a request names is the owner's (volumes are created if missing)."""
        for ref in sorted(needs.images):
            await self.image(ref)
        for name in sorted(needs.networks):
            await self.network(name)
        for name in sorted(needs.volumes):
            await self.ensure_volume(name)
        for ref in sorted(needs.tags):
            await self.tag_is_free(check_target(ref, self.s))
