"""``GET /``: an HTML page linking to the docs, the admin and the health check."""

import pytest

pytestmark = pytest.mark.django_db


def test_landing_page_is_html_with_links_to_docs_admin_and_health(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    body = r.content.decode()
    for href in ('href="/api/docs/"', 'href="/admin/"', 'href="/healthz"'):
        assert href in body


def test_landing_page_refuses_writes(client):
    assert client.post("/").status_code == 405


def test_admin_view_site_link_points_at_the_landing_page(admin_client):
    r = admin_client.get("/admin/")
    assert r.status_code == 200
    assert '<a href="/">View site</a>' in r.content.decode()
    assert admin_client.get("/").status_code == 200


def test_other_unknown_paths_still_answer_json_404(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert r.json() == {"error": "Not found"}
