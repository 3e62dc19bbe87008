from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.common.validators import single_line_name
from apps.users import selectors

User = get_user_model()

PROFILE_FIELDS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "preferred_standard",
    "print_process",
    "bed_x_mm",
    "bed_y_mm",
    "date_joined",
)


def _validate_standard_code(value: str) -> str:
    # Imported lazily: the catalog app owns standards; users may be migrated before it has data.
    from apps.catalog.selectors import standard_code_exists

    if value and not standard_code_exists(code=value):
        raise serializers.ValidationError(f"Unknown modelling standard '{value}'. See /api/standards/.")
    return value


# Names end up in file names, admin lists and logs: one printable line each.
NAME_KWARGS = {"first_name": {"validators": [single_line_name]}, "last_name": {"validators": [single_line_name]}}


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        read_only_fields = ("id", "username", "date_joined")
        extra_kwargs = NAME_KWARGS

    def validate_email(self, value: str) -> str:
        pk = self.instance.pk if self.instance else None
        if selectors.user_email_taken(email=value, exclude_pk=pk):
            raise serializers.ValidationError("An account with this email already exists.")
        return value

    def validate_preferred_standard(self, value: str) -> str:
        return _validate_standard_code(value)


class RegisterSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, max_length=128)
    email = serializers.EmailField(max_length=254)

    class Meta:
        model = User
        fields = (*PROFILE_FIELDS, "password")
        read_only_fields = ("id", "date_joined")
        # Drop the model's UniqueValidator (validate_username reports it) but keep the character
        # rules: an empty list here used to let control characters and spaces into usernames.
        extra_kwargs = {"username": {"validators": [User.username_validator]}, **NAME_KWARGS}

    def validate_username(self, value: str) -> str:
        if selectors.user_username_taken(username=value):
            raise serializers.ValidationError("This username is already taken.")
        return value

    def validate_email(self, value: str) -> str:
        if selectors.user_email_taken(email=value):
            raise serializers.ValidationError("An account with this email already exists.")
        return value

    def validate_preferred_standard(self, value: str) -> str:
        return _validate_standard_code(value)

    def validate(self, attrs: dict) -> dict:
        candidate = User(username=attrs.get("username", ""), email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Username or email address", max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, max_length=128, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()
