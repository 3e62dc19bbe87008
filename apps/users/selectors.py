from django.contrib.auth import get_user_model


def user_email_taken(*, email: str, exclude_pk: int | None = None) -> bool:
    qs = get_user_model().objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def user_username_taken(*, username: str) -> bool:
    return get_user_model().objects.filter(username__iexact=username).exists()
