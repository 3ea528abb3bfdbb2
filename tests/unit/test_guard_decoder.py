"""The guard's body decoder (course.guard.jsonbody, course.guard.schema): it reads JSON as dockerd's Go
decoder does, so the policy checks the document dockerd will apply. No engine: plain function calls."""

from __future__ import annotations

import pytest

from course.guard import Limits, Settings, jsonbody, schema
from course.guard.errors import Refused
from course.guard.resources.containers import check_create

LIMITS = Limits(memory=64 * 1024 * 1024, pids=64, nano_cpus=500_000_000)
SETTINGS = Settings(owner="alice", session="unit", limits=LIMITS)


def decode_create(raw: str) -> dict:
    return jsonbody.decode(raw.encode(), schema.CONTAINER_CREATE)


@pytest.mark.parametrize("raw", [
    '{"Image": "x", "HostConfig": {"privileged": false, "Privileged": true}}',
    '{"Image": "x", "hostconfig": {"PRIVILEGED": true}}',
    '{"Image": "x", "HostConfig": {"Privileged": true}, "HostConfig": {"Memory": 1}}',
    '{"Image": "x", "HostConfig": {"Privileged": true}, "hostCONFIG": {}}',
])
def test_decoder_reads_case_and_duplicates_like_go(raw):
    body = decode_create(raw)
    assert body["HostConfig"]["Privileged"] is True
    with pytest.raises(Refused) as err:
        check_create(body, SETTINGS)
    assert err.value.status == 403 and "Privileged" in err.value.message


def test_decoder_folds_unicode_like_go_and_forwards_canonical_keys():
    body = decode_create('{"Image": "x", "HostConfig": {"Bind\\u017f": ["data:/d"], "NetworkMode": "none"}}')
    assert body["HostConfig"]["Binds"] == ["data:/d"]
    out, needs = check_create(body, SETTINGS)
    assert needs.volumes == {"data"}
    assert b"Bind\\u017f" not in jsonbody.dumps(out) and b'"Binds"' in jsonbody.dumps(out)


@pytest.mark.parametrize("raw, status", [
    ('{"Image": "x", "Privileged": true}', 403),          # dockerd 20.10 reads top-level HostConfig fields
    ('{"Image": "x", "HostConfig": {"Memory": NaN}}', 400),
    ('{"Image": "x", "HostConfig": {"Memory": 1.5}}', 400),
    ('{"Image": "x", "HostConfig": {"Privileged": "true"}}', 400),
    ('{"Image": "x"} {"HostConfig": {}}', 400),           # Go would read only the first value
    ('{"Image": "\\ud800"}', 400),                        # a lone surrogate Go would replace
    ('{"Image": "x", "Unheard": {"Of": 1}}', 403),        # unknown and not empty: fail closed
    ('[]', 400),
])
def test_decoder_refuses_what_it_cannot_check(raw, status):
    with pytest.raises(Refused) as err:
        decode_create(raw)
    assert err.value.status == status


def test_unknown_empty_fields_are_dropped():
    assert decode_create('{"Image": "x", "Unheard": null, "Other": {}}') == {"Image": "x"}


# -- new: the rest of Go's decoding rules, one by one --------------------------------------------
def test_repeated_objects_merge_and_repeated_map_keys_replace():
    body = decode_create('{"Image": "x", "HostConfig": {"Binds": ["a:/a"]}, "HostConfig": {"Memory": 5}, '
                         '"Labels": {"a": "1"}, "Labels": {"b": "2", "a": "3"}}')
    assert body == {"Image": "x", "HostConfig": {"Binds": ["a:/a"], "Memory": 5}, "Labels": {"a": "3", "b": "2"}}


def test_map_keys_are_exact_while_struct_fields_fold_case():
    body = decode_create('{"image": "x", "LABELS": {"a": "1", "A": "2"}}')
    assert body == {"Image": "x", "Labels": {"a": "1", "A": "2"}}
    nested = decode_create('{"Image": "x", "NetworkingConfig": {"EndpointsConfig": {"Net": {"aliases": ["w"]}}}}')
    assert nested["NetworkingConfig"] == {"EndpointsConfig": {"Net": {"Aliases": ["w"]}}}


