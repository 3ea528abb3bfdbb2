"""Volumes: local ones, the owner's own; driver options only for a tmpfs."""

from __future__ import annotations

import re
from typing import Any

from course.guard import jsonbody, schema
from course.guard.errors import refuse
from course.guard.resources.base import Forward, forced_labels
from course.guard.resources.filters import FilterHandlers
from course.guard.routes import Route
from course.guard.settings import Settings

#: Volume names the local driver accepts (and nothing that looks like a host path).
VOLUME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: ``o=`` items of a tmpfs volume; anything else (``bind``, ``rbind``...) is refused.
TMPFS_OPTION = re.compile(r"^(size=\d+[kmgKMG%]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmgKMG]?|"
                          r"noexec|nosuid|nodev|ro|rw)$")


def check_volume_create(body: dict, s: Settings) -> dict:
    """Local volumes only; driver options only for a tmpfs, which cannot mount a host path."""
    name = body.get("Name") or ""
    if name and not VOLUME_NAME.match(name):
        raise refuse(f"the volume name {name!r}", "names are letters, digits, '_', '.' and '-'", "")
    if (body.get("Driver") or "local") != "local":
        raise refuse(f"the volume driver {body['Driver']!r}", "only the local driver is allowed", "")
    opts = body.get("DriverOpts") or {}
    if opts and not _is_tmpfs(opts):
        raise refuse("those volume driver options", "local driver options can mount host paths or network "
                     "shares; only type=tmpfs,device=tmpfs with size/mode/uid/gid options is allowed",
                     "Create a plain volume (no options).")
    body.update(Driver="local", Labels=forced_labels(body.get("Labels"), s))
    return body


def _is_tmpfs(opts: dict) -> bool:
    if set(opts) - {"type", "device", "o"} or opts.get("type") != "tmpfs" or opts.get("device") != "tmpfs":
        return False
    return all(TMPFS_OPTION.match(item) for item in (opts.get("o") or "").split(",") if item)


class VolumeHandlers(FilterHandlers):
    """The volume endpoints: the owner's volumes only, names not taken from others."""

    async def volumes_list(self, route: Route, body: Any) -> Forward:
        return Forward(self._filtered(route))

    async def volumes_create(self, route: Route, body: Any) -> Forward:
        doc = check_volume_create(jsonbody.decode(body, schema.VOLUME_CREATE, empty_ok=True), self.s)
        if doc.get("Name"):
            existing = await self.up.get(f"/volumes/{doc['Name']}")
            if existing is not None and not self.own.mine(existing.get("Labels")):
                raise refuse(f"the volume name {doc['Name']!r}", "a volume that is not yours has it",
                             "Choose another name.", status=409)
        return Forward(route.target(), jsonbody.dumps(doc), json_body=True)

    async def volumes_inspect(self, route: Route, body: Any) -> Forward:
        await self.own.volume(route.params["id"])
        return Forward(route.target())

    volumes_remove = volumes_inspect
