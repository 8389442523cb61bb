"""GET /healthz: 200 while the database answers, 503 when it cannot be reached."""

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

import chatcore.health

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_unreachable(client, monkeypatch, tmp_path):
    """A real connection to a socket directory where no server listens."""
    settings_dict = {**connections["default"].settings_dict, "HOST": str(tmp_path), "PORT": "5999"}
    unreachable = DatabaseWrapper(settings_dict, alias="unreachable")
    monkeypatch.setattr(chatcore.health, "connection", unreachable)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "unavailable"}


def test_healthz_needs_no_authentication_and_only_get(client):
    assert client.post("/healthz").status_code == 405
