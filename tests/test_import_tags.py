"""Imported tags go through the tags service: the API's normal form, positions and exact counts.

An export file may spell a label decomposed ("Cafe" + U+0301 COMBINING ACUTE ACCENT, as macOS
and some exporters write it); the API stores labels NFC-normalised, so the import must land on
the same tag rather than create a look-alike twin.
"""

from __future__ import annotations

import io
import json

import pytest

from convos_app.models import Conversation
from convos_app.services.imports import conversations_import
from tags_app.models import Tag, TaggedConversation
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

DECOMPOSED = "Cafe\u0301"
COMPOSED = "Caf\u00e9"


def librechat_export(title: str, tags: list[str]) -> dict:
    return {
        "conversationId": f"source-{title}",
        "title": title,
        "endpoint": "openAI",
        "tags": tags,
        "messages": [
            {"messageId": "m1", "parentMessageId": None, "text": "hi", "sender": "User"},
        ],
    }


def import_json(user, data) -> None:
    conversations_import(user=user, stream=io.BytesIO(json.dumps(data).encode()))


def tags_of(user) -> list[tuple[str, int, int]]:
    """(label, position, count) of every tag of ``user``, in display order."""
    return list(
        Tag.objects.filter(user=user).order_by("position").values_list("name", "position", "count")
    )


def test_a_decomposed_label_lands_on_the_existing_composed_tag(auth_client, user):
    tagged = ConversationFactory(user=user)
    r = auth_client.put(
        f"/api/tags/convo/{tagged.conversation_id}", {"tags": [COMPOSED]}, format="json"
    )
    assert r.status_code == 200 and r.json() == [COMPOSED]

    import_json(user, [librechat_export("imported", [DECOMPOSED, f"  {COMPOSED} ", "work"])])

    assert tags_of(user) == [(COMPOSED, 1, 2), ("work", 2, 1)]
    imported = Conversation.objects.get(user=user, title="imported")
    links = TaggedConversation.objects.filter(conversation=imported).order_by("pk")
    assert list(links.values_list("tag__name", flat=True)) == [COMPOSED, "work"]
    assert auth_client.get(f"/api/convos/{imported.conversation_id}").json()["tags"] == [
        COMPOSED,
        "work",
    ]


def test_import_normalises_exactly_like_the_api(auth_client, user):
    import_json(
        user,
        [librechat_export("first", [DECOMPOSED]), librechat_export("second", [DECOMPOSED, "  "])],
    )
    assert tags_of(user) == [(COMPOSED, 1, 2)]

    convo = ConversationFactory(user=user)
    r = auth_client.put(
        f"/api/tags/convo/{convo.conversation_id}", {"tags": [DECOMPOSED]}, format="json"
    )
    assert r.json() == [COMPOSED]
    assert tags_of(user) == [(COMPOSED, 1, 3)]


def test_new_imported_tags_come_after_the_users_tags(auth_client, user):
    for name in ("a", "b"):
        assert auth_client.post("/api/tags", {"tag": name}, format="json").status_code == 201

    import_json(user, [librechat_export("x", ["b", "new"])])

    assert tags_of(user) == [("a", 1, 0), ("b", 2, 1), ("new", 3, 1)]
