"""Tags API (docs/api-behaviour.md#tags-api): CRUD, positions, conversation tags, exact counts."""

from __future__ import annotations

import pytest

from convos_app.models import Conversation
from tags_app.models import Tag, TaggedConversation
from tests.factories import ConversationFactory, TagFactory

pytestmark = pytest.mark.django_db


def names_and_positions(user):
    return list(Tag.objects.filter(user=user).order_by("position").values_list("name", "position"))


def counts(user):
    return dict(Tag.objects.filter(user=user).values_list("name", "count"))


def test_create_returns_the_tag_and_reposting_returns_it_unchanged(auth_client, user):
    r = auth_client.post("/api/tags", {"tag": "bookmark"}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["tag"], body["count"], body["position"]) == ("bookmark", 0, 1)
    assert isinstance(body["_id"], str) and body["user"] == str(user.pk)
    again = auth_client.post("/api/tags", {"tag": "bookmark"}, format="json")
    assert again.status_code == 200 and again.json() == body
    r = auth_client.post("/api/tags", {"tag": "second"}, format="json")
    assert r.json()["position"] == 2


def test_create_and_add_to_conversation_counts_it(auth_client, user):
    convo = ConversationFactory(user=user)
    r = auth_client.post(
        "/api/tags",
        {"tag": "t", "addToConversation": True, "conversationId": convo.conversation_id},
        format="json",
    )
    assert r.status_code == 201 and r.json()["count"] == 1
    assert auth_client.get(f"/api/convos/{convo.conversation_id}").json()["tags"] == ["t"]


def test_create_for_a_foreign_conversation_is_404_and_creates_nothing(auth_client, other_user):
    foreign = ConversationFactory(user=other_user)
    r = auth_client.post(
        "/api/tags",
        {"tag": "t", "addToConversation": True, "conversationId": foreign.conversation_id},
        format="json",
    )
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    assert Tag.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "tag is required"),
        ({"tag": "   "}, "tag is required"),
        ({"tag": 5}, "tag must be a string"),
        ({"tag": "x" * 256}, "tag must be at most 255 characters"),
        ({"tag": "t", "addToConversation": True}, "conversationId is required when "
         "addToConversation is true"),
    ],
)  # fmt: skip
def test_create_rejects_bad_input(auth_client, user, body, error):
    r = auth_client.post("/api/tags", body, format="json")
    assert r.status_code == 400 and r.json()["error"] == error
    assert Tag.objects.count() == 0


def test_list_is_sorted_by_position_and_scoped(auth_client, user, other_user):
    TagFactory(user=user, name="b", position=2)
    TagFactory(user=user, name="a", position=1)
    TagFactory(user=other_user, name="secret", position=1)
    r = auth_client.get("/api/tags")
    assert [t["tag"] for t in r.json()] == ["a", "b"]


def test_set_conversation_tags_diffs_counts(auth_client, user):
    convo = ConversationFactory(user=user)
    url = f"/api/tags/convo/{convo.conversation_id}"
    r = auth_client.put(url, {"tags": ["a", "b"]}, format="json")
    assert r.status_code == 200 and r.json() == ["a", "b"]
    assert counts(user) == {"a": 1, "b": 1}
    r = auth_client.put(url, {"tags": ["b"]}, format="json")
    assert r.json() == ["b"] and counts(user) == {"a": 0, "b": 1}
    r = auth_client.put(url, {"tags": ["c", "b", "c"]}, format="json")
    assert r.json() == ["c", "b"]
    assert auth_client.get(f"/api/convos/{convo.conversation_id}").json()["tags"] == ["c", "b"]
    assert counts(user) == {"a": 0, "b": 1, "c": 1}
    assert names_and_positions(user) == [("a", 1), ("b", 2), ("c", 3)]


def test_add_one_tag_is_idempotent(auth_client, user):
    convo = ConversationFactory(user=user, tags=["x"])
    url = f"/api/tags/convo/{convo.conversation_id}"
    for _ in range(2):
        r = auth_client.post(url, {"tag": "important"}, format="json")
        assert r.status_code == 200 and r.json() == ["x", "important"]
    assert counts(user) == {"x": 1, "important": 1}


def test_conversation_tag_routes_on_a_foreign_conversation_are_404(auth_client, other_user):
    foreign = ConversationFactory(user=other_user, tags=["theirs"])
    url = f"/api/tags/convo/{foreign.conversation_id}"
    assert auth_client.put(url, {"tags": ["x"]}, format="json").status_code == 404
    assert auth_client.post(url, {"tag": "x"}, format="json").status_code == 404
    assert list(TaggedConversation.objects.values_list("tag__name", flat=True)) == ["theirs"]
    assert Tag.objects.filter(name="x").count() == 0


