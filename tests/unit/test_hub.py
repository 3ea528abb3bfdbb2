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
