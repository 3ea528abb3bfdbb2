"""The guard's route table (course.guard.routes): which (method, target) pairs reach a handler, with
which parameters, and what is forwarded. No engine: routes.match is called directly."""

from __future__ import annotations

import pytest

from course.guard import routes
from course.guard.errors import Refused
from course.guard.handlers import Handlers, body_kind

NOT_LISTED = "this part of the Docker API is not needed in the course and is not on the guard's allow-list"


def refusal(method: str, target: str) -> Refused:
    with pytest.raises(Refused) as err:
        routes.match(method, target)
    return err.value


@pytest.mark.parametrize("method, path, endpoint, params", [
    ("GET", "/_ping", "ping", {}),
    ("HEAD", "/_ping", "ping", {}),
    ("GET", "/version", "plain", {}),
    ("GET", "/info", "plain", {}),
    ("GET", "/events", "events", {}),
    ("GET", "/containers/json", "containers.list", {}),
    ("POST", "/containers/create", "containers.create", {}),
    ("POST", "/containers/prune", "prune", {}),
    ("GET", "/containers/web/json", "containers.inspect", {"id": "web"}),
    ("GET", "/containers/web/logs", "containers.op", {"id": "web"}),
    ("GET", "/containers/web/stats", "containers.op", {"id": "web"}),
    ("GET", "/containers/web/top", "containers.op", {"id": "web"}),
    ("GET", "/containers/web/changes", "containers.op", {"id": "web"}),
    ("GET", "/containers/web/export", "containers.op", {"id": "web"}),
    ("HEAD", "/containers/web/archive", "containers.op", {"id": "web"}),
    ("PUT", "/containers/web/archive", "containers.op", {"id": "web"}),
    ("POST", "/containers/web/start", "containers.start", {"id": "web"}),
    ("POST", "/containers/web/stop", "containers.op", {"id": "web"}),
    ("POST", "/containers/web/wait", "containers.op", {"id": "web"}),
    ("POST", "/containers/web/rename", "containers.rename", {"id": "web"}),
    ("POST", "/containers/web/attach", "containers.attach", {"id": "web"}),
    ("GET", "/containers/web/attach/ws", "containers.attach", {"id": "web"}),
    ("POST", "/containers/web/update", "containers.update", {"id": "web"}),
    ("POST", "/containers/web/exec", "containers.exec", {"id": "web"}),
    ("DELETE", "/containers/web", "containers.remove", {"id": "web"}),
    ("POST", "/exec/e1/start", "exec.start", {"id": "e1"}),
    ("POST", "/exec/e1/resize", "exec.op", {"id": "e1"}),
    ("GET", "/exec/e1/json", "exec.op", {"id": "e1"}),
    ("GET", "/images/json", "images.list", {}),
    ("GET", "/images/get", "images.save", {}),
    ("GET", "/images/vmdocker/base:latest/json", "images.read", {"name": "vmdocker/base:latest"}),
    ("GET", "/images/sha256:abc/history", "images.read", {"name": "sha256:abc"}),
    ("GET", "/images/mine/get", "images.read", {"name": "mine"}),
    ("POST", "/images/load", "images.load", {}),
    ("POST", "/images/create", "images.pull", {}),
    ("POST", "/images/127.0.0.1:5000/x:1/push", "images.push", {"name": "127.0.0.1:5000/x:1"}),
    ("POST", "/images/mine:1/tag", "images.tag", {"name": "mine:1"}),
    ("POST", "/images/prune", "images.prune", {}),
    ("DELETE", "/images/mine:1", "images.remove", {"name": "mine:1"}),
    ("POST", "/build", "build", {}),
    ("GET", "/networks", "networks.list", {}),
    ("GET", "/networks/", "networks.list", {}),
    ("POST", "/networks/create", "networks.create", {}),
    ("POST", "/networks/prune", "prune", {}),
    ("GET", "/networks/n1", "networks.inspect", {"id": "n1"}),
    ("POST", "/networks/n1/connect", "networks.connect", {"id": "n1"}),
    ("POST", "/networks/n1/disconnect", "networks.disconnect", {"id": "n1"}),
    ("DELETE", "/networks/n1", "networks.remove", {"id": "n1"}),
    ("GET", "/volumes", "volumes.list", {}),
    ("POST", "/volumes/create", "volumes.create", {}),
    ("POST", "/volumes/prune", "prune", {}),
    ("GET", "/volumes/v1", "volumes.inspect", {"id": "v1"}),
    ("DELETE", "/volumes/v1", "volumes.remove", {"id": "v1"}),
    ("GET", "/plugins/web/json", "plugins.inspect", {"name": "web"}),
])
@pytest.mark.parametrize("prefix", ["", "/v1.41"])
def test_every_listed_route_reaches_its_handler_versioned_or_not(method, path, endpoint, params, prefix):
    route = routes.match(method, prefix + path)
    assert (route.method, route.endpoint, route.params, route.path) == (method, endpoint, params, path)
    assert route.version == prefix.removeprefix("/v")
    assert route.target() == prefix + path and route.query == {}
    assert callable(getattr(Handlers, endpoint.replace(".", "_")))  # dispatch finds a handler for it


