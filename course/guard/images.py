"""Image names and build parameters: nothing is fetched from outside, no one else's tag is taken.

Images are shared on the engine, so three rules keep learners apart: an image
with another owner's label is invisible; tags are only given to names that are
free or already the owner's, outside the course's own ``vmdocker/`` namespace;
only the course registry on 127.0.0.1 is ever pulled from or pushed to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from course import config
from course.guard.errors import Refused, refuse
from course.guard.policy import ULIMITS, Needs, forced_labels
from course.guard.settings import Settings

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?)"
REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+:[0-9a-fA-F]{32,}))?$"
)
HUB = "docker.io"


@dataclass(frozen=True)
class Ref:
    """A parsed image reference, normalized as dockerd does (docker.io, library/)."""

    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}:{self.tag or 'latest'}"


def parse_ref(text: str) -> Ref | None:
    """Parse ``text`` like distribution/reference; None if it is not a reference."""
    m = REFERENCE.match(text or "")
    if not m or len(text) > 255:
        return None
    domain, path = m["domain"], m["path"]
    if domain and not ("." in domain or ":" in domain or domain == "localhost"):
        domain, path = None, f"{domain}/{path}"  # "user/repo": the first part is a path, not a host
    domain = domain or HUB
    if domain == HUB and "/" not in path:
        path = f"library/{path}"
    return Ref(domain, path, m["tag"], m["digest"])


def check_source(text: str, s: Settings, what: str) -> None:
    """An image the engine might fetch if missing: only Docker Hub names or the course registry."""
    ref = parse_ref(text)
    if ref is None:
        raise refuse(f"{what} {text!r}", "it is not an image reference", "")
    if ref.domain != HUB and ref.domain not in s.registry_hosts:
        raise refuse(f"{what} {text!r}", "images come from this machine only: no registry but the "
                     f"course's ({s.registry or 'none'}) is reached", "Use a local image such as vmdocker/base.")


def check_target(text: str, s: Settings) -> str:
    """A name the learner gives an image; returns it normalized for the ownership check."""
    ref = parse_ref(text)
    if ref is None or ref.digest:
        raise refuse(f"the tag {text!r}", "it is not a repository[:tag] name", "Use e.g. myapp:1.")
    if ref.domain != HUB and ref.domain not in s.registry_hosts:
        raise refuse(f"the tag {text!r}", f"only the course registry ({s.registry or 'none'}) may be named "
                     "in a tag", "Use a plain name such as myapp:1.")
    if ref.domain == HUB and ref.path.startswith(f"{config.IMAGE_NAMESPACE}/"):
        raise refuse(f"the tag {text!r}", f"{config.IMAGE_NAMESPACE}/ names the course's own images, which "
                     "everyone uses", "Use a name of your own, e.g. myapp:1.")
    return text if ref.tag else f"{text}:latest"


def _first(query: dict[str, list[str]], key: str) -> str:
    return (query.get(key) or [""])[0]


def _truthy(value: str) -> bool:
    """dockerd's ``httputils.BoolValue``."""
    return value.strip().lower() not in ("", "0", "no", "false", "none")


def _json(value: str, kind: type, what: str):
    try:
        parsed = json.loads(value) if value else kind()
    except ValueError:
        raise Refused(f"course guard could not read {what}: not JSON", 400) from None
    if not isinstance(parsed, kind):
        raise Refused(f"course guard could not read {what}: not a JSON {kind.__name__}", 400)
    return parsed


def check_build_query(query: dict[str, list[str]], s: Settings) -> tuple[dict[str, list[str]], Needs, dict]:
    """Check ``POST /build`` parameters; return the query to forward, what it names, the build args."""
    needs = Needs()
    if _first(query, "remote"):
        raise refuse("a remote build context", "the engine would download it from outside this machine",
                     "Send the build context from your notebook (path='.' or fileobj).")
    for key, what in (("platform", "a build platform"), ("cgroupparent", "a build cgroup parent"),
                      ("outputs", "build outputs"), ("session", "a BuildKit session")):
        if _first(query, key):
            raise refuse(what, "it is not needed in the course and can fetch or escape", "Leave it unset.")
    if _truthy(_first(query, "pull")):
        raise refuse("pull=True", "the engine would fetch base images from outside this machine",
                     "Build with pull=False from local images (FROM vmdocker/base).")
    if _first(query, "version") not in ("", "1"):
        raise refuse("BuildKit (version=2)", "the guard checks classic builds only", "Use the classic builder.")
    if _first(query, "isolation") not in ("", "default"):
        raise refuse("that build isolation", "only the default is allowed", "")
    if _first(query, "networkmode") not in ("", "default", "bridge", "none"):
        raise refuse(f"building with network {_first(query, 'networkmode')!r}", "build steps have no network",
                     "Leave network_mode unset.")
    for lim in _json(_first(query, "ulimits"), list, "ulimits"):
        if not isinstance(lim, dict) or lim.get("Name") not in ULIMITS:
            raise refuse("that build ulimit", f"only {sorted(ULIMITS)} are allowed", "")
    buildargs = _json(_first(query, "buildargs"), dict, "buildargs")
    labels = forced_labels(_json(_first(query, "labels"), dict, "labels"), s)
    for image in _json(_first(query, "cachefrom"), list, "cachefrom"):
        check_source(str(image), s, "the cache image")
        needs.images.add(str(image))
    needs.tags = {check_target(t, s) for t in query.get("t") or [] if t}
    out = {key: [_first(query, key)] for key in (
        "dockerfile", "q", "nocache", "rm", "forcerm", "cpushares", "cpusetcpus", "shmsize",
        "squash", "target", "extrahosts", "buildargs", "cachefrom", "ulimits") if _first(query, key)}
    out.update(_build_limits(query, s))
    out["t"] = [t for t in query.get("t") or [] if t]
    out["labels"] = [json.dumps(labels)]
    out["networkmode"] = ["none"]  # build steps never reach a network
    out["pull"] = ["0"]
    return out, needs, buildargs


def _build_limits(query: dict[str, list[str]], s: Settings) -> dict[str, list[str]]:
    """Build steps get the container caps too (dockerd has no pids limit for them; memory bounds a bomb)."""
    lim = s.limits

    def number(key: str) -> int:
        text = _first(query, key)
        if text and not re.fullmatch(r"-?\d+", text):
            raise Refused(f"course guard could not read {key}={text!r}: not a number", 400)
        return int(text or 0)

    memory = number("memory")
    memory = memory if 0 < memory <= lim.memory else lim.memory
    period = number("cpuperiod") or 100_000
    quota = number("cpuquota")
    cap = lim.nano_cpus * period // 1_000_000_000
    return {"memory": [str(memory)], "memswap": [str(memory)], "cpuperiod": [str(period)],
            "cpuquota": [str(quota if 0 < quota <= cap else cap)]}