def test_go_types_string_slices_and_empty_structs():
    assert decode_create('{"Cmd": "echo hi", "Entrypoint": ["a", "b"]}') == {"Cmd": ["echo hi"],
                                                                               "Entrypoint": ["a", "b"]}
    assert decode_create('{"ExposedPorts": {"80/tcp": {"x": 1}}}') == {"ExposedPorts": {"80/tcp": {}}}
    assert decode_create('{"HostConfig": {"Memory": -9223372036854775808}}')["HostConfig"]["Memory"] == -2**63


@pytest.mark.parametrize("raw, where", [
    ('{"ExposedPorts": {"80/tcp": 1}}', "ExposedPorts['80/tcp'] must be an object"),
    ('{"HostConfig": {"Memory": 9223372036854775808}}', "HostConfig.Memory must be a whole number (64-bit)"),
    ('{"HostConfig": {"Memory": 1e3}}', "HostConfig.Memory must be a whole number (64-bit)"),
    ('{"Image": 1}', "Image must be a string"),
    ('{"Image": "x", "Cmd": ["a", 1]}', "Cmd[1] must be a string"),
    ('{"Image": "x", "Env": {"A": "1"}}', "Env must be a list"),
    ('{"HostConfig": []}', "HostConfig must be an object"),
])
def test_type_errors_say_where(raw, where):
    with pytest.raises(Refused) as err:
        decode_create(raw)
    assert err.value.status == 400
    assert err.value.message == f"course guard could not read the request body: {where}"


@pytest.mark.parametrize("raw", ['{"Binds": ["/:/h"]}', '{"Cpuset": "0"}', '{"Image": "x", "memory": 1}'])
def test_top_level_host_config_fields_are_refused_with_a_hint(raw):
    with pytest.raises(Refused) as err:
        decode_create(raw)
    assert err.value.status == 403
    assert err.value.message.startswith("course guard refused the field ")
    assert err.value.message.endswith('Put HostConfig fields inside "HostConfig", where the guard checks them.')


def test_each_schema_knows_only_its_own_fields():
    with pytest.raises(Refused) as err:
        jsonbody.decode(b'{"Image": "x"}', schema.EXEC_CREATE)
    assert err.value.status == 403 and err.value.message.endswith("Remove it.")
    assert jsonbody.decode(b'{"Privileged": true, "privileged": false}', schema.EXEC_CREATE) == {"Privileged": False}


@pytest.mark.parametrize("raw, message", [
    (b"", "body is empty; send a JSON object"),
    (b"  \n", "body is empty; send a JSON object"),
    (b"null", "body is null; send a JSON object"),
])
def test_empty_bodies_only_where_allowed(raw, message):
    assert jsonbody.decode(raw, schema.EXEC_START, empty_ok=True) == {}
    with pytest.raises(Refused) as err:
        jsonbody.decode(raw, schema.EXEC_START)
    assert err.value.status == 400 and err.value.message.endswith(message)


@pytest.mark.parametrize("raw", [b"\xff{}", b"[" * 100_000 + b"]" * 100_000, b'{"a": Infinity}', b"{'a': 1}"])
def test_unreadable_json_is_a_400(raw):
    with pytest.raises(Refused) as err:
        jsonbody.loads(raw)
    assert err.value.status == 400 and "is not valid JSON" in err.value.message


def test_forwarded_bodies_are_compact_and_ascii():
    assert jsonbody.dumps({"Labels": {"k": "caf\u00e9"}, "Cmd": ["a"]}) == b'{"Labels":{"k":"caf\\u00e9"},"Cmd":["a"]}'


def test_zero_values_are_what_go_leaves_empty():
    for value in (None, False, 0, "", [], {}, jsonbody.Pairs([("a", 0), ("b", jsonbody.Pairs())])):
        assert jsonbody.is_zero(value), value
    for value in (True, 1, "x", [0], jsonbody.Pairs([("a", 1)])):
        assert not jsonbody.is_zero(value), value