def test_set_tags_rejects_non_lists_and_too_many(auth_client, user):
    convo = ConversationFactory(user=user)
    url = f"/api/tags/convo/{convo.conversation_id}"
    r = auth_client.put(url, {"tags": "a"}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "tags must be a list of strings"
    r = auth_client.put(url, {"tags": [1]}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "tags must be a string"
    r = auth_client.put(url, {"tags": [f"t{i}" for i in range(101)]}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "A conversation can carry at most 100 tags"
    assert Tag.objects.count() == 0


def test_rename_propagates_and_url_decodes(auth_client, user):
    convo = ConversationFactory(user=user, tags=["a b/c"])
    r = auth_client.put("/api/tags/a%20b%2Fc", {"tag": "renamed"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["tag"] == "renamed"
    assert auth_client.get(f"/api/convos/{convo.conversation_id}").json()["tags"] == ["renamed"]
    r = auth_client.get("/api/convos?tags=renamed")
    assert [c["conversationId"] for c in r.json()["conversations"]] == [convo.conversation_id]


def test_rename_onto_an_existing_label_is_409(auth_client, user):
    TagFactory(user=user, name="a", position=1)
    TagFactory(user=user, name="b", position=2)
    r = auth_client.put("/api/tags/a", {"tag": "b"}, format="json")
    assert r.status_code == 409 and r.json() == {"error": "Tag already exists"}


def test_update_description_and_moves_shift_positions(auth_client, user):
    for i, name in enumerate("abcd", start=1):
        TagFactory(user=user, name=name, position=i)
    r = auth_client.put("/api/tags/a", {"position": 3, "description": "first"}, format="json")
    assert r.status_code == 200 and r.json()["description"] == "first"
    assert names_and_positions(user) == [("b", 1), ("c", 2), ("a", 3), ("d", 4)]
    auth_client.put("/api/tags/d", {"position": 1}, format="json")
    assert names_and_positions(user) == [("d", 1), ("b", 2), ("c", 3), ("a", 4)]
    auth_client.put("/api/tags/c", {"position": 99}, format="json")
    assert names_and_positions(user) == [("d", 1), ("b", 2), ("a", 3), ("c", 4)]


def test_update_rejects_bad_position(auth_client, user):
    TagFactory(user=user, name="a", position=1)
    for bad in (-1, "2", True, 1.5):
        r = auth_client.put("/api/tags/a", {"position": bad}, format="json")
        assert r.status_code == 400, (bad, r.json())


def test_unknown_or_foreign_tag_is_404(auth_client, other_user):
    TagFactory(user=other_user, name="theirs", position=1)
    for method in ("put", "delete"):
        for name in ("nope", "theirs"):
            r = getattr(auth_client, method)(
                f"/api/tags/{name}", {"description": "x"}, format="json"
            )
            assert r.status_code == 404 and r.json() == {"error": "Tag not found"}
    assert Tag.objects.get(name="theirs").description is None


def test_delete_pulls_the_tag_and_closes_the_position_gap(auth_client, user):
    for i, name in enumerate("abc", start=1):
        TagFactory(user=user, name=name, position=i)
    convo = ConversationFactory(user=user)
    auth_client.put(f"/api/tags/convo/{convo.conversation_id}", {"tags": ["a", "c"]}, format="json")
    r = auth_client.delete("/api/tags/a")
    assert r.status_code == 200 and r.json()["tag"] == "a" and r.json()["position"] == 1
    assert names_and_positions(user) == [("b", 1), ("c", 2)]
    assert auth_client.get(f"/api/convos/{convo.conversation_id}").json()["tags"] == ["c"]


def test_a_tag_named_list_can_still_be_updated_and_deleted(auth_client, user):
    TagFactory(user=user, name="list", position=1)
    assert auth_client.put("/api/tags/list", {"description": "d"}, format="json").status_code == 200
    assert auth_client.delete("/api/tags/list").status_code == 200
    assert Tag.objects.count() == 0


def test_paged_list_sorts_and_pages(auth_client, user):
    for i, name in enumerate(["c", "a", "b"], start=1):
        TagFactory(user=user, name=name, position=i, count=i)
    r = auth_client.get("/api/tags/list?pageNumber=1&pageSize=2&sort=name&order=asc")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert [t["tag"] for t in body["tags"]] == ["a", "b"]
    assert (body["pageNumber"], body["pageSize"], body["pages"], body["total"]) == (1, 2, 2, 3)
    r = auth_client.get("/api/tags/list?pageNumber=2&pageSize=2&sort=name&order=asc")
    assert [t["tag"] for t in r.json()["tags"]] == ["c"]
    r = auth_client.get("/api/tags/list?sort=count&order=desc")
    assert [t["tag"] for t in r.json()["tags"]] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("sort=password", "sort must be one of: name, count, position, createdAt"),
        ("order=up", "order must be one of: asc, desc"),
        ("pageNumber=0", "pageNumber must be a positive integer"),
    ],
)
def test_paged_list_rejects_bad_query(auth_client, user, query, error):
    r = auth_client.get(f"/api/tags/list?{query}")
    assert r.status_code == 400 and r.json()["error"] == error


def test_counts_stay_exact_through_fork_duplicate_and_delete(auth_client, user):
    convo = ConversationFactory(user=user, tags=["w"])
    from tests.factories import MessageFactory

    message = MessageFactory(conversation=convo)
    body = {"conversationId": convo.conversation_id, "messageId": message.message_id}
    auth_client.post("/api/convos/fork", body, format="json")
    auth_client.post("/api/convos/duplicate", body, format="json")
    assert counts(user) == {"w": 3}
    auth_client.delete(
        "/api/convos", {"arg": {"conversationId": convo.conversation_id}}, format="json"
    )
    assert counts(user) == {"w": 2}
    auth_client.delete("/api/convos/all")
    assert counts(user) == {"w": 0}
    assert Conversation.objects.count() == 0


def test_nfc_normalisation_makes_composed_and_decomposed_labels_one_tag(auth_client, user):
    auth_client.post("/api/tags", {"tag": "caf\u00e9"}, format="json")
    r = auth_client.post("/api/tags", {"tag": "cafe\u0301"}, format="json")
    assert r.status_code == 200 and r.json()["tag"] == "caf\u00e9"
    assert Tag.objects.count() == 1
