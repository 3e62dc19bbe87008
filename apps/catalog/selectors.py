def standard_code_exists(*, code: str) -> bool:
    from apps.catalog.models import Standard

    return Standard.objects.filter(code=code).exists()
