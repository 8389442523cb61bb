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


def _schema(tmp_path) -> dict:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), stderr=StringIO())
    return yaml.safe_load(target.read_text())


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_json_request_body_has_a_real_example(tmp_path):
    """Swagger's "Try it out" starts from these: drf-spectacular's own would be "string"
    everywhere. The multipart import is a file picker (its content is an export file)."""
    schema = _schema(tmp_path)
    bodies = 0
    for path, method, operation in _operations(schema):
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            if media_type == "multipart/form-data":
                continue
            bodies += 1
            examples = content.get("examples")
            assert examples, f"{method.upper()} {path} has no example body"
            for example in examples.values():
                assert example["value"], f"{method.upper()} {path}"
                assert "string" not in set(_strings(example["value"])), f"{method.upper()} {path}"
    assert bodies >= 35
    message = schema["paths"]["/api/messages/{conversation_id}"]["post"]["requestBody"]
    value = next(iter(message["content"]["application/json"]["examples"].values()))["value"]
    assert value["text"] == "How do I reverse a list in Python?"
    assert value["endpoint"] == "openAI" and value["model"] == "gpt-4o"


def test_request_examples_are_not_shown_as_answers(tmp_path):
    schema = _schema(tmp_path)
    for path, method, operation in _operations(schema):
        for code, response in operation.get("responses", {}).items():
            for content in (response.get("content") or {}).values():
                for example in (content.get("examples") or {}).values():
                    assert "password" not in set(example.get("value") or {}), (path, method, code)


def test_the_message_id_routes_say_the_segment_is_a_message_id(tmp_path):
    """PUT/DELETE /api/messages/{conversation_id} take a messageId (LibreChat's
    /api/messages/:messageId); POST takes the conversationId, a lowercase UUID."""
    operations = _schema(tmp_path)["paths"]["/api/messages/{conversation_id}"]
    for method in ("put", "delete"):
        (segment,) = [p for p in operations[method]["parameters"] if p["in"] == "path"]
        assert "messageId" in segment["description"], method
        assert "messageId" in operations[method]["summary"], method
    (segment,) = [p for p in operations["post"]["parameters"] if p["in"] == "path"]
    assert segment["schema"]["format"] == "uuid"
    assert segment["schema"]["pattern"].startswith("^[0-9a-f]{8}-")


def test_the_schema_states_the_limits_the_server_enforces(tmp_path, settings):
    schema = _schema(tmp_path)
    paths, components = schema["paths"], schema["components"]["schemas"]

    def parameter(path: str, name: str) -> dict:
        (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        return found

    for path in ("/api/convos", "/api/messages"):
        assert parameter(path, "search")["schema"]["maxLength"] == settings.SEARCH_QUERY_MAX_CHARS
    for path, name in (
        ("/api/convos", "limit"),
        ("/api/share", "pageSize"),
        ("/api/tags/list", "pageNumber"),
    ):
        assert parameter(path, name)["schema"]["minimum"] == 1
    # ?sortBy= is "not given" (the default), which the schema says instead of refusing it.
    assert parameter("/api/convos", "sortBy")["allowEmptyValue"] is True

    message = components["MessageCreateInputRequest"]
    assert message["properties"]["messageId"]["pattern"].startswith("^[0-9a-f]{8}-")
    assert {"required": ["text"]}.items() <= message["anyOf"][0].items()
    # An empty content says nothing (400 text or content is required): the schema says so too.
    assert message["anyOf"][1]["properties"]["content"]["minItems"] == 1
    assert (
        components["ChatMessageCreateInputRequest"]["properties"]["workflowId"]["format"] == "uuid"
    )
    assert (
        components["MemoryCreateInputRequest"]["properties"]["key"]["pattern"]
        == "^[a-z0-9_]{1,100}$"
    )
    assert components["TagCreateInputRequest"]["properties"]["tag"]["maxLength"] == 255
    assert components["ChatCreateInputRequest"]["properties"]["title"]["maxLength"] == 1024
    tags_by_rating = {
        branch["properties"]["rating"]["enum"][0]: branch["properties"]["tag"]["enum"]
        for branch in components["FeedbackInputRequest"]["oneOf"]
    }
    assert "accurate_reliable" in tags_by_rating["thumbsUp"]
    assert "accurate_reliable" not in tags_by_rating["thumbsDown"]
    # Bodies that answer "Unknown field" for extra keys say so.
    assert components["ProjectCreateInputRequest"]["additionalProperties"] is False
    # A PATCH body has its serializer's required keys (views never validate partially).
    assert components["MemoryUpdateInputRequest"]["required"] == ["value"]
    # DELETE bodies are documented where the view reads one.
    assert "requestBody" in paths["/api/convos"]["delete"]
    assert "requestBody" in paths["/api/user"]["delete"]
