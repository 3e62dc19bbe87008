from urllib.parse import quote


def attachment_disposition(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and an RFC 5987 `filename*` for the real name.

    Django's content_disposition_header drops `filename*` for ASCII names; we always send it so
    clients get one consistent form whatever the track is called.
    """
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "'").replace("\\", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
