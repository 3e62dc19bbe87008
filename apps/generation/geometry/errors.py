"""The one error type the geometry package raises for bad input."""

from __future__ import annotations


class SpecError(ValueError):
    """A track spec that cannot be built.

    ``field`` is a dotted path into the spec dict (``alignment.2.radius_mm``) and
    ``message`` a sentence for a human. Several problems can travel together in
    ``errors`` (a list of ``{"field", "message"}`` dicts); ``field``/``message``
    are then those of the first one, so callers that only want one still work.
    """

    def __init__(self, field: str, message: str | None = None, *, errors: list[dict] | None = None):
        if errors is None:
            errors = [{"field": field, "message": message or "is invalid"}]
        if not errors:
            raise ValueError("SpecError needs at least one error")
        self.errors = [{"field": str(e["field"]), "message": str(e["message"])} for e in errors]
        self.field = self.errors[0]["field"]
        self.message = self.errors[0]["message"]
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in self.errors))

    @classmethod
    def many(cls, errors: list[dict]) -> SpecError:
        return cls(errors[0]["field"], errors[0]["message"], errors=errors)

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "errors": list(self.errors)}
