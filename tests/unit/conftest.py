"""The unit tier: no engine, no VM, no network. Any attempt to reach an engine fails loudly here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/the-unit-tier-has-no-engine.sock")
