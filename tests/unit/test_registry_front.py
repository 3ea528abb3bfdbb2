"""The registry front's policy: names mapped into the caller's namespace, tokens, who is asking."""

from __future__ import annotations

import pytest

from course.guard import registry_auth
from course.services import registry_front as front
from course.services.registry_front import Denied, map_target

KEY = b"k" * 32
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(("method", "target", "mapped", "kind"), [
    ("GET", "/v2/team/app/manifests/1", "/v2/alice/team/app/manifests/1", None),
    ("HEAD", f"/v2/app/manifests/{DIGEST}", f"/v2/alice/app/manifests/{DIGEST}", None),
    ("GET", f"/v2/app/blobs/{DIGEST}", f"/v2/alice/app/blobs/{DIGEST}", None),
    ("GET", "/v2/team/app/tags/list?n=10", "/v2/alice/team/app/tags/list?n=10", "tags"),
    ("POST", "/v2/app/blobs/uploads/", "/v2/alice/app/blobs/uploads/", None),
    ("PATCH", "/v2/app/blobs/uploads/3f1c-9a?_state=xyz%3D", "/v2/alice/app/blobs/uploads/3f1c-9a?_state=xyz%3D",
     None),
    ("GET", "/v2/", "/v2/", None),
    ("GET", "/v2/_catalog?n=5", "/v2/_catalog?n=5", "catalog"),
])
def test_names_are_mapped_into_the_callers_namespace(method, target, mapped, kind):
    assert map_target(method, target, "alice") == front.Mapped(mapped, kind)


def test_cross_repository_mounts_are_stripped():
    """dockerd offers to mount a blob from a repository it pushed before, maybe another learner's."""
    got = map_target("POST", f"/v2/app/blobs/uploads/?mount={DIGEST}&from=grade-x-images-bob/hello", "alice")
    assert got.target == "/v2/alice/app/blobs/uploads/"
    kept = map_target("POST", f"/v2/app/blobs/uploads/?digest={DIGEST}", "alice")  # a monolithic upload
    assert kept.target == f"/v2/alice/app/blobs/uploads/?digest={DIGEST.replace(':', '%3A')}"


@pytest.mark.parametrize("target", [
    "/v2/../bob/app/manifests/1", "/v2/alice/../bob/app/tags/list", "/v2/%2e%2e/bob/app/tags/list",
    "/v2/app/manifests/../../bob/x", "http://127.0.0.1:5000/v2/app/tags/list", "/v2//app/tags/list",
    "/v2/App/tags/list", "/v2/app/blobs/uploads/../x", "/v1/_ping", "/token", "/v2/app/_manifests/tags",
    "/v2/_catalog/../bob", "/v2/app/tags/list/",
])
def test_targets_outside_the_api_grammar_are_refused(target):
    with pytest.raises(Denied) as denied:
        map_target("GET", target, "alice")
    assert denied.value.status in (400, 404)


def test_answers_show_the_callers_names_only():
    assert front.unmap({"name": "alice/team/app", "tags": ["1"]}, "alice") == {"name": "team/app", "tags": ["1"]}
    error = {"errors": [{"code": "NAME_UNKNOWN", "detail": {"name": "alice/x"}, "message": "repository name not "
                         "known to registry"}]}
    doc = front.explain_errors(front.unmap(error, "alice"))
    assert doc["errors"][0]["detail"] == {"name": "x"} and "only their own repositories" in doc["errors"][0]["message"]
    assert front.unmap("alice-2/x", "alice") == "alice-2/x"
    location = "http://127.0.0.1:5000/v2/alice/app/blobs/uploads/u1?_state=s"
    assert front.unmap_location(location, "alice") == "http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=s"
    assert front.unmap_location("/v2/alice/app/blobs/u", "alice") == "/v2/app/blobs/u"


def test_the_catalog_lists_the_callers_own_repositories():
    every = ["alice/a", "alice/team/b", "vmd-grader-1/x", "vmd-grader-10/y", "vmd-grader-1x/z", "bob/a"]
    assert front.own_catalog(every, "alice") == (["a", "team/b"], False)
    assert front.own_catalog(every, "vmd-grader-1") == (["x"], False)
    assert front.own_catalog(every, "alice", n=1) == (["a"], True)
    assert front.own_catalog(every, "alice", n=1, last="a") == (["team/b"], False)
    assert front.own_catalog(every, "carol") == ([], False)


def test_tokens_are_signed_per_user():
    token = registry_auth.token("vmd-grader-1", KEY)
    assert registry_auth.user_of(token, KEY) == "vmd-grader-1"
    assert registry_auth.user_of(token, b"other" * 8) is None
    forged = "vmd-grader-2." + token.rpartition(".")[2]
    assert registry_auth.user_of(forged, KEY) is None
    assert registry_auth.user_of("no-signature", KEY) is None and registry_auth.user_of(".abc", KEY) is None
    name, value = registry_auth.auth_header("vmd-grader-1", KEY)
    import base64
    import json

    assert name == b"x-registry-auth" and json.loads(base64.urlsafe_b64decode(value)) == {"registrytoken": token}


def test_who_is_asking():
    token = registry_auth.token("alice", KEY)
    # A learner is the uid that connected, whatever token it sends.
    assert front.identify(0, {}, KEY) == "root"
    assert front.identify(0, {b"authorization": f"Bearer {token}".encode()}, KEY) == "alice"
    with pytest.raises(Denied) as denied:
        front.identify(0, {b"authorization": b"Bearer alice." + b"0" * 64}, KEY)
    assert denied.value.status == 401
    nobody = front.user_name(65534)
    assert front.identify(65534, {b"authorization": f"Bearer {token}".encode()}, KEY) == nobody


def test_prefixes_are_components_and_never_collide():
    assert registry_auth.prefix("vmd-grader-3") == "vmd-grader-3"
    odd = [registry_auth.prefix(u) for u in ("a.b", "A", "a_b$", "x" * 70)]
    assert all(registry_auth.COMPONENT.match(p) for p in odd)
    assert registry_auth.prefix("a_b$") != registry_auth.prefix("a-b$")


def test_peer_uid_reads_the_connection_table(tmp_path):
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
        "   1: 0100007F:D431 0100007F:1388 01 00000000:00000000 00:00000000 00000000  1001        0 2 1\n"
        "   2: 0100007F:1388 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1\n")
    assert front.peer_uid(("127.0.0.1", 0xD431), ("127.0.0.1", 5000), str(table)) == 1001
    assert front.peer_uid(("127.0.0.1", 0xD432), ("127.0.0.1", 5000), str(table)) is None
