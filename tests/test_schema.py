"""The OpenAPI schema generates, validates, and carries no warnings; docs are served locally."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_with_zero_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    err = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=err)
    assert err.getvalue() == ""
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/auth/login",
        "/api/auth/register",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/user",
    ):
        assert path in schema["paths"], path


def test_schema_and_swagger_ui_are_served_without_a_cdn(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_bearer_auth_is_the_first_scheme_swagger_offers(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), stderr=StringIO())
    schema = yaml.safe_load(target.read_text())
    schemes = schema["components"]["securitySchemes"]
    assert next(iter(schemes)) == "bearerAuth"
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schema["paths"]["/api/convos"]["get"]["security"][0] == {"bearerAuth": []}
