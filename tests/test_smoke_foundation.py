"""The foundation answers: health, auth-required API, JSON 404s."""

from django.urls import reverse


def test_healthz_reports_database_ok(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_current_user_requires_token(api_client, db):
    r = api_client.get("/api/user")
    assert r.status_code == 401, r.content
    assert r.json()["error"] == "Unauthorized"


def test_current_user_with_bearer_token(auth_client, user):
    r = auth_client.get(reverse("chatcore:user-detail"))
    assert r.status_code == 200, r.json()
    assert r.json()["email"] == "alice@example.com"


def test_unknown_api_route_answers_json_404(auth_client):
    r = auth_client.get("/api/no/such/route")
    assert r.status_code == 404
    assert r.json() == {"error": "Not found"}