def test_the_version_is_kept_and_paths_are_rebuilt_from_what_matched():
    route = routes.match("GET", "/v1.41/containers/web/json?size=1")
    assert route.kind == "containers"
    assert route.target(path="/containers/" + "f" * 64 + "/json") == "/v1.41/containers/" + "f" * 64 + "/json?size=1"
    assert route.target(query={}) == "/v1.41/containers/web/json"
    assert route.target(query={"x": ["a b"], "y": ["\u00e9", "2"]}) == "/v1.41/containers/web/json?x=a+b&y=%C3%A9&y=2"
    assert routes.match("GET", "/v1.40/version").version == "1.40"
    assert routes.match("GET", "/v2.0/version").version == "2.0"


@pytest.mark.parametrize("method, target", [
    ("POST", "/_ping"), ("GET", "/containers/web"), ("POST", "/containers/web"), ("GET", "/containers/create"),
    ("DELETE", "/containers/web/json"), ("PUT", "/containers/web/logs"), ("GET", "/containers/json/"),
    ("get", "/version"), ("GET", "/VERSION"), ("POST", "/exec/e1/json"), ("GET", "/volumes/v1/json"),
    ("GET", "/swarm"), ("POST", "/swarm/init"), ("GET", "/plugins"), ("GET", "/system/df"), ("POST", "/session"),
    ("GET", "/services"), ("GET", "/secrets"), ("GET", "/nodes"), ("GET", "/distribution/alpine/json"),
    ("POST", "/auth"), ("POST", "/containers/web/copy"), ("POST", "/containers/web/checkpoints"),
    ("GET", "/images/search"), ("POST", "/commit"), ("GET", "/v1.41/images/search?term=x"),
])
def test_what_is_not_listed_is_refused(method, target):
    err = refusal(method, target)
    assert err.status == 403
    assert err.message.startswith(f"course guard refused {method} ") and NOT_LISTED in err.message


@pytest.mark.parametrize("target, endpoint, params", [
    ("/containers/web.1_a-b/json", "containers.inspect", {"id": "web.1_a-b"}),
    ("/containers/%61bc/json", "containers.inspect", {"id": "abc"}),           # decoded, then matched
    ("/images/a%40b/json", "images.read", {"name": "a@b"}),
    ("/images/a+b/json", "images.read", {"name": "a+b"}),
    ("/images/x@sha256:" + "0" * 64 + "/json", "images.read", {"name": "x@sha256:" + "0" * 64}),
])
def test_ids_and_names_with_allowed_special_characters(target, endpoint, params):
    route = routes.match("GET", target)
    assert (route.endpoint, route.params) == (endpoint, params)
    assert route.target() == route.path  # forwarded as it was matched


@pytest.mark.parametrize("target, path", [
    ("/containers/-x/json", "/containers/-x/json"),
    ("/containers/a:b/json", "/containers/a:b/json"),
    ("/containers/a%2Fb/json", "/containers/a/b/json"),
    ("/containers/caf%C3%A9/json", "/containers/caf\u00e9/json"),
    ("/containers/a%20b/json", "/containers/a b/json"),
    ("/containers/a%00/json", "/containers/a\x00/json"),
    ("/networks/n%3Fx", "/networks/n?x"),
    ("/images/-x/json", "/images/-x/json"),
])
def test_ids_with_other_characters_match_no_route(target, path):
    err = refusal("GET", target)
    assert err.status == 403 and err.message.startswith(f"course guard refused GET {path}: ")


