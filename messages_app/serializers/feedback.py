"""Feedback on a message: the ``PUT .../feedback`` body in, ``{rating, tag?, text?}`` out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from chatcore.errors import invalid_input
from chatcore.schema import schema_rules
from chatcore.schema_examples import request_example
from chatcore.serializers import StrictCharField
from messages_app.models import FEEDBACK_TEXT_MAX_LENGTH, Feedback
from messages_app.selectors.messages import FeedbackRecord, MessageRecord
from messages_app.services.messages import FeedbackInput

INVALID_FEEDBACK = "Invalid feedback"

# LibreChat's feedback tag keys per rating; a tag of the other rating is refused.
FEEDBACK_TAGS = {
    "thumbsUp": (
        "accurate_reliable",
        "creative_solution",
        "clear_well_written",
        "attention_to_detail",
    ),
    "thumbsDown": (
        "not_matched",
        "inaccurate",
        "bad_style",
        "missing_image",
        "unjustified_refusal",
        "not_helpful",
        "other",
    ),
}


def feedback_representation(record: FeedbackRecord) -> dict[str, Any]:
    body: dict[str, Any] = {"rating": record.rating}
    if record.tag is not None:
        body["tag"] = record.tag
    if record.text is not None:
        body[record.comment_key] = record.text
    return body


class FeedbackSerializer(serializers.Serializer):
    """``{rating, tag?, text?}`` (LibreChat) or ``{rating, tag?, comment?}``: the comment comes
    back under the key the client sent it with."""

    rating = serializers.ChoiceField(choices=Feedback.Rating.choices)
    tag = serializers.CharField(required=False)
    text = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)

    def to_representation(self, instance: FeedbackRecord) -> dict[str, Any]:
        return feedback_representation(instance)


class MessageFeedbackResultSerializer(serializers.Serializer):
    messageId = serializers.CharField(source="message_id")
    conversationId = serializers.CharField(source="conversation_id")
    feedback = FeedbackSerializer(allow_null=True)

    def to_representation(self, instance: MessageRecord) -> dict[str, Any]:
        return {
            "messageId": instance.message_id,
            "conversationId": instance.conversation_id,
            "feedback": None
            if instance.feedback is None
            else feedback_representation(instance.feedback),
        }


@schema_rules(
    # validate(): a tag belongs to its rating; the free text comes as text or as comment.
    oneOf=[
        {"properties": {"rating": {"enum": [rating]}, "tag": {"enum": [*tags, None]}}}
        for rating, tags in FEEDBACK_TAGS.items()
    ],
    **{
        "not": {
            "required": ["text", "comment"],
            "properties": {"text": {"type": "string"}, "comment": {"type": "string"}},
        }
    },
)
class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Feedback.Rating.choices)
    tag = StrictCharField(required=False, allow_null=True, max_length=64)
    text = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=FEEDBACK_TEXT_MAX_LENGTH
    )
    comment = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=FEEDBACK_TEXT_MAX_LENGTH
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tag = attrs.get("tag")
        if tag is not None and tag not in FEEDBACK_TAGS[attrs["rating"]]:
            raise serializers.ValidationError({"tag": [f"Not a tag for {attrs['rating']}."]})
        if attrs.get("text") is not None and attrs.get("comment") is not None:
            raise serializers.ValidationError("Send the comment as text or comment, not both.")
        return attrs


@request_example(
    {
        "feedback": {
            "rating": "thumbsUp",
            "tag": "accurate_reliable",
            "text": "Exactly what I needed",
        }
    }
)
class MessageFeedbackInputSerializer(serializers.Serializer):
    """``{"feedback": {...}}``; ``{}``, ``{"feedback": null}`` and ``{"feedback": {}}`` clear it.

    Every problem answers LibreChat's single sentence ``Invalid feedback``; the usual sentence
    and ``fields`` say what was wrong.
    """

    feedback = FeedbackInputSerializer(required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping) and data.get("feedback") == {}:
            data = {"feedback": None}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise invalid_input(exc.detail, error=INVALID_FEEDBACK) from exc
        raw = values.get("feedback")
        if not raw:
            return {"feedback": None}
        comment_key = "comment" if raw.get("comment") is not None else "text"
        return {
            "feedback": FeedbackInput(
                rating=raw["rating"],
                tag=raw.get("tag"),
                text=raw.get(comment_key),
                comment_key=comment_key,
            )
        }
