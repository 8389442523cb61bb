"""Wire shapes of account self-service: deletion with the password, password reset."""

from rest_framework import serializers

from chatcore.schema_examples import request_example


@request_example({"password": "a long passphrase 42"})
class AccountDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="The account's current password."
    )


class AccountDeletedSerializer(serializers.Serializer):
    message = serializers.CharField()
    deleted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Rows deleted per kind (conversations, messages, contentParts, tags, ...).",
    )


@request_example({"email": "alice@example.com"})
class PasswordResetRequestInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


@request_example(
    {
        "userId": "42",
        "token": "cf1x2k-6d0e2b9a4f1c7e3d5b8a",
        "password": "a new long passphrase",
        "confirm_password": "a new long passphrase",
    }
)
class PasswordResetInputSerializer(serializers.Serializer):
    userId = serializers.CharField(max_length=64, help_text="The `userId` of the reset link.")
    token = serializers.CharField(max_length=128, help_text="The `token` of the reset link.")
    password = serializers.CharField(min_length=8, max_length=128, trim_whitespace=False)
    confirm_password = serializers.CharField(required=False, max_length=128, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        confirm = attrs.pop("confirm_password", None)
        if confirm is not None and confirm != attrs["password"]:
            raise serializers.ValidationError({"confirm_password": ["Passwords do not match."]})
        return attrs