@pytest.mark.parametrize("target, message", [
    ("/v1.41/containers/../swarm/init", "refused the path '/v1.41/containers/../swarm/init': it is not in canonical"),
    ("/v1.41/containers/%2E%2E/swarm/init", "refused the path '/v1.41/containers/../swarm/init'"),
    ("/containers/./json", "it is not in canonical form"),
    ("/containers/x/json/.", "it is not in canonical form"),
    ("/containers/x/..", "it is not in canonical form"),
    ("/networks//", "it is not in canonical form"),
    ("/containers%2F%2Fjson", "it is not in canonical form"),
    ("/containers\\x", "it is not in canonical form"),
    ("//containers/json", "could not read the request target '//containers/json'"),
    ("http://x/containers/json", "could not read the request target"),
    ("*", "could not read the request target '*'"),
    ("containers/json", "could not read the request target"),
    ("/containers/json#x", "could not read the request target"),
    ("/v1/containers/json", "could not read the API version in '/v1/containers/json'"),
    ("/v1.41", "could not read the API version in '/v1.41'"),
    ("/v.1/version", "could not read the API version"),
    ("/v1.39/version", "refused API version 1.39: old API versions apply settings the guard does not check"),
    ("/v1.23/containers/x/start", "refused API version 1.23"),
    ("/containers/json?a=1;b=2", "refused the query string: ';' is not a separator dockerd accepts"),
    ("/containers/json?x=%ff", "could not read the query string"),
])
def test_malformed_targets_are_a_400(target, message):
    err = refusal("GET", target)
    assert err.status == 400 and message in err.message


def test_query_strings_are_decoded_repeated_and_re_encoded():
    route = routes.match("POST", "/v1.41/build?t=a&t=b&q=&buildargs=%7B%22A%22%3A%221%22%7D&x")
    assert route.query == {"t": ["a", "b"], "q": [""], "buildargs": ['{"A":"1"}'], "x": [""]}
    assert route.target() == "/v1.41/build?t=a&t=b&q=&buildargs=%7B%22A%22%3A%221%22%7D&x="
    route = routes.match("GET", "/containers/json?filters=%7B%22name%22%3A%5B%22a+b%22%5D%7D&all=1")
    assert route.query == {"filters": ['{"name":["a b"]}'], "all": ["1"]}
    assert routes.match("GET", "/v1.41/containers/web/archive?path=/tmp").target() == \
        "/v1.41/containers/web/archive?path=%2Ftmp"


def test_how_each_endpoint_body_is_read():
    kinds = {(m, t): body_kind(routes.match(m, t)) for m, t in [
        ("PUT", "/containers/web/archive"), ("HEAD", "/containers/web/archive"), ("POST", "/containers/create"),
        ("POST", "/containers/web/update"), ("POST", "/containers/web/exec"), ("POST", "/exec/e/start"),
        ("POST", "/networks/create"), ("POST", "/networks/n/connect"), ("POST", "/volumes/create"),
        ("POST", "/build"), ("POST", "/images/load"), ("POST", "/containers/web/start"), ("GET", "/events")]}
    assert kinds == {
        ("PUT", "/containers/web/archive"): "stream", ("HEAD", "/containers/web/archive"): "none",
        ("POST", "/containers/create"): "json", ("POST", "/containers/web/update"): "json",
        ("POST", "/containers/web/exec"): "json", ("POST", "/exec/e/start"): "json",
        ("POST", "/networks/create"): "json", ("POST", "/networks/n/connect"): "json",
        ("POST", "/volumes/create"): "json", ("POST", "/build"): "spool", ("POST", "/images/load"): "spool",
        ("POST", "/containers/web/start"): "none", ("GET", "/events"): "none"}


def test_plugins_are_absent_not_refused():
    """`docker inspect NAME` asks for a plugin last: "not found" lets the CLI say "No such object"."""
    import asyncio

    from course.guard.ports import PortForwards
    from course.guard.settings import Settings
    from course.guard.upstream import Upstream

    up = Upstream("unix:///nonexistent/docker.sock")
    handlers = Handlers(Settings(owner="alice"), up, PortForwards(up))
    reply = asyncio.run(handlers.dispatch(routes.match("GET", "/v1.41/plugins/web/json"), None))
    assert (reply.status, reply.doc) == (404, {"message": 'plugin "web" not found'})
