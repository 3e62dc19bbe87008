"""drf-spectacular post-processing: responses every DRF write operation can give, declared once."""

_BODY_ERRORS = {
    "413": "Request body larger than the configured maximum.",
    "415": "Unsupported media type: send application/json (or a form for the browsable API).",
}


def add_body_error_responses(result: dict, generator, request, public) -> dict:
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _BODY_ERRORS.items():
                responses.setdefault(code, {"description": description})
    return result
