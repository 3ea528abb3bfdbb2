"""The guard's policy, resource by resource (course.guard.resources): each rule called directly with
decoded bodies, for what it allows (and how it rewrites it) and what it refuses (and what it says).
No engine, no guard process."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from course import config
from course.guard import Limits, Settings, jsonbody, schema
from course.guard.archives import archive_tags
from course.guard.errors import Refused
from course.guard.resources.base import forced_labels
from course.guard.resources.containers import MUST_BE_EMPTY, check_create, check_endpoint, check_update, field
from course.guard.resources.exec import check_exec
from course.guard.resources.filters import dump_filters, force_filters, parse_filters
from course.guard.resources.images import check_build_query, check_source, check_target, parse_ref
from course.guard.resources.networks import check_network_create
from course.guard.resources.volumes import check_volume_create
from course.guard.settings import LABEL_PORTS

LIMITS = Limits(memory=64 * 1024 * 1024, pids=64, nano_cpus=500_000_000)
SETTINGS = Settings(owner="alice", session="unit", limits=LIMITS)
OWNER_LABELS = {config.LABEL_COURSE: config.COURSE_NAME, config.LABEL_SESSION: "unit", config.LABEL_OWNER: "alice"}


def decode_create(raw: str) -> dict:
    return jsonbody.decode(raw.encode(), schema.CONTAINER_CREATE)


def refusal(call, *args, **kwargs) -> Refused:
    """The Refused a rule raises (and that it raises one)."""
    with pytest.raises(Refused) as err:
        call(*args, **kwargs)
    return err.value


def create(host_config: dict | None = None, **body) -> tuple[dict, object]:
    return check_create({"Image": "x", "HostConfig": dict(host_config or {}), **body}, SETTINGS)


# -- labels every resource gets ---------------------------------------------------------------------
def test_forced_labels_drop_guard_labels_and_the_owners_win():
    learner = {"mine": "1", config.LABEL_OWNER: "bob", config.LABEL_SESSION: "other", LABEL_PORTS: "[]",
               "edu.vmdocker.guard.role": "default"}
    assert forced_labels(learner, SETTINGS) == {"mine": "1", **OWNER_LABELS}
    assert forced_labels(None, SETTINGS) == OWNER_LABELS


# -- containers: create --------------------------------------------------------------------------
def test_caps_keep_lower_values_and_cap_higher_or_missing():
    low, _ = check_create(decode_create('{"Image": "x", "HostConfig": {"Memory": 8388608, "PidsLimit": 10}}'),
                          SETTINGS)
    assert (low["HostConfig"]["Memory"], low["HostConfig"]["PidsLimit"]) == (8388608, 10)
    high, _ = check_create(decode_create('{"Image": "x", "HostConfig": {"Memory": 1e12}}'.replace("1e12",
                                         str(10**12))), SETTINGS)
    assert high["HostConfig"]["Memory"] == LIMITS.memory and high["HostConfig"]["MemorySwap"] == LIMITS.memory
    assert high["HostConfig"]["PidsLimit"] == LIMITS.pids and high["HostConfig"]["NanoCpus"] == LIMITS.nano_cpus
    quota, _ = check_create(decode_create('{"Image": "x", "HostConfig": {"CpuQuota": 400000}}'), SETTINGS)
    assert quota["HostConfig"]["CpuQuota"] == 50_000 and quota["HostConfig"]["NanoCpus"] == 0


def test_more_caps_swap_reservation_negative_and_lower_cpus():
    out, _ = create({"Memory": 16 * 2**20, "MemorySwap": -1, "MemoryReservation": 2**40, "PidsLimit": -1,
                     "NanoCpus": 250_000_000})
    hc = out["HostConfig"]
    assert (hc["Memory"], hc["MemorySwap"], hc["MemoryReservation"]) == (16 * 2**20, 16 * 2**20, LIMITS.memory)
    assert hc["PidsLimit"] == LIMITS.pids  # -1 (unlimited) becomes the cap
    assert (hc["NanoCpus"], hc["CpuQuota"], hc["CpuPeriod"]) == (250_000_000, 0, 0)
    low_quota, _ = create({"CpuQuota": 10_000, "CpuPeriod": 50_000})
    assert (low_quota["HostConfig"]["CpuQuota"], low_quota["HostConfig"]["CpuPeriod"]) == (10_000, 50_000)


#: The endpoint the docker CLI 28 sends for a plain `docker run IMAGE` (20.10 and docker-py send none).
CLI_28_ENDPOINT = {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
                   "GwPriority": 0, "NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "",
                   "IPPrefixLen": 0, "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                   "DNSNames": None}


@pytest.mark.parametrize("host_config, named, endpoints, mode", [
    ({"NetworkMode": "default"}, False, None, "none"),       # asks for nothing: no network at all
    ({}, False, None, "none"),
    ({"NetworkMode": "none"}, True, None, "none"),
    ({"NetworkMode": "default"}, True, None, "owner"),       # a name others may look up
    ({"NetworkMode": "bridge"}, False, None, "owner"),       # the default bridge means the owner's network
    ({"NetworkMode": "default", "PortBindings": {"80/tcp": [{"HostPort": ""}]}}, False, None, "owner"),
    ({"NetworkMode": "default"}, False, {"default": {}}, "none"),  # an empty endpoint asks for nothing
    ({"NetworkMode": "default"}, False, {"default": CLI_28_ENDPOINT}, "none"),  # what `docker run` sends
    ({}, False, {"default": CLI_28_ENDPOINT}, "none"),
    ({"NetworkMode": "default"}, False, {"default": {**CLI_28_ENDPOINT, "Aliases": ["db"]}}, "owner"),
    ({"NetworkMode": "mynet"}, False, None, "mynet"),
])
def test_a_container_gets_a_network_only_when_it_asks(host_config, named, endpoints, mode):
    body = {"Image": "x", "HostConfig": dict(host_config)}
    if endpoints:
        body["NetworkingConfig"] = {"EndpointsConfig": endpoints}
    out, needs = check_create(body, SETTINGS, named=named)
    assert out["HostConfig"]["NetworkMode"] == (SETTINGS.network if mode == "owner" else mode)
    assert needs.networks == ({"mynet"} if mode == "mynet" else set())


def test_an_honest_create_is_labelled_and_names_what_it_uses():
    body = {"Image": "vmdocker/base", "Cmd": ["true"], "Labels": {"app": "web", config.LABEL_OWNER: "bob"},
            "HostConfig": {"Binds": ["data:/data:ro", "/anonymous"], "ContainerIDFile": "/tmp/id",
                           "Mounts": [{"Type": "volume", "Source": "cache", "Target": "/c"},
                                      {"Type": "volume", "Target": "/anon"},
                                      {"Type": "tmpfs", "Target": "/t"}],
                           "NetworkMode": "mynet", "SecurityOpt": ["no-new-privileges"], "IpcMode": "private",
                           "Runtime": "runc", "OomScoreAdj": 100, "Dns": ["10.0.0.1"], "CapDrop": ["ALL"],
                           "Ulimits": [{"Name": "nofile", "Soft": 64, "Hard": 64}], "Privileged": False,
                           "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m"}},
                           "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}},
            "NetworkingConfig": {"EndpointsConfig": {"other": {"Aliases": ["w"]}}}}
    out, needs = check_create(body, SETTINGS)
    assert out["Labels"] == {"app": "web", **OWNER_LABELS}
    assert "ContainerIDFile" not in out["HostConfig"]  # a client-side setting
    assert out["HostConfig"]["CapDrop"] == ["ALL"] and out["HostConfig"]["NetworkMode"] == "mynet"
    assert out["NetworkingConfig"] == {"EndpointsConfig": {"other": {"Aliases": ["w"]}}}
    assert (needs.images, needs.volumes, needs.networks, needs.ports) == (
        {"vmdocker/base"}, {"data", "cache"}, {"mynet", "other"}, [])


def test_published_ports_are_taken_out_for_the_guard_to_serve():
    out, needs = create({"PortBindings": {"80/tcp": [{"HostPort": "8080"}], "81": [{"HostIp": "127.0.0.1"}]}},
                        ExposedPorts={"9/tcp": {}}, Labels={LABEL_PORTS: "forged"})
    # The HostIp asked for is kept ("" = every interface), so inspect can show the request as dockerd does.
    assert needs.ports == [{"port": "80/tcp", "host": 8080, "ip": ""}, {"port": "81/tcp", "host": 0, "ip": "127.0.0.1"}]
    assert "PortBindings" not in out["HostConfig"] and out["HostConfig"]["NetworkMode"] == SETTINGS.network
    assert out["ExposedPorts"] == {"9/tcp": {}, "80/tcp": {}, "81/tcp": {}}
    assert json.loads(out["Labels"][LABEL_PORTS]) == needs.ports
    assert LABEL_PORTS not in create()[0]["Labels"]


def _value(name: str):
    """A non-empty value of the type dockerd decodes ``HostConfig.name`` into."""
    kind = schema.HOST_CONFIG_FIELDS[name]
    if isinstance(kind, jsonbody.Bool):
        return True
    if isinstance(kind, jsonbody.Int):
        return 1
    if isinstance(kind, jsonbody.Str):
        return "/"
    if isinstance(kind, jsonbody.MapOf):
        return {"k": "v"}
    return [{"Path": "/dev/sda"}] if name.startswith(("Blkio", "Device")) else ["x"]


@pytest.mark.parametrize("name", sorted(MUST_BE_EMPTY))
def test_every_field_that_must_be_empty_is_refused_set_and_allowed_empty(name):
    err = refusal(create, {name: _value(name)})
    why, instead = MUST_BE_EMPTY[name]
    assert err.status == 403
    assert err.message == f"course guard refused {field(name)}: {why}. {instead}."
    empty = {"Bool": False, "Int": 0, "Str": ""}.get(type(schema.HOST_CONFIG_FIELDS[name]).__name__, [])
    create({name: empty})  # the zero value is what dockerd would do anyway


@pytest.mark.parametrize("host_config, words", [
    ({"MaskedPaths": []}, "HostConfig.MaskedPaths (--security-opt systempaths=unconfined): setting it"),
    ({"ReadonlyPaths": ["/proc"]}, "HostConfig.ReadonlyPaths"),
    ({"PidMode": "host"}, "HostConfig.PidMode='host' (--pid=host): it would use the host's namespace"),
    ({"PidMode": "container:x"}, "it would use another container's namespace"),
    ({"IpcMode": "host"}, "HostConfig.IpcMode='host'"),
    ({"UTSMode": "host"}, "HostConfig.UTSMode"),
    ({"UsernsMode": "host"}, "HostConfig.UsernsMode"),
    ({"CgroupnsMode": "host"}, "HostConfig.CgroupnsMode"),
    ({"Cgroup": "container:x"}, "HostConfig.Cgroup"),
    ({"Runtime": "io.containerd.runc.v2"}, "(--runtime=io.containerd.runc.v2): it would use that"),
    ({"Isolation": "hyperv"}, "HostConfig.Isolation"),
    ({"VolumeDriver": "nfs"}, "HostConfig.VolumeDriver"),
    ({"SecurityOpt": ["no-new-privileges", "seccomp=unconfined"]}, "the security option 'seccomp=unconfined'"),
    ({"SecurityOpt": ["apparmor=unconfined"]}, "only options that tighten confinement"),
    ({"OomScoreAdj": -500}, "a negative OomScoreAdj"),
    ({"Dns": ["127.0.0.53"]}, "the DNS server 127.0.0.53: a loopback resolver"),
    ({"Dns": ["::1"]}, "the DNS server ::1"),
    ({"LogConfig": {"Type": "syslog"}}, "that LogConfig: only local log drivers"),
    ({"LogConfig": {"Type": "json-file", "Config": {"syslog-address": "udp://x"}}}, "that LogConfig"),
    ({"RestartPolicy": {"Name": "sometimes"}}, "that RestartPolicy: it is not a restart policy"),
    ({"Ulimits": [{"Name": "rtprio", "Soft": 99, "Hard": 99}]}, "the ulimit 'rtprio': only resource-bounding"),
    ({"Binds": ["/etc:/x"]}, "the bind '/etc:/x': it mounts a host path"),
    ({"Binds": ["/:/host:ro"]}, "it mounts a host path"),
    ({"Binds": ["a:b:c:d"]}, "the bind 'a:b:c:d': it is not SOURCE:TARGET[:OPTIONS]"),
    ({"Binds": ["data:/d:shared"]}, "the bind options in 'data:/d:shared'"),
    ({"Mounts": [{"Type": "bind", "Source": "/", "Target": "/h"}]}, "HostConfig.Mounts[0] of type 'bind'"),
    ({"Mounts": [{"Target": "/h"}]}, "HostConfig.Mounts[0] of type ''"),
    ({"Mounts": [{"Type": "tmpfs", "Target": "/t"}, {"Type": "tmpfs", "Source": "x", "Target": "/h"}]},
     "HostConfig.Mounts[1]: a tmpfs mount has no source"),
    ({"Mounts": [{"Type": "volume", "Source": "/etc", "Target": "/v"}]}, "source '/etc': it is not a volume name"),
    ({"Mounts": [{"Type": "volume", "Source": "v", "Target": "/v", "VolumeOptions": {"DriverConfig": {
        "Name": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}}}]}, "volume driver options"),
    ({"Mounts": [{"Type": "volume", "Source": "v", "Target": "/v", "BindOptions": {"Propagation": "shared"}}]},
     "volume driver options"),
    ({"NetworkMode": "host"}, "NetworkMode 'host' (--network=host): it would share the host's"),
    ({"NetworkMode": "container:x"}, "NetworkMode 'container:x'"),
    ({"NetworkMode": "my net"}, "NetworkMode 'my net': it is not a network name"),
    ({"PortBindings": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}}, "on 0.0.0.0: ports are published"),
    ({"PortBindings": {"53/udp": [{"HostPort": "1053"}]}}, "publishing '53/udp': only single TCP ports"),
    ({"PortBindings": {"80-81/tcp": [{}]}}, "publishing '80-81/tcp'"),
    ({"PortBindings": {"0/tcp": [{}]}}, "publishing '0/tcp'"),
    ({"PortBindings": {"80/tcp": [{"HostPort": "80"}]}}, "host port '80': host ports must be single numbers"),
    ({"PortBindings": {"80/tcp": [{"HostPort": "5000"}]}}, "(not the course registry's)"),
    ({"PortBindings": {"80/tcp": [{"HostPort": "8000-8010"}]}}, "host port '8000-8010'"),
    ({"PortBindings": {"80/tcp": [{"HostPort": "8080"}], "81/tcp": [{"HostPort": "8080"}]}},
     "publishing one host port twice"),
    ({"NetworkMode": "none", "PortBindings": {"80/tcp": [{}]}}, "published ports with NetworkMode none"),
])
def test_create_refuses_what_escapes_the_container(host_config, words):
    err = refusal(create, host_config)
    assert err.status == 403 and err.message.startswith("course guard refused ") and words in err.message


@pytest.mark.parametrize("endpoints, mode, words", [
    ({"mynet": {}}, "none", "network endpoints with NetworkMode none"),
    ({"bad name": {}}, "", "the network 'bad name': it is not a network name"),
    ({"default": {"Links": ["db:db"]}}, "", "endpoint Links: legacy links reach other containers"),
    ({"mynet": {"DriverOpts": {"com.docker.network.endpoint.ifname": "x"}}}, "mynet", "endpoint DriverOpts"),
])
def test_create_refuses_endpoints_that_reach_out(endpoints, mode, words):
    err = refusal(create, {"NetworkMode": mode}, NetworkingConfig={"EndpointsConfig": endpoints})
    assert err.status == 403 and words in err.message


def test_endpoints_on_the_owners_networks_keep_their_settings():
    endpoint = {"Aliases": ["web"], "IPAMConfig": {"IPv4Address": "10.0.0.5"}}
    assert check_endpoint(dict(endpoint)) == endpoint
    out, needs = create({"NetworkMode": "bridge"}, NetworkingConfig={"EndpointsConfig": {
        "bridge": {"Aliases": ["a"]}, "mine": {}}})
    assert out["NetworkingConfig"] == {"EndpointsConfig": {SETTINGS.network: {"Aliases": ["a"]}, "mine": {}}}
    assert needs.networks == {"mine"}
    assert refusal(check_endpoint, {"Links": ["x"]}).message.endswith(
        "Put containers on one of your networks and use names.")


# -- containers: update -------------------------------------------------------------------------
def test_update_caps_only_what_it_changes():
    assert check_update({}, SETTINGS) == {}
    assert check_update({"Memory": 2**40}, SETTINGS) == {"Memory": LIMITS.memory, "MemorySwap": LIMITS.memory}
    assert check_update({"PidsLimit": -1}, SETTINGS) == {"PidsLimit": LIMITS.pids}
    assert check_update({"PidsLimit": 5, "CpuShares": 512}, SETTINGS) == {"PidsLimit": 5, "CpuShares": 512}
    assert check_update({"NanoCpus": 4 * 10**9}, SETTINGS) == {"NanoCpus": LIMITS.nano_cpus, "CpuQuota": 0,
                                                              "CpuPeriod": 0}
    assert check_update({"CpuQuota": 10**6, "CpuPeriod": 200_000}, SETTINGS) == {
        "CpuQuota": 100_000, "CpuPeriod": 200_000, "NanoCpus": 0}
    assert check_update({"RestartPolicy": {"Name": "always"}}, SETTINGS) == {"RestartPolicy": {"Name": "always"}}


@pytest.mark.parametrize("body, words", [
    ({"Devices": [{"PathOnHost": "/dev/mem", "PathInContainer": "/m"}]}, "HostConfig.Devices"),
    ({"OomKillDisable": True}, "HostConfig.OomKillDisable"),
    ({"CpuRealtimeRuntime": 1000}, "real-time scheduling"),
    ({"BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1}]}, "it names host block devices"),
    ({"CgroupParent": "/"}, "HostConfig.CgroupParent"),
    ({"Ulimits": [{"Name": "memlock"}]}, "the ulimit 'memlock'"),
    ({"RestartPolicy": {"Name": "sometimes"}}, "RestartPolicy 'sometimes': it is not a restart policy"),
])
def test_update_refuses_like_create(body, words):
    err = refusal(check_update, jsonbody.decode(json.dumps(body).encode(), schema.CONTAINER_UPDATE), SETTINGS)
    assert err.status == 403 and words in err.message


# -- exec ------------------------------------------------------------------------------------------
def test_exec_is_allowed_unprivileged_and_refused_privileged():
    body = {"Cmd": ["id"], "User": "nobody", "Privileged": False, "Tty": True}
    assert check_exec(dict(body)) == body
    err = refusal(check_exec, {"Cmd": ["id"], "Privileged": True})
    assert err.status == 403
    assert err.message == ("course guard refused a privileged exec: a privileged process is root on the host. "
                           "Exec without privileged")


# -- images and builds ------------------------------------------------------------------------------
def test_build_query_forces_network_pull_labels_and_limits():
    query, needs, _ = check_build_query({"t": ["mine:1"], "networkmode": ["default"], "memory": ["9999999999"]},
                                        SETTINGS)
    assert query["networkmode"] == ["none"] and query["pull"] == ["0"]
    assert query["rm"] == query["forcerm"] == ["1"]  # a failed step's (unlabelled) container is removed too
    assert check_build_query({"rm": ["0"], "forcerm": ["0"]}, SETTINGS)[0]["forcerm"] == ["1"]
    assert query["memory"] == [str(LIMITS.memory)] and query["memswap"] == [str(LIMITS.memory)]
    assert json.loads(query["labels"][0])[config.LABEL_OWNER] == "alice"
    assert needs.tags == {"mine:1"}
    for bad in ({"networkmode": ["host"]}, {"remote": ["https://example.invalid/c.tar"]}, {"pull": ["1"]},
                {"t": ["vmdocker/base:latest"]}, {"t": ["evil.example/x:1"]}, {"version": ["2"]}):
        with pytest.raises(Refused):
            check_build_query(bad, SETTINGS)


def test_an_honest_build_query_keeps_known_parameters_and_drops_the_rest():
    query, needs, buildargs = check_build_query({
        "t": ["mine:1", "", "127.0.0.1:5000/mine"], "dockerfile": ["Dockerfile.web"], "q": ["1"], "rm": ["1"],
        "buildargs": ['{"BASE": "vmdocker/base"}'], "labels": ['{"app": "1", "edu.vmdocker.guard.role": "x"}'],
        "cachefrom": ['["vmdocker/base"]'], "ulimits": ['[{"Name": "nofile", "Soft": 1, "Hard": 1}]'],
        "memory": ["8388608"], "cpuperiod": ["50000"], "cpuquota": ["10000"], "pull": ["false"],
        "version": ["1"], "networkmode": ["bridge"], "unknown": ["x"]}, SETTINGS)
    assert query == {
        "dockerfile": ["Dockerfile.web"], "q": ["1"], "buildargs": ['{"BASE": "vmdocker/base"}'],
        "cachefrom": ['["vmdocker/base"]'], "ulimits": ['[{"Name": "nofile", "Soft": 1, "Hard": 1}]'],
        "memory": ["8388608"], "memswap": ["8388608"], "cpuperiod": ["50000"], "cpuquota": ["10000"],
        "t": ["mine:1", "127.0.0.1:5000/mine"], "labels": [json.dumps({"app": "1", **OWNER_LABELS})],
        "networkmode": ["none"], "rm": ["1"], "forcerm": ["1"], "pull": ["0"]}
    assert buildargs == {"BASE": "vmdocker/base"}
    assert needs.images == {"vmdocker/base"} and needs.tags == {"mine:1", "127.0.0.1:5000/mine:latest"}
    capped, _, _ = check_build_query({"cpuquota": ["400000"]}, SETTINGS)
    assert (capped["cpuperiod"], capped["cpuquota"]) == (["100000"], ["50000"])


def test_the_build_query_of_the_debian_docker_cli_is_read():
    """The docker CLI 20.10 sends every JSON parameter, ``null`` for the lists it does not have."""
    query, needs, buildargs = check_build_query({
        "t": ["mine:1"], "rm": ["1"], "ulimits": ["null"], "cachefrom": ["null"], "buildargs": ["{}"],
        "labels": ["{}"], "networkmode": ["default"], "version": ["1"]}, SETTINGS)
    assert buildargs == {} and needs.images == set() and needs.tags == {"mine:1"}
    assert json.loads(query["labels"][0]) == OWNER_LABELS


@pytest.mark.parametrize("query, status, words", [
    ({"platform": ["linux/arm64"]}, 403, "a build platform"),
    ({"cgroupparent": ["/"]}, 403, "a build cgroup parent"),
    ({"outputs": ["type=local"]}, 403, "build outputs"),
    ({"session": ["x"]}, 403, "a BuildKit session"),
    ({"isolation": ["hyperv"]}, 403, "that build isolation"),
    ({"networkmode": ["container:x"]}, 403, "building with network 'container:x'"),
    ({"pull": ["yes"]}, 403, "pull=True"),
    ({"ulimits": ['[{"Name": "rtprio"}]']}, 403, "that build ulimit"),
    ({"ulimits": ['["nofile"]']}, 403, "that build ulimit"),
    ({"cachefrom": ['["evil.example/x"]']}, 403, "the cache image 'evil.example/x'"),
    ({"t": ["x@sha256:" + "a" * 64]}, 403, "it is not a repository[:tag] name"),
    ({"buildargs": ["{"]}, 400, "could not read buildargs: not JSON"),
    ({"labels": ['["a"]']}, 400, "could not read labels: not a JSON dict"),
    ({"memory": ["1g"]}, 400, "could not read memory='1g': not a number"),
])
def test_build_query_refusals(query, status, words):
    err = refusal(check_build_query, query, SETTINGS)
    assert err.status == status and words in err.message


@pytest.mark.parametrize("text, domain, path, tag, digest", [
    ("alpine", "docker.io", "library/alpine", None, None),
    ("user/repo:1", "docker.io", "user/repo", "1", None),
    ("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", None),
    ("localhost/x", "localhost", "x", None, None),
    ("127.0.0.1:5000/a/b:v1.2", "127.0.0.1:5000", "a/b", "v1.2", None),
    ("x@sha256:" + "0" * 64, "docker.io", "library/x", None, "sha256:" + "0" * 64),
])
def test_image_references_are_normalized_like_dockerd(text, domain, path, tag, digest):
    ref = parse_ref(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)


@pytest.mark.parametrize("text", ["", "UPPER", "a//b", "x:", ":tag", "-x", "a" * 256, "x@sha256:short"])
def test_what_is_not_an_image_reference(text):
    assert parse_ref(text) is None


def test_images_come_only_from_this_machine():
    for allowed in ("vmdocker/base", "alpine:3", "127.0.0.1:5000/x", "localhost:5000/x:1"):
        check_source(allowed, SETTINGS, "the base image")
    assert "images come from this machine only" in refusal(check_source, "quay.io/x", SETTINGS, "the base image").message
    assert "it is not an image reference" in refusal(check_source, "Bad Name", SETTINGS, "the base image").message
    no_registry = Settings(owner="alice", registry=None)
    assert "(none)" in refusal(check_source, "127.0.0.1:5000/x", no_registry, "the base image").message


def test_tags_are_the_learners_own_names():
    assert check_target("mine", SETTINGS) == "mine:latest"
    assert check_target("mine:2", SETTINGS) == "mine:2"
    assert check_target("localhost:5000/mine:2", SETTINGS) == "localhost:5000/mine:2"
    assert f"{config.IMAGE_NAMESPACE}/ names the course's own images" in refusal(
        check_target, f"{config.IMAGE_NAMESPACE}/base:mine", SETTINGS).message
    assert "only the course registry (127.0.0.1:5000)" in refusal(check_target, "ghcr.io/x:1", SETTINGS).message
    assert refusal(check_target, "not a name", SETTINGS).status == 403


def _image_archive(manifest, repositories=None, config_doc=None) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, doc in (("manifest.json", manifest), ("repositories", repositories), ("c.json", config_doc)):
            if doc is not None:
                data = json.dumps(doc).encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out


def test_an_image_archive_shows_every_tag_and_label_it_would_load():
    archive = _image_archive([{"Config": "c.json", "RepoTags": ["mine:1"]}], {"other": {"2": "sha"}},
                             {"config": {"Labels": {config.LABEL_OWNER: "bob"}}})
    assert archive_tags(archive) == (["mine:1", "other:2"], [{config.LABEL_OWNER: "bob"}])
    err = refusal(archive_tags, io.BytesIO(b"not a tar"))
    assert err.status == 400 and "could not read the image archive" in err.message
    assert refusal(archive_tags, _image_archive({"not": "a list"})).status == 400


# -- networks -----------------------------------------------------------------------------------
def test_a_learner_network_is_an_internal_labelled_bridge():
    out = check_network_create({"Name": "mynet", "Internal": False, "Labels": {"a": "1"},
                                "Options": {"com.docker.network.driver.mtu": "1400"}}, SETTINGS)
    assert out == {"Name": "mynet", "Internal": True, "Driver": "bridge", "CheckDuplicate": True,
                   "Labels": {"a": "1", **OWNER_LABELS}, "Options": {"com.docker.network.driver.mtu": "1400"}}
    assert check_network_create({"Name": "n", "Driver": "bridge", "Scope": "local",
                                 "IPAM": {"Driver": "default"}}, SETTINGS)["Internal"] is True


@pytest.mark.parametrize("body, words", [
    ({}, "the network name ''"),
    ({"Name": "bad name"}, "the network name 'bad name'"),
    ({"Name": "n" * 65}, "the network name"),
    ({"Name": "n", "Driver": "overlay"}, "the network driver 'overlay': only local bridge networks"),
    ({"Name": "n", "Driver": "macvlan"}, "the network driver 'macvlan'"),
    ({"Name": "n", "EnableIPv6": True}, "EnableIPv6 networks"),
    ({"Name": "n", "Attachable": True}, "Attachable networks"),
    ({"Name": "n", "Ingress": True}, "Ingress networks"),
    ({"Name": "n", "ConfigOnly": True}, "ConfigOnly networks"),
    ({"Name": "n", "ConfigFrom": {"Network": "x"}}, "that network scope or ConfigFrom"),
    ({"Name": "n", "Scope": "swarm"}, "that network scope or ConfigFrom"),
    ({"Name": "n", "IPAM": {"Config": [{"Subnet": "10.0.0.0/8"}]}}, "custom IPAM (subnets, gateways)"),
    ({"Name": "n", "IPAM": {"Driver": "other"}}, "custom IPAM"),
    ({"Name": "n", "Options": {"com.docker.network.bridge.name": "eth0"}}, "the network options"),
])
def test_network_create_refusals(body, words):
    err = refusal(check_network_create, body, SETTINGS)
    assert err.status == 403 and words in err.message


# -- volumes ------------------------------------------------------------------------------------
def test_local_volumes_and_tmpfs_ones_are_allowed_and_labelled():
    assert check_volume_create({}, SETTINGS) == {"Driver": "local", "Labels": OWNER_LABELS}
    tmpfs = {"type": "tmpfs", "device": "tmpfs", "o": "size=10m,mode=1777,uid=1000,noexec"}
    out = check_volume_create({"Name": "scratch", "DriverOpts": dict(tmpfs), "Labels": {"a": "1"}}, SETTINGS)
    assert out == {"Name": "scratch", "Driver": "local", "DriverOpts": tmpfs, "Labels": {"a": "1", **OWNER_LABELS}}


@pytest.mark.parametrize("body, words", [
    ({"Name": "/etc"}, "the volume name '/etc'"),
    ({"Name": "a/b"}, "the volume name 'a/b'"),
    ({"Driver": "nfs"}, "the volume driver 'nfs': only the local driver"),
    ({"DriverOpts": {"type": "none", "o": "bind", "device": "/"}}, "those volume driver options"),
    ({"DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "bind"}}, "those volume driver options"),
    ({"DriverOpts": {"type": "tmpfs", "device": "/dev/sda"}}, "those volume driver options"),
    ({"DriverOpts": {"type": "nfs", "device": ":/export", "o": "addr=10.0.0.1"}}, "those volume driver options"),
    ({"DriverOpts": {"type": "tmpfs", "device": "tmpfs", "extra": "x"}}, "those volume driver options"),
])
def test_volume_create_refusals(body, words):
    err = refusal(check_volume_create, body, SETTINGS)
    assert err.status == 403 and words in err.message


# -- list filters ---------------------------------------------------------------------------------
def test_filters_are_read_like_dockerd_and_the_owner_label_is_added():
    owner = SETTINGS.owner_filter
    assert json.loads(force_filters(None, owner)) == {"label": {owner: True}}
    assert json.loads(force_filters("", owner)) == {"label": {owner: True}}
    assert json.loads(force_filters('{"name": ["web"], "label": {"x=1": true}}', owner)) == {
        "name": {"web": True}, "label": {"x=1": True, owner: True}}
    assert json.loads(force_filters(f'{{"label": ["{config.LABEL_OWNER}=bob"]}}', owner)) == {
        "label": {f"{config.LABEL_OWNER}=bob": True, owner: True}}  # ANDed: bob's objects stay out
    assert parse_filters('{"status": {"running": true}}') == {"status": {"running": True}}
    assert dump_filters({"a": {"b": True}}) == '{"a":{"b":true}}'


@pytest.mark.parametrize("raw, words", [
    ("{", "could not read the filters '{': not JSON"),
    ('["label"]', "not a JSON object"),
    ('{"label": "x"}', "could not read the filter 'label'"),
    ('{"label": [1]}', "could not read the filter 'label'"),
    ('{"label": {"x": "yes"}}', "could not read the filter 'label'"),
])
def test_filters_that_cannot_be_read_are_refused_not_guessed(raw, words):
    err = refusal(force_filters, raw, SETTINGS.owner_filter)
    assert err.status == 400 and words in err.message
