"""Networks, volumes and list filters a learner may create or use: pure checks and rewrites."""

from __future__ import annotations

import json
import re

from course.guard.errors import Refused, refuse
from course.guard.policy import OBJECT_NAME, VOLUME_NAME, forced_labels
from course.guard.settings import Settings

#: Bridge options that only tune the network (no interface names, no NAT or binding changes).
NETWORK_OPTIONS = {"com.docker.network.bridge.enable_icc", "com.docker.network.driver.mtu"}
#: ``o=`` items of a tmpfs volume; anything else (``bind``, ``rbind``...) is refused.
TMPFS_OPTION = re.compile(r"^(size=\d+[kmgKMG%]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmgKMG]?|"
                          r"noexec|nosuid|nodev|ro|rw)$")


def check_network_create(body: dict, s: Settings) -> dict:
    """Every learner network is an ``internal`` bridge (no route out), labelled, uniquely named."""
    name = body.get("Name") or ""
    if not OBJECT_NAME.match(name) or len(name) > 64:
        raise refuse(f"the network name {name!r}", "names are letters, digits, '_', '.' and '-'", "")
    if (body.get("Driver") or "bridge") != "bridge":
        raise refuse(f"the network driver {body['Driver']!r}", "only local bridge networks are allowed",
                     "Leave the driver unset.")
    for flag in ("EnableIPv6", "Attachable", "Ingress", "ConfigOnly"):
        if body.get(flag):
            raise refuse(f"{flag} networks", "they are not part of the course", f"Leave {flag} unset.")
    if body.get("ConfigFrom") or (body.get("Scope") or "local") != "local":
        raise refuse("that network scope or ConfigFrom", "only local networks are allowed", "")
    ipam = body.get("IPAM") or {}
    if (ipam.get("Driver") or "default") != "default" or ipam.get("Config") or ipam.get("Options"):
        raise refuse("custom IPAM (subnets, gateways)", "a chosen subnet can take over the host's own "
                     "routes", "Let the engine pick the subnet.")
    extra = set(body.get("Options") or {}) - NETWORK_OPTIONS
    if extra:
        raise refuse(f"the network options {sorted(extra)}", f"only {sorted(NETWORK_OPTIONS)} are allowed", "")
    body.update(Driver="bridge", Internal=True, CheckDuplicate=True, Labels=forced_labels(body.get("Labels"), s))
    return body


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


def force_filters(raw: str | None, label: str) -> str:
    """A ``filters`` query value with ``label=<owner>`` added (dockerd ANDs label filters)."""
    fields = parse_filters(raw)
    fields.setdefault("label", {})[label] = True
    return dump_filters(fields)


def parse_filters(raw: str | None) -> dict[str, dict[str, bool]]:
    """A ``filters`` query value read as dockerd's ``filters.FromJSON`` does.

    ``{"key": {"value": true}}`` or the legacy ``{"key": ["value"]}``; anything else is
    refused rather than guessed.
    """
    fields: dict[str, dict[str, bool]] = {}
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise Refused(f"course guard could not read the filters {raw!r}: not JSON", 400) from None
        if not isinstance(parsed, dict):
            raise Refused("course guard could not read the filters: not a JSON object", 400)
        for key, values in parsed.items():
            as_list = isinstance(values, list) and all(isinstance(v, str) for v in values)
            as_map = isinstance(values, dict) and all(isinstance(v, bool) for v in values.values())
            if not (as_list or as_map):
                raise Refused(f"course guard could not read the filter {key!r}", 400)
            fields[key] = {v: True for v in values}
    return fields


def dump_filters(fields: dict[str, dict[str, bool]]) -> str:
    return json.dumps(fields, separators=(",", ":"))
