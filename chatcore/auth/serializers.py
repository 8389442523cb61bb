"""Wire shapes of the auth endpoints (LibreChat's login/refresh/user bodies)."""

from rest_framework import serializers

from chatcore.models import User
from chatcore.schema_examples import request_example
from chatcore.serializers import ModelSerializer, TimestampField


@request_example(
    {
        "name": "Alice Martin",
        "username": "alice",
        "email": "alice@example.com",
        "password": "a long passphrase 42",
        "confirm_password": "a long passphrase 42",
    }
)
class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(min_length=8, max_length=128, trim_whitespace=False)
    confirm_password = serializers.CharField(required=False, max_length=128, trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    username = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")

    def validate(self, attrs: dict) -> dict:
        confirm = attrs.pop("confirm_password", None)
        if confirm is not None and confirm != attrs["password"]:
            raise serializers.ValidationError({"confirm_password": ["Passwords do not match."]})
        return attrs


@request_example({"email": "alice@example.com", "password": "a long passphrase 42"})
class LoginInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


@request_example(
    {
        "refreshToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"
    }
)
class RefreshInputSerializer(serializers.Serializer):
    """Browsers send the ``refreshToken`` cookie; scripts may send the token in the body."""

    refresh = serializers.CharField(required=False, max_length=4096)
    refreshToken = serializers.CharField(required=False, max_length=4096)


class UserSerializer(ModelSerializer):
    """The sanitized user LibreChat's client reads (both ``id`` and ``_id``, never a hash)."""

    id = serializers.CharField(read_only=True)
    _id = serializers.CharField(source="id", read_only=True)
    role = serializers.SerializerMethodField()
    provider = serializers.SerializerMethodField()
    emailVerified = serializers.SerializerMethodField()
    createdAt = TimestampField(source="date_joined", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "_id",
            "email",
            "username",
            "name",
            "role",
            "provider",
            "emailVerified",
            "createdAt",
        ]
        read_only_fields = fields

    def get_role(self, user: User) -> str:
        return "ADMIN" if user.is_staff else "USER"

    def get_provider(self, user: User) -> str:
        return "local"

    def get_emailVerified(self, user: User) -> bool:
        return True


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="JWT access token for `Authorization: Bearer`.")
    refreshToken = serializers.CharField(
        help_text="Refresh token (also set as the httpOnly `refreshToken` cookie)."
    )
    user = UserSerializer()


class MessageResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
