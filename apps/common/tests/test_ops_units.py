"""Pure helpers of the operations code: rate parsing, messages, JSON depth."""
import pytest

from apps.common.ops_middleware import json_depth
from apps.common.ratelimit import RateDecision, describe_window, parse_rate


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("10/m", (10, 60)), ("5/s", (5, 1)), ("100/d", (100, 86400)), ("3/h", (3, 3600)), ("5/15m", (5, 900)),
     (" 7 / 2h ", (7, 7200)), ("1/day", (1, 86400))],
)
def test_parse_rate(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "10", "m/10", "10/x", "10/0m", "-1/m", "ten/m"])
def test_parse_rate_rejects_nonsense(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_every_rate_setting_parses(settings):
    for name in dir(settings):
        value = getattr(settings, name)
        if name.startswith("RATELIMIT_") and isinstance(value, str) and "/" in value:
            parse_rate(value)


def test_messages():
    assert describe_window(60) == "minute" and describe_window(900) == "15 minutes"
    assert describe_window(7) == "7 seconds"
    decision = RateDecision(False, 42, "login attempts per IP address", 10, 60, 11)
    assert decision.message == (
        "Rate limit exceeded: login attempts per IP address (10 per minute). Retry after 42 seconds."
    )


@pytest.mark.parametrize(
    ("body", "depth"),
    [(b"{}", 1), (b"[]", 1), (b'{"a": [1, {"b": []}]}', 4), (b'{"a": "[[[[{{{{"}', 1),
     (b'{"a": "\\"[[[["}', 1), (b"1", 0), (b"[" * 5000 + b"]" * 5000, 5000)],
)
def test_json_depth(body, depth):
    assert json_depth(body) == depth
