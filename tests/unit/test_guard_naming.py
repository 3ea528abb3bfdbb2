"""Per-owner container names in the guard (course.guard.names) and name filters (course.guard.regexp):
the mapping both ways, the answers rewritten, streams rewritten across chunks. No engine: the name
filters' child process is the only process started."""

from __future__ import annotations

import asyncio
import time

import pytest

from course.guard.errors import Refused
from course.guard.names import LINE_LIMIT, JsonLines, Names, add_alias, renamed_aliases, with_alias
from course.guard.regexp import matching


# -- pure: the mapping -------------------------------------------------------------------------
def test_names_map_both_ways():
    names = Names("alice")
    assert names.engine("web") == names.engine("/web") == "web--alice"
    assert names.learner("/web--alice") == "/web" and names.learner("web--alice") == "web"
    assert names.learner("web--alice--alice") == "web--alice"  # a learner's own "--alice" survives
    assert names.learner("/web--bob") == "/web--bob" and names.learner("/eager_hopper") == "/eager_hopper"
    assert names.mapped("/web--alice") == "web" and names.mapped("/eager_hopper") is None
    assert names.candidates("web") == ["web--alice", "web"]   # the learner's name first, then id prefix
    assert names.candidates("f" * 64) == ["f" * 64]          # a full id always wins in dockerd
    assert names.candidates("a") == ["a"]                    # too short for a name: an id prefix
    for bad in ("a", "-web", "web\n", "we b", "web/x", ""):
        with pytest.raises(Refused) as err:
            names.valid(bad)
        assert err.value.status == 400 and "Invalid container name" in err.value.message
    assert names.message('The container name "/web--alice" is already in use by "x--alicex"') == \
        'The container name "/web" is already in use by "x--alicex"'


def test_answers_show_the_learners_names():
    names = Names("alice")
    assert names.show_container({"Name": "/web--alice"})["Name"] == "/web"
    assert names.show_list([{"Names": ["/web--alice"]}, {"Names": ["/db"]}]) == [{"Names": ["/web"]},
                                                                                  {"Names": ["/db"]}]
    assert names.show_network({"Containers": {"id": {"Name": "web--alice"}}})["Containers"]["id"]["Name"] == "web"
    assert names.show_stats({"name": "/web--alice"})["name"] == "/web"
    event = {"Type": "container", "Actor": {"Attributes": {"name": "site--alice", "oldName": "/web--alice"}}}
    assert names.show_event(event)["Actor"]["Attributes"] == {"name": "site", "oldName": "/web"}
    network_event = {"Type": "network", "Actor": {"Attributes": {"name": "net--alice"}}}
    assert names.show_event(network_event)["Actor"]["Attributes"]["name"] == "net--alice"


def test_aliases_go_on_every_network_the_container_joins():
    assert with_alias(None, "vmdocker-guard-alice", "web") == {
        "EndpointsConfig": {"vmdocker-guard-alice": {"Aliases": ["web"]}}}
    assert with_alias({"EndpointsConfig": {"mine": {"Aliases": ["x", "web"]}}}, "mine", "web") == {
        "EndpointsConfig": {"mine": {"Aliases": ["x", "web"]}}}
    assert with_alias(None, "none", "web") is None
    assert renamed_aliases(["web", "x", "0123456789ab"], "web", "site") == ["x", "0123456789ab", "site"]
    assert renamed_aliases(None, None, "site") == ["site"]


def test_json_lines_are_rewritten_across_chunks():
    stream = JsonLines(Names("alice").show_stats)
    assert stream.feed(b'{"name":"/web--alice","x":1}\n{"name":"/w') == b'{"name":"/web","x":1}\n'
    assert stream.feed(b'eb--alice"}\nnot json\n') == b'{"name":"/web"}\nnot json\n'
    assert stream.feed(b'{"name":"/db--alice"}') == b""
    assert stream.end() == b'{"name":"/db"}'


def test_name_filters_match_like_dockerd_and_never_stall_the_guard():
    sources = [["/web", "web"], ["/web2", "web2"], ["/db", "db"]]
    assert asyncio.run(matching(["web"], sources)) == [True, True, False]
    assert asyncio.run(matching(["^/web$"], sources)) == [True, False, False]
    assert asyncio.run(matching(["^(web|db)$"], sources)) == [True, False, True]   # in a child process
    assert asyncio.run(matching(["(unclosed"], sources)) == [False, False, False]  # as Go: no match
    started = time.monotonic()
    with pytest.raises(Refused) as err:
        asyncio.run(matching(["^(a+)+$"], [["a" * 64 + "!"]]))  # exponential in Python's re
    assert err.value.status == 400 and time.monotonic() - started < 8


# -- new ---------------------------------------------------------------------------------------------
def test_engine_errors_show_the_learners_names_and_nothing_else_changes():
    names = Names("alice")
    assert names.show_error(409, {"message": 'Conflict. "/web--alice" is used by web--alice, db--alice.x'}) == {
        "message": 'Conflict. "/web" is used by web, db--alice.x'}  # a name character after: another name
    assert names.message("web--alicex and xweb--alice-- stay") == "web--alicex and xweb--alice-- stay"
    assert names.show_error(500, "not a document") == "not a document"
    assert names.show_container({"Name": 5}) == {"Name": 5} and names.show_list("x") == "x"


def test_the_ref_dockerd_echoes_is_the_one_the_learner_sent():
    """The guard sends the checked id; dockerd echoes it where it would echo the learner's ref."""
    names, full = Names("alice"), "ab" * 32
    kill = {"message": f"Cannot kill container: {full}: Container {full} is not running"}
    assert names.show_error(409, kill, ref=(full, "web")) == {
        "message": f"Cannot kill container: web: Container {full} is not running"}
    restart = {"message": f"Cannot restart container {full}: tried"}
    assert names.show_error(500, restart, ref=(full, "ab12"))["message"] == "Cannot restart container ab12: tried"
    running = f"You cannot remove a running container {full}. Stop the container before attempting removal"
    assert names.show_error(409, {"message": running}, ref=(full, "web"))["message"] == running  # dockerd's id too
    assert names.show_error(409, dict(kill), ref=(full, full)) == kill
    missing = {"message": f"Could not find the file /x in container {full}"}
    assert names.show_error(404, missing, ref=(full, "web"))["message"] == "Could not find the file /x in container web"


def test_an_alias_is_added_once_and_the_endpoint_is_a_copy():
    endpoint = {"Aliases": ["a"], "IPAMConfig": {"IPv4Address": "10.0.0.2"}}
    assert add_alias(endpoint, "web") == {"Aliases": ["a", "web"], "IPAMConfig": {"IPv4Address": "10.0.0.2"}}
    assert endpoint == {"Aliases": ["a"], "IPAMConfig": {"IPv4Address": "10.0.0.2"}}
    assert add_alias(None, "web") == {"Aliases": ["web"]}
    assert with_alias(None, "container:x", "web") is None


def test_an_overlong_json_line_passes_unchanged():
    stream = JsonLines(Names("alice").show_stats)
    big = b'{"name":"/web--alice","pad":"' + b"x" * LINE_LIMIT
    assert stream.feed(big) == big and stream.end() == b""


def test_other_owners_objects_answer_in_dockerds_own_words_for_absent_ones():
    from course.guard.errors import not_found

    assert [(e.status, e.message) for e in (not_found("container", "web"), not_found("network", "n"),
                                            not_found("volume", "v"), not_found("exec instance", "e"))] == [
        (404, "No such container: web"), (404, "network n not found"), (404, "get v: no such volume"),
        (404, "No such exec instance: e")]
