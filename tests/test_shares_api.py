"""Shared links through the API (docs/api-behaviour.md#shared-links): publish, read, list,
re-publish, revoke, fork; snapshot isolation, branch scope, anonymization, the not-found oracle,
ownership and cascades."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatcore.models import NO_PARENT
from convos_app.models import Conversation, SharedLink, SharedMessage
from convos_app.services.delete import conversations_delete_by_pks
from convos_app.services.shares import (
    SHARE_ID_BYTES,
    new_share_id,
    shared_link_create,
    shared_link_fork,
    shared_link_update,
)
from messages_app.models import Feedback, Message
from tests.conftest import bearer_client
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    UserFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": "Shared link not found"}


def branched(user, *, title="Trip plans"):
    """root → a1 → {b_left, b_right}; b_left → c_left. Returns (conversation, messages by name)."""
    convo = ConversationFactory(user=user, title=title, endpoint="openAI", model="gpt-4o")
    start = timezone.now() - timedelta(hours=1)
    names = [
        ("root", None, True),
        ("a1", "root", False),
        ("b_left", "a1", True),
        ("b_right", "a1", True),
        ("c_left", "b_left", False),
    ]
    rows = {}
    for i, (name, parent, by_user) in enumerate(names):
        rows[name] = MessageFactory(
            conversation=convo,
            parent_message_id=rows[parent].message_id if parent else NO_PARENT,
            is_created_by_user=by_user,
            sender="Alice Liddell" if by_user else "GPT-4o",
            text=f"text of {name}",
            created_at=start + timedelta(seconds=i),
        )
    return convo, rows


def publish(client, convo, **body):
    r = client.post(f"/api/share/{convo.conversation_id}", body, format="json")
    assert r.status_code in (200, 201), r.json()
    return r.json()


def read(client, share_id):
    r = client.get(f"/api/share/{share_id}")
    assert r.status_code == 200, r.json()
    return r.json()


# --- publish and read ------------------------------------------------------------------------
def test_publish_answers_201_with_the_link_and_a_second_publish_the_same_link(user, auth_client):
    convo, _ = branched(user)

    r = auth_client.post(f"/api/share/{convo.conversation_id}", {}, format="json")
    again = auth_client.post(f"/api/share/{convo.conversation_id}", {}, format="json")

    assert r.status_code == 201, r.json()
    body = r.json()
    assert body == {
        "shareId": body["shareId"],
        "conversationId": convo.conversation_id,
        "targetMessageId": None,
    }
    assert again.status_code == 200
    assert again.json() == body
    assert SharedLink.objects.count() == 1


def test_share_ids_are_long_random_url_safe_tokens():
    ids = {new_share_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert SHARE_ID_BYTES * 8 >= 128
    assert all(len(i) == 32 and all(c.isalnum() or c in "-_" for c in i) for i in ids)


def test_read_shows_the_whole_conversation_with_share_scoped_ids(user, auth_client):
    convo, rows = branched(user)
    share_id = publish(auth_client, convo)["shareId"]

    body = read(bearer_client(UserFactory()), share_id)

    messages = body["messages"]
    assert [m["text"] for m in messages] == [f"text of {n}" for n in rows]
    assert body["shareId"] == share_id
    assert body["title"] == "Trip plans"
    assert body["targetMessageId"] is None
    assert set(body) == {
        "shareId", "conversationId", "title", "targetMessageId", "createdAt", "updatedAt",
        "messages",
    }  # fmt: skip
    assert body["conversationId"] != convo.conversation_id
    assert all(m["conversationId"] == body["conversationId"] for m in messages)
    real_ids = {row.message_id for row in rows.values()}
    assert not real_ids & {m["messageId"] for m in messages}
    # The tree survives the id swap: each parent is the scoped id of the real parent.
    by_text = {m["text"]: m for m in messages}
    assert by_text["text of root"]["parentMessageId"] == NO_PARENT
    assert by_text["text of c_left"]["parentMessageId"] == by_text["text of b_left"]["messageId"]
    assert by_text["text of b_right"]["parentMessageId"] == by_text["text of a1"]["messageId"]
    assert set(messages[0]) == {
        "messageId", "conversationId", "parentMessageId", "sender", "text", "isCreatedByUser",
        "endpoint", "model", "error", "unfinished", "createdAt", "updatedAt",
    }  # fmt: skip


def test_scoped_ids_are_stable_per_share_and_differ_between_shares(user, auth_client):
    convo, rows = branched(user)
    whole = publish(auth_client, convo)["shareId"]
    path = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)["shareId"]

    first, second = read(auth_client, whole), read(auth_client, whole)
    other = read(auth_client, path)

    assert first["messages"] == second["messages"]
    assert not {m["messageId"] for m in first["messages"]} & {
        m["messageId"] for m in other["messages"]
    }
    # and re-publishing keeps them
    assert auth_client.patch(f"/api/share/{whole}", {}, format="json").status_code == 200
    ids_after = [m["messageId"] for m in read(auth_client, whole)["messages"]]
    assert ids_after == [m["messageId"] for m in first["messages"]]


def test_a_target_shares_only_the_path_from_the_root_to_it(user, auth_client):
    convo, rows = branched(user)

    link = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)
    body = read(auth_client, link["shareId"])

    assert link["targetMessageId"] == rows["c_left"].message_id
    assert [m["text"] for m in body["messages"]] == [
        "text of root",
        "text of a1",
        "text of b_left",
        "text of c_left",
    ]  # not b_right, the sibling branch at the same depth
    assert body["targetMessageId"] == body["messages"][-1]["messageId"]


def test_one_link_per_target_and_another_target_gets_its_own_link(user, auth_client):
    convo, rows = branched(user)
    whole = publish(auth_client, convo)
    left = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)
    right = publish(auth_client, convo, targetMessageId=rows["b_right"].message_id)
    left_again = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)

    assert len({whole["shareId"], left["shareId"], right["shareId"]}) == 3
    assert left_again == left
    assert SharedLink.objects.filter(conversation=convo).count() == 3


# --- snapshot, not a live view -----------------------------------------------------------------
def test_later_edits_do_not_show_until_the_owner_republishes(user, auth_client):
    convo, rows = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    before = read(auth_client, share_id)

    Message.objects.filter(pk=rows["a1"].pk).update(text="edited after sharing")
    Message.objects.filter(pk=rows["b_right"].pk).delete()
    MessageFactory(conversation=convo, parent_message_id=rows["c_left"].message_id, text="new")
    Conversation.objects.filter(pk=convo.pk).update(title="Renamed")

    assert read(auth_client, share_id) == before

    r = auth_client.patch(f"/api/share/{share_id}", {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["shareId"] == share_id
    after = read(auth_client, share_id)
    texts = [m["text"] for m in after["messages"]]
    assert "edited after sharing" in texts and "new" in texts
    assert "text of b_right" not in texts and "text of a1" not in texts
    assert after["title"] == "Renamed"
    assert after["updatedAt"] > before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]


def test_patch_can_move_the_target_and_null_shares_everything(user, auth_client):
    convo, rows = branched(user)
    share_id = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)["shareId"]

    moved = auth_client.patch(
        f"/api/share/{share_id}", {"targetMessageId": rows["b_right"].message_id}, format="json"
    )
    assert moved.status_code == 200
    assert [m["text"] for m in read(auth_client, share_id)["messages"]] == [
        "text of root",
        "text of a1",
        "text of b_right",
    ]
    whole = auth_client.patch(f"/api/share/{share_id}", {"targetMessageId": None}, format="json")
    assert whole.json()["targetMessageId"] is None
    assert len(read(auth_client, share_id)["messages"]) == 5


def test_patch_onto_a_target_another_link_has_is_409_and_changes_nothing(user, auth_client):
    convo, rows = branched(user)
    publish(auth_client, convo)
    share_id = publish(auth_client, convo, targetMessageId=rows["c_left"].message_id)["shareId"]
    before = read(auth_client, share_id)

    r = auth_client.patch(f"/api/share/{share_id}", {"targetMessageId": None}, format="json")

    assert r.status_code == 409
    assert r.json() == {"error": "This conversation already has a shared link for that message"}
    assert read(auth_client, share_id) == before


# --- anonymization ---------------------------------------------------------------------------
def test_the_read_contains_none_of_the_owners_identifiers(auth_client):
    owner = UserFactory(email="owner.secret@example.org", name="Zebulon Quartermain",
                        username="zq-handle")  # fmt: skip
    client = bearer_client(owner)
    convo, rows = branched(owner)
    MessageFactory(
        conversation=convo,
        parent_message_id=rows["c_left"].message_id,
        is_created_by_user=True,
        sender="Zebulon Quartermain",
        text="plain question",
        files=[{"file_id": "f1", "filepath": "/uploads/zq/secret.pdf"}],
        attachments=[{"filepath": "/images/zq/plot.png"}],
        metadata={"owner": "owner.secret@example.org"},
        icon_url="/images/zq/avatar.png",
    )
    answer = MessageFactory(conversation=convo, is_created_by_user=False, text="",
                            parent_message_id=rows["c_left"].message_id)  # fmt: skip
    ContentPartFactory(
        message=answer,
        index=0,
        type="text",
        payload={
            "type": "text",
            "text": {
                "value": "cited",
                "annotations": [
                    {
                        "type": "file_citation",
                        "file_citation": {"file_id": "/uploads/zq/secret.pdf"},
                    }
                ],
            },
        },
    )
    ContentPartFactory(
        message=answer,
        index=1,
        type="image_file",
        payload={"type": "image_file", "image_file": {"filepath": "/images/zq/x.png"}},
    )
    ContentPartFactory(
        message=answer, index=2, type="think", payload={"type": "think", "think": "hm"}
    )
    FeedbackFactory(message=answer, text="my private comment on this")  # fmt: skip
    share_id = publish(client, convo)["shareId"]

    r = auth_client.get(f"/api/share/{share_id}")

    raw = r.content.decode()
    for secret in [
        "owner.secret@example.org", "Zebulon", "Quartermain", "zq-handle", "/uploads/", "/images/",
        "my private comment", "file_citation", "feedback", '"user"', convo.conversation_id,
        *[row.message_id for row in Message.objects.filter(conversation=convo)],
    ]:  # fmt: skip
        assert secret not in raw, secret
    assert f'"{owner.pk}"' not in raw
    shown = {m["text"] or json.dumps(m.get("content")): m for m in r.json()["messages"]}
    cited = next(m for m in r.json()["messages"] if m.get("content"))
    assert cited["content"] == [{"type": "text", "text": "cited"}, {"type": "think", "think": "hm"}]
    assert all(m["sender"] == "User" for m in shown.values() if m["isCreatedByUser"])


def test_hide_model_withholds_endpoint_model_and_assistant_name(user, auth_client):
    convo, _ = branched(user)

    share_id = publish(auth_client, convo, hideModel=True)["shareId"]
    r = auth_client.get(f"/api/share/{share_id}")

    raw = r.content.decode()
    assert "gpt-4o" not in raw and "openAI" not in raw and "GPT-4o" not in raw
    assert {m["sender"] for m in r.json()["messages"]} == {"User", "Assistant"}
    assert all(m["endpoint"] is None and m["model"] is None for m in r.json()["messages"])


def test_without_hide_model_the_model_is_shown(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    messages = read(auth_client, share_id)["messages"]
    assert {m["model"] for m in messages} == {"gpt-4o"}
    assert {m["sender"] for m in messages} == {"User", "GPT-4o"}


# --- the not-found oracle ----------------------------------------------------------------------
def _answer(client, share_id):
    r = client.get(f"/api/share/{share_id}")
    headers = {k: v for k, v in r.items() if k.lower() != "date"}
    return r.status_code, r.content, headers


def test_revoked_expired_and_never_existing_ids_answer_identically(user, auth_client):
    convo, _ = branched(user)
    revoked = publish(auth_client, convo)["shareId"]
    temporary = ConversationFactory(user=user, expired_at=timezone.now() + timedelta(days=1))
    MessageFactory(conversation=temporary)
    expired = publish(auth_client, temporary)["shareId"]
    SharedLink.objects.filter(share_id=expired).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    r = auth_client.delete(f"/api/share/{revoked}")
    assert r.status_code == 200
    assert r.json() == {
        "success": True,
        "shareId": revoked,
        "message": "Share deleted successfully",
    }

    reader = bearer_client(UserFactory())
    answers = [
        _answer(reader, share_id)
        for share_id in (revoked, expired, new_share_id(), "x", "a" * 500, "%00")
    ]

    assert all(answer == answers[0] for answer in answers), answers
    # and the well-formed ones take the same path: the same single lookup
    lookups = []
    for share_id in (revoked, expired, new_share_id()):
        with CaptureQueriesContext(connection) as queries:
            reader.get(f"/api/share/{share_id}")
        lookups.append(
            [
                re.sub(r"'\d{4}-\d\d-\d\d[^']*'", "NOW", q["sql"].replace(share_id, "?"))
                for q in queries.captured_queries
            ]
        )
    assert lookups[0] == lookups[1] == lookups[2]
    status, content, headers = answers[0]
    assert status == 404
    assert json.loads(content) == NOT_FOUND
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_temporary_chat_link_answers_until_the_chat_expires(user, auth_client):
    temporary = ConversationFactory(user=user, expired_at=timezone.now() + timedelta(hours=1))
    MessageFactory(conversation=temporary, text="short-lived")
    share_id = publish(auth_client, temporary)["shareId"]

    assert read(auth_client, share_id)["messages"][0]["text"] == "short-lived"
    assert SharedLink.objects.get(share_id=share_id).expires_at == temporary.expired_at


def test_read_headers_are_private_no_store_and_nosniff(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    r = auth_client.get(f"/api/share/{share_id}")
    assert r["Cache-Control"] == "private, no-store"
    assert r["X-Content-Type-Options"] == "nosniff"
    listing = auth_client.get("/api/share")
    assert listing["Cache-Control"] == "private, no-store"


# --- who may read ------------------------------------------------------------------------------
def test_anonymous_readers_get_401_unless_share_public(user, auth_client, api_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]

    r = api_client.get(f"/api/share/{share_id}")
    assert r.status_code == 401

    with override_settings(SHARE_PUBLIC=True):
        public = api_client.get(f"/api/share/{share_id}")
        missing = api_client.get(f"/api/share/{new_share_id()}")
        assert api_client.get("/api/share").status_code == 401
        assert api_client.post(f"/api/share/{share_id}/fork", {}, format="json").status_code == 401
    assert public.status_code == 200
    assert len(public.json()["messages"]) == 5
    assert public["Cache-Control"] == "public, no-cache"
    assert missing.status_code == 404 and missing.json() == NOT_FOUND
    assert missing["Cache-Control"] == "private, no-store"


@override_settings(SHARE_ENABLED=False)
def test_share_enabled_off_switches_every_route_off(user, auth_client):
    convo, _ = branched(user)
    for method, path in [
        ("post", f"/api/share/{convo.conversation_id}"),
        ("get", "/api/share"),
        ("get", f"/api/share/link/{convo.conversation_id}"),
        ("get", f"/api/share/{new_share_id()}"),
        ("post", f"/api/share/{new_share_id()}/fork"),
    ]:
        r = getattr(auth_client, method)(path, {}, format="json") if method == "post" else (
            auth_client.get(path))  # fmt: skip
        assert r.status_code == 403, path
        assert r.json() == {"error": "Shared links are disabled"}
    assert SharedLink.objects.count() == 0


# --- ownership ---------------------------------------------------------------------------------
def test_another_users_management_routes_answer_404_and_change_nothing(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    before = read(auth_client, share_id)
    mallory = bearer_client(UserFactory())

    create = mallory.post(f"/api/share/{convo.conversation_id}", {}, format="json")
    link = mallory.get(f"/api/share/link/{convo.conversation_id}")
    patch = mallory.patch(f"/api/share/{share_id}", {}, format="json")
    delete = mallory.delete(f"/api/share/{share_id}")
    listing = mallory.get("/api/share")

    assert create.status_code == 404 and create.json() == {"error": "Conversation not found"}
    assert link.status_code == 404 and link.json() == {"error": "Conversation not found"}
    assert patch.status_code == 404 and patch.json() == NOT_FOUND
    assert delete.status_code == 404 and delete.json() == NOT_FOUND
    missing = mallory.delete(f"/api/share/{new_share_id()}")
    assert (missing.status_code, missing.content) == (delete.status_code, delete.content)
    assert listing.json() == {"links": [], "nextCursor": None, "hasNextPage": False}
    assert SharedLink.objects.count() == 1
    assert read(auth_client, share_id) == before


def test_publish_with_a_message_of_another_conversation_is_404(user, auth_client):
    convo, _ = branched(user)
    elsewhere = MessageFactory(conversation=ConversationFactory(user=user))
    foreign = MessageFactory(conversation=ConversationFactory(user=UserFactory()))
    for message in (elsewhere, foreign):
        r = auth_client.post(
            f"/api/share/{convo.conversation_id}",
            {"targetMessageId": message.message_id},
            format="json",
        )
        assert r.status_code == 404 and r.json() == {"error": "Message not found"}
    assert SharedLink.objects.count() == 0


def test_bad_bodies_are_400_and_create_nothing(user, auth_client):
    convo, _ = branched(user)
    for body, error in [
        ({"targetMessageId": 12}, "targetMessageId must be a string"),
        ({"hideModel": "yes"}, "hideModel must be a boolean"),
        ({"targetMessageId": "a\u0000b"}, "Text must not contain NUL characters"),
    ]:
        r = auth_client.post(f"/api/share/{convo.conversation_id}", body, format="json")
        assert r.status_code == 400, body
        assert r.json()["error"] == error
    r = auth_client.post(f"/api/share/{convo.conversation_id}", [1], format="json")
    assert r.status_code == 400
    assert SharedLink.objects.count() == 0


# --- link lookup -------------------------------------------------------------------------------
def test_link_lookup_answers_the_link_or_share_id_null(user, auth_client):
    convo, rows = branched(user)
    none = auth_client.get(f"/api/share/link/{convo.conversation_id}")
    assert none.status_code == 200
    assert none.json() == {
        "shareId": None,
        "conversationId": convo.conversation_id,
        "targetMessageId": None,
        "success": False,
    }
    link = publish(auth_client, convo, targetMessageId=rows["a1"].message_id)
    found = auth_client.get(f"/api/share/link/{convo.conversation_id}")
    assert found.json() == {**link, "success": True}


# --- list --------------------------------------------------------------------------------------
def test_list_pages_the_callers_links_by_keyset_with_search_and_sorting(user, auth_client):
    start = timezone.now() - timedelta(days=1)
    for i, title in enumerate(["Banana bread", "apple pie", "Cherry tart", "Apple crumble"]):
        convo = ConversationFactory(user=user, title=title)
        MessageFactory(conversation=convo)
        link = publish(auth_client, convo)
        SharedLink.objects.filter(share_id=link["shareId"]).update(
            created_at=start + timedelta(minutes=i)
        )
    other = ConversationFactory(user=UserFactory(), title="apple of someone else")
    publish(bearer_client(other.user), other)

    first = auth_client.get("/api/share", {"pageSize": 3})
    assert first.status_code == 200
    body = first.json()
    assert [link["title"] for link in body["links"]] == [
        "Apple crumble",
        "Cherry tart",
        "apple pie",
    ]
    assert body["hasNextPage"] is True
    item = body["links"][0]
    assert set(item) == {"shareId", "title", "conversationId", "targetMessageId", "isPublic",
                         "createdAt", "updatedAt"}  # fmt: skip
    assert item["isPublic"] is True
    second = auth_client.get("/api/share", {"pageSize": 3, "cursor": body["nextCursor"]}).json()
    assert [link["title"] for link in second["links"]] == ["Banana bread"]
    assert second == {**second, "nextCursor": None, "hasNextPage": False}

    by_title = auth_client.get("/api/share", {"sortBy": "title", "sortDirection": "asc",
                                              "search": "APPLE"}).json()  # fmt: skip
    assert sorted(link["title"] for link in by_title["links"]) == ["Apple crumble", "apple pie"]


def test_list_refuses_bad_queries_with_400(auth_client):
    for query, error in [
        ({"sortBy": "updatedAt"}, "sortBy must be one of: createdAt, title"),
        ({"sortDirection": "up"}, "sortDirection must be one of: asc, desc"),
        ({"pageSize": "0"}, "pageSize must be a positive integer"),
        ({"cursor": "forged"}, "Invalid cursor"),
    ]:
        r = auth_client.get("/api/share", query)
        assert r.status_code == 400, query
        assert r.json()["error"] == error


def test_list_costs_a_fixed_number_of_queries(
    auth_from_database, user, auth_client, django_assert_num_queries
):
    for _ in range(5):
        convo = ConversationFactory(user=user)
        MessageFactory(conversation=convo)
        publish(auth_client, convo)
    # auth user lookup + the page (links joined with their conversations)
    with django_assert_num_queries(2):
        r = auth_client.get("/api/share", {"pageSize": 3})
    assert len(r.json()["links"]) == 3


def test_read_costs_two_queries_however_many_messages(
    auth_from_database, user, auth_client, django_assert_num_queries
):
    convo = ConversationFactory(user=user)
    for _ in range(30):
        MessageFactory(conversation=convo)
    share_id = publish(auth_client, convo)["shareId"]
    with django_assert_num_queries(3):  # auth user + link + its messages
        r = auth_client.get(f"/api/share/{share_id}")
    assert len(r.json()["messages"]) == 30


# --- fork from a share -------------------------------------------------------------------------
@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_fork_copies_the_snapshot_into_the_readers_account(user, auth_client):
    convo, rows = branched(user)
    FeedbackFactory(message=rows["a1"], text="owner's note")
    share_id = publish(auth_client, convo)["shareId"]
    shared = read(auth_client, share_id)
    reader = UserFactory()

    r = bearer_client(reader).post(
        f"/api/share/{share_id}/fork",
        {"targetMessageIndex": 4, "shareRevision": shared["updatedAt"]},
        format="json",
    )

    assert r.status_code == 200, r.json()
    body = r.json()
    copy = Conversation.objects.get(conversation_id=body["conversation"]["conversationId"])
    assert copy.user == reader
    assert body["conversation"]["title"] == "Trip plans (Fork)"
    texts = [m["text"] for m in body["messages"]]
    assert texts == ["text of root", "text of a1", "text of b_left", "text of c_left"]
    # fresh ids, parents remapped, no feedback carried over
    new_ids = [m["messageId"] for m in body["messages"]]
    assert not set(new_ids) & {m["messageId"] for m in shared["messages"]}
    assert [m["parentMessageId"] for m in body["messages"]] == [NO_PARENT, *new_ids[:-1]]
    assert all(m.get("feedback") is None for m in body["messages"])
    assert not Feedback.objects.filter(user=reader).exists()
    assert Message.objects.filter(conversation=copy, user=reader).count() == 4
    # the owner's conversation is untouched
    assert Message.objects.filter(conversation=convo).count() == 5


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_fork_without_an_index_copies_every_shared_message_with_its_parts(user, auth_client):
    convo, rows = branched(user)
    ContentPartFactory(message=rows["c_left"], index=0, type="text",
                       payload={"type": "text", "text": "part text"})  # fmt: skip
    share_id = publish(auth_client, convo)["shareId"]

    r = auth_client.post(f"/api/share/{share_id}/fork", {}, format="json")

    assert r.status_code == 200, r.json()
    assert len(r.json()["messages"]) == 5
    with_parts = [m for m in r.json()["messages"] if m.get("content")]
    assert [m["content"] for m in with_parts] == [[{"type": "text", "text": "part text"}]]


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_fork_with_a_stale_revision_is_409_and_creates_nothing(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    stale = read(auth_client, share_id)["updatedAt"]
    assert auth_client.patch(f"/api/share/{share_id}", {}, format="json").status_code == 200
    conversations = Conversation.objects.count()

    r = auth_client.post(
        f"/api/share/{share_id}/fork",
        {"targetMessageIndex": 0, "shareRevision": stale},
        format="json",
    )

    assert r.status_code == 409
    assert r.json() == {
        "error": "The shared conversation was updated since it was loaded; reload it and retry"
    }
    assert Conversation.objects.count() == conversations
    fresh = read(auth_client, share_id)["updatedAt"]
    ok = auth_client.post(f"/api/share/{share_id}/fork", {"shareRevision": fresh}, format="json")
    assert ok.status_code == 200


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_fork_bad_input_is_400_and_unknown_shares_404(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    for body, error in [
        ({"targetMessageIndex": 5}, "targetMessageIndex is not the index of a shared message"),
        ({"targetMessageIndex": -1}, "targetMessageIndex must be at least 0"),
        ({"targetMessageIndex": "1"}, "targetMessageIndex must be an integer"),
        ({"shareRevision": "yesterday"}, "shareRevision must be an ISO 8601 date-time"),
    ]:
        r = auth_client.post(f"/api/share/{share_id}/fork", body, format="json")
        assert r.status_code == 400, body
        assert r.json()["error"] == error
    r = auth_client.post(f"/api/share/{new_share_id()}/fork", {}, format="json")
    assert r.status_code == 404 and r.json() == NOT_FOUND
    assert Conversation.objects.count() == 1


@override_settings(CONVERSATION_FORK_RATES={"user": (2, 60), "ip": (100, 60)})
def test_fork_from_a_share_is_rate_limited_with_fork(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    assert auth_client.post(f"/api/share/{share_id}/fork", {}, format="json").status_code == 200
    assert (
        auth_client.post(
            "/api/convos/duplicate", {"conversationId": convo.conversation_id}, format="json"
        ).status_code
        == 201
    )

    r = auth_client.post(f"/api/share/{share_id}/fork", {}, format="json")

    assert r.status_code == 429
    assert r.json() == {"error": "Too many conversation fork requests. Try again later"}


# --- cascades ----------------------------------------------------------------------------------
def test_deleting_conversations_deletes_their_links(user, auth_client):
    one, _ = branched(user)
    two, _ = branched(user)
    three, _ = branched(user)
    first = publish(auth_client, one)["shareId"]
    second = publish(auth_client, two)["shareId"]
    third = publish(auth_client, three)["shareId"]

    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": one.conversation_id}}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert auth_client.get(f"/api/share/{first}").status_code == 404
    assert auth_client.get(f"/api/share/{second}").status_code == 200

    assert auth_client.delete("/api/convos/all").status_code == 200
    for share_id in (second, third):
        r = auth_client.get(f"/api/share/{share_id}")
        assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert SharedLink.objects.count() == 0 and SharedMessage.objects.count() == 0


def test_bulk_deletes_by_staff_and_the_chats_api_delete_their_links(user, auth_client):
    by_staff, _ = branched(user)
    chat, _ = branched(user)
    kept, _ = branched(user)
    links = [publish(auth_client, convo)["shareId"] for convo in (by_staff, chat, kept)]

    conversations_delete_by_pks(conversation_pks=[by_staff.pk])
    r = auth_client.delete(f"/api/chats/{chat.conversation_id}")

    assert r.status_code in (200, 204), r.content
    assert [auth_client.get(f"/api/share/{share_id}").status_code for share_id in links] == [
        404,
        404,
        200,
    ]


def test_deleting_the_user_account_deletes_their_links(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    reader = bearer_client(UserFactory())

    user.delete()

    r = reader.get(f"/api/share/{share_id}")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert SharedMessage.objects.count() == 0


# --- the conversation list -----------------------------------------------------------------------
def test_conversation_list_items_carry_is_shared(user, auth_client):
    shared, _ = branched(user, title="Shared one")
    revoked, _ = branched(user, title="Revoked one")
    branched(user, title="Never shared")
    publish(auth_client, shared)
    gone = publish(auth_client, revoked)["shareId"]
    assert auth_client.delete(f"/api/share/{gone}").status_code == 200

    r = auth_client.get("/api/convos")

    assert r.status_code == 200, r.json()
    flags = {c["title"]: c["isShared"] for c in r.json()["conversations"]}
    assert flags == {"Shared one": True, "Revoked one": False, "Never shared": False}


# --- cost --------------------------------------------------------------------------------------
def _queries_for(user, size):
    convo = ConversationFactory(user=user)
    for message in message_chain(convo, size)[::3]:
        ContentPartFactory(message=message, index=0)
    with CaptureQueriesContext(connection) as publishing:
        link, _ = shared_link_create(user=user, conversation_id=convo.conversation_id)
    with CaptureQueriesContext(connection) as republishing:
        shared_link_update(user=user, share_id=link.share_id)
    with CaptureQueriesContext(connection) as forking:
        copy = shared_link_fork(user=UserFactory(), share_id=link.share_id)
    assert len(copy.messages) == size
    return len(publishing), len(republishing), len(forking)


def test_publish_republish_and_fork_cost_the_same_queries_at_any_size(user):
    small = _queries_for(user, 6)
    large = _queries_for(user, 600)

    assert small == large
    publish_queries, republish_queries, fork_queries = large
    assert publish_queries <= 12 and republish_queries <= 14 and fork_queries <= 25, large


@override_settings(SHARE_PUBLISH_RATES={"user": (3, 60), "ip": (100, 60)})
def test_publishing_and_republishing_share_one_rate_limit_per_user(user, auth_client):
    convo, rows = branched(user)
    share_id = publish(auth_client, convo)["shareId"]
    publish(auth_client, convo, targetMessageId=rows["a1"].message_id)
    assert auth_client.patch(f"/api/share/{share_id}", {}, format="json").status_code == 200

    r = auth_client.post(f"/api/share/{convo.conversation_id}", {}, format="json")

    assert r.status_code == 429
    assert r.json() == {"error": "Too many shared link requests. Try again later"}
    assert 1 <= int(r["Retry-After"]) <= 60
    # reads, lists and revokes are not counted, and another user has a budget of their own
    assert auth_client.get(f"/api/share/{share_id}").status_code == 200
    assert auth_client.delete(f"/api/share/{share_id}").status_code == 200
    other, _ = branched(UserFactory())
    r = bearer_client(other.user).post(f"/api/share/{other.conversation_id}", {}, format="json")
    assert r.status_code == 201


def test_patch_keeps_hide_model_unless_told_otherwise(user, auth_client):
    convo, _ = branched(user)
    share_id = publish(auth_client, convo, hideModel=True)["shareId"]

    assert auth_client.patch(f"/api/share/{share_id}", {}, format="json").status_code == 200
    assert {m["model"] for m in read(auth_client, share_id)["messages"]} == {None}
    shown = auth_client.patch(f"/api/share/{share_id}", {"hideModel": False}, format="json")
    assert shown.status_code == 200
    assert {m["model"] for m in read(auth_client, share_id)["messages"]} == {"gpt-4o"}
