"""The course registry through its front: each owner pushes, pulls and lists only its own repositories.

Two owners, each a real guard process serving a real unix user (as a grader slot's guard serves
``vmd-grader-N``); their kernels' own HTTP requests are made by processes running as those users.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import docker
import docker.errors
import pytest

from course.engine import client, remove_labelled
from course.grading import sandbox
from course.guard import registry_auth, start_guard
from course.images import BASE, image_ref
from course.lab import dockerfiles
from course.services import registry

USERS = ("vmd-test-rega", "vmd-test-regb")
#: Run as a learner's uid: one HTTP request to the registry, its status, headers and JSON (stdlib only).
HTTP = textwrap.dedent("""
    import json, sys, urllib.error, urllib.request
    method, url, auth = sys.argv[1], sys.argv[2], sys.argv[3]
    headers = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
    req = urllib.request.Request(url, method=method, headers={**headers, "Authorization": auth} if auth else headers)
    try:
        res = urllib.request.urlopen(req, timeout=20)
    except urllib.error.HTTPError as err:
        res = err
    body = res.read()
    print(json.dumps({"status": res.status, "headers": dict(res.headers),
                      "doc": json.loads(body) if body.strip().startswith(b"{") else None}))
""")
DOCKERFILE = f"FROM {image_ref(BASE)}\nLABEL test.registry=isolation\nCMD [\"echo\", \"mine\"]\n"


@pytest.fixture(scope="module")
def owners(engine):
    """Two owners: (guard, unix user) each; their images and pushes are removed afterwards."""
    address = registry.start_registry()
    made = []
    for name in USERS:
        entry = sandbox.ensure_account(name)
        owner = f"pytest-{name}"
        guard = start_guard(owner, session=os.environ["COURSE_SESSION"], registry_user=name)
        made.append((guard, entry, owner))
    yield address, [(g, e) for g, e, _ in made]
    for guard, entry, owner in made:
        guard.stop()
        remove_labelled(client(), owner=owner, images=True)
        registry.forget(entry.pw_name)


def http(entry, method: str, path: str, auth: str = "") -> dict:
    """A request to the registry front from a process of ``entry``'s uid (root for the root entry)."""
    out = subprocess.run(["/usr/bin/python3", "-I", "-c", HTTP, method, registry.url(path), auth],
                         user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def push(api: docker.DockerClient, repository: str, tag: str) -> list[dict]:
    lines = list(api.images.push(repository, tag=tag, stream=True, decode=True))
    assert not [line for line in lines if "error" in line], lines
    return lines


def test_another_owners_repository_is_unknown_to_pushes_pulls_and_lists(owners):
    address, ((guard_a, user_a), (guard_b, user_b)) = owners
    api_a, api_b = guard_a.client(), guard_b.client()
    repository = f"{address}/team/app"

    image_a, _ = dockerfiles.build(api_a, DOCKERFILE)
    image_a.tag(repository, "1")
    push(api_a, repository, "1")
    mine = http(user_a, "GET", "/v2/team/app/tags/list")
    assert mine["status"] == 200 and mine["doc"] == {"name": "team/app", "tags": ["1"]}
    assert "team/app" in http(user_a, "GET", "/v2/_catalog")["doc"]["repositories"]
    manifest = http(user_a, "GET", "/v2/team/app/manifests/1")
    assert manifest["status"] == 200
    config_digest = manifest["doc"]["config"]["digest"]

    # B: the same names, and A's real one in the storage, are unknown; the catalog has none of A's.
    with pytest.raises(docker.errors.NotFound, match="only their own repositories"):
        api_b.images.pull(repository, tag="1")
    for path in ("/v2/team/app/tags/list", "/v2/team/app/manifests/1", f"/v2/team/app/blobs/{config_digest}",
                 f"/v2/{registry_auth.prefix(user_a.pw_name)}/team/app/manifests/1"):
        answer = http(user_b, "GET", path)
        assert answer["status"] == 404, (path, answer)
    assert http(user_b, "GET", "/v2/_catalog")["doc"]["repositories"] == []
    # B cannot pass as A: a token it made up is ignored (B is who connects), and the real registry
    # behind the front is out of its reach.
    forged = f"Bearer {user_a.pw_name}.{'0' * 64}"
    assert http(user_b, "GET", "/v2/team/app/tags/list", forged)["status"] == 404
    connect = "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])"
    reach = subprocess.run(["/usr/bin/python3", "-I", "-c", connect, str(registry.BACKEND)], check=False,
                           user=user_b.pw_uid, group=user_b.pw_gid, extra_groups=[], capture_output=True, text=True)
    assert reach.returncode != 0 and "PermissionError" in reach.stderr

    # B pushes the same layers, to a name of its own: uploaded, never mounted from (so never naming) A's.
    image_b, _ = dockerfiles.build(api_b, DOCKERFILE)
    assert image_b.attrs["RootFS"] == image_a.attrs["RootFS"]
    image_b.tag(f"{address}/bteam/app", "1")
    lines = push(api_b, f"{address}/bteam/app", "1")
    said = json.dumps(lines)
    assert "Mounted from" not in said and "team/app" not in said.replace("bteam/app", "")
    assert http(user_b, "GET", "/v2/_catalog")["doc"]["repositories"] == ["bteam/app"]
    assert http(user_a, "GET", "/v2/_catalog")["doc"]["repositories"] == ["team/app"]

    # A still pulls its own image.
    api_a.images.remove(f"{repository}:1")
    assert api_a.images.pull(repository, tag="1").id == image_a.id

    # A slot's pushes go before its next submission.
    assert registry.forget(user_a.pw_name)
    assert http(user_a, "GET", "/v2/team/app/tags/list")["status"] == 404
    assert http(user_a, "GET", "/v2/_catalog")["doc"]["repositories"] == []


def test_root_is_challenged_only_by_tokens_the_guards_signed(owners):
    root = type("Root", (), {"pw_uid": 0, "pw_gid": 0})
    assert http(root, "GET", "/v2/")["status"] == 200  # root's own tools: no credentials needed
    forged = http(root, "GET", "/v2/_catalog", "Bearer vmd-test-rega." + "0" * 64)
    assert forged["status"] == 401 and "not issued" in forged["doc"]["errors"][0]["message"]
    signed = http(root, "GET", "/v2/_catalog", "Bearer " + registry_auth.token(USERS[1]))
    assert signed["status"] == 200 and signed["headers"].get(registry.registry_front.FRONT_HEADER) == "1"

