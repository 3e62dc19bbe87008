"""Small field validators shared by the DRF serializers (framework glue, no domain rules)."""
import unicodedata

from rest_framework import serializers


def single_line_name(value: str) -> str:
    """Names are one printable line: refuse control characters (C0 incl. tab and newline, DEL, C1).

    They end up in file names, admin lists, logs and terminals; printable Unicode is fine.
    """
    bad = sorted({f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) == "Cc"})
    if bad:
        raise serializers.ValidationError(f"Control characters are not allowed in names: {', '.join(bad[:5])}.")
    return value
