"""The class server's accounts and place, without starting it (the class test runs the real hub)."""

from __future__ import annotations

import stat
from dataclasses import dataclass

import pytest

from course.grading import sandbox
from course.services import hub as class_hub


@dataclass
class Person:
    id: str
    first_name: str
    last_name: str
    email: str


def test_accounts_get_a_private_initial_password_once(tmp_path):
    hub = class_hub.Hub(port=1, state=tmp_path / "hub", course_root=tmp_path)
    added = hub.add_accounts([("ana", "Ana", "Lima", "ana@example.org"), ("ben", "Ben", "Okafor", "")])
    assert [a.name for a in added] == ["ana", "ben"]
    assert stat.S_IMODE(hub.accounts_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(hub.state.stat().st_mode) == 0o700
    first = {a.name: a.password for a in hub.accounts()}
    assert all(len(p) == 12 and p.isalnum() and p.islower() for p in first.values())
    assert first["ana"] != first["ben"]
    # Imported again, with one more: nobody's password changes.
    again = hub.add_accounts([("ana", "Ana", "Lima", "ana@example.org"), ("cy", "Cy", "Dee", "")])
    assert [a.name for a in again] == ["cy"]
    assert {a.name: a.password for a in hub.accounts()}.items() >= first.items()
    assert hub.instructor().password == hub.instructor().password


def test_roster_students_become_logins_while_no_hub_runs(tmp_path):
    hub = class_hub.Hub(port=1, state=tmp_path / "hub", course_root=tmp_path)  # port 1: nothing answers
    added = class_hub.add_students([Person("kim", "Minjun", "Kim", "kim@example.ac.kr")], hub)
    assert [(a.name, a.first_name, a.last_name, a.email) for a in added] == [("kim", "Minjun", "Kim",
                                                                              "kim@example.ac.kr")]
    assert not class_hub.answers(hub)


def test_the_hub_is_placed_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(class_hub.ENV_PORT, "8765")
    monkeypatch.setenv(class_hub.ENV_STATE, str(tmp_path / "elsewhere"))
    hub = class_hub.Hub()
    assert hub.url == "http://127.0.0.1:8765/" and hub.state == tmp_path / "elsewhere"
    assert hub.ports() == (8766, 8767)
    assert hub.homes == tmp_path / "elsewhere-homes"  # students' folders beside the hub's private state


def test_only_course_accounts_processes_are_ever_killed():
    with pytest.raises(ValueError):
        sandbox.kill_processes_of(0)


# ----------------------------------------------------------------------------- the language a server opens in
# The spawner's own logic, without a hub; the class test starts real servers in both languages.


def spawner(tmp_path, monkeypatch, *, korean: bool, last: dict | None = None, name: str = "ana"):
    """A class spawner for ``name`` (student ``ana``) of a course in ``tmp_path`` (with its Korean edition if
    ``korean``)."""
    from types import SimpleNamespace

    from course.apps.classhub import CourseSpawner

    if korean:
        (tmp_path / "ko").mkdir(parents=True)
        (tmp_path / "ko" / "LANGUAGE").write_text("ko\n")
    monkeypatch.setenv(class_hub.ENV_COURSE_ROOT, str(tmp_path))
    monkeypatch.setenv(class_hub.ENV_STATE, str(tmp_path / "hub"))
    orm = SimpleNamespace(user_options=last, server=None, name="") if last is not None else None
    return CourseSpawner(user=SimpleNamespace(name=name, url=f"/user/{name}/"), orm_spawner=orm)


def test_a_course_in_one_language_asks_nothing(tmp_path, monkeypatch):
    import asyncio

    s = spawner(tmp_path, monkeypatch, korean=False)
    assert s.offered() == ["en"] and s.lang == "en"
    assert asyncio.run(s.get_options_form()) == ""  # no form: the hub starts the server at once
    assert s.course_root() == tmp_path and s.workspace() == tmp_path / "hub-homes" / "ana"
    s.user_options = {"lang": "ko"}  # asked for through the REST API all the same
    with pytest.raises(ValueError, match="no 한국어 edition"):
        s.course_root()


def test_the_form_offers_each_edition_and_checks_the_last_choice(tmp_path, monkeypatch):
    import asyncio

    first = asyncio.run(spawner(tmp_path, monkeypatch, korean=True).get_options_form())
    assert 'value="en" checked' in first and 'value="ko">' in first and "한국어" in first and "언어" in first
    again = asyncio.run(spawner(tmp_path / "x", monkeypatch, korean=True, last={"lang": "ko"}).get_options_form())
    assert 'value="ko" checked' in again and 'value="en">' in again


def test_a_korean_server_opens_the_korean_edition_in_folders_of_its_own(tmp_path, monkeypatch):
    s = spawner(tmp_path, monkeypatch, korean=True)
    english = (s.workspace(), s.config_dir())
    s.user_options = s.options_from_form({"lang": ["ko"]})  # the form's fields arrive as lists
    assert s.user_options == {"lang": "ko"} and s.lang == "ko"
    assert s.course_root() == tmp_path / "ko"
    assert s.workspace() == tmp_path / "hub-homes-ko" / "ana" and s.config_dir() == tmp_path / "hub-homes-settings-ko" / "ana"
    assert not {s.workspace(), s.config_dir()} & set(english)
    assert s.options_from_form({"lang": ["ko_KR.UTF-8"]}) == {"lang": "ko"}
    with pytest.raises(ValueError, match="no language 'ja'"):
        s.options_from_form({"lang": ["ja"]})


def test_the_instructor_chooses_the_edition_of_the_formgrader_too(tmp_path, monkeypatch):
    s = spawner(tmp_path, monkeypatch, korean=True, name=class_hub.INSTRUCTOR)
    s.user_options = {"lang": "ko"}
    assert s.instructor and s.course_root() == tmp_path / "ko"
    assert s.lab_state() == s.config_dir() == tmp_path / "hub-homes-settings-ko" / class_hub.INSTRUCTOR
