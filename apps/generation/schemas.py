from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    errors: dict[str, list[str]] | None = None


class OutputOptions(Schema):
    model_config = ConfigDict(extra="forbid")

    pieces: Literal["auto", "single"] = Field(
        "auto", description="auto: split into bed-sized pieces (ZIP) when longer than the bed; single: one STL"
    )
    include_rails: bool = Field(False, description="Add the rails to the mesh (for previews and renders)")


class GenerateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    track_id: UUID | None = Field(None, description="One of your saved tracks")
    track: dict[str, Any] | None = Field(None, description="An inline track, same fields as POST /api/tracks/")
    output: OutputOptions = Field(default_factory=OutputOptions)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.track_id is None) == (self.track is None):
            raise ValueError("Give exactly one of track_id or track.")
        return self


class Warning(Schema):
    code: str = "warning"
    field: str | None = None
    message: str


class GenerateOut(Schema):
    task_id: UUID
    status: Literal["pending"]
    status_url: str
    warnings: list[Warning] = []


class BBox(Schema):
    min: list[float]
    max: list[float]
    size: list[float]


class StatusOut(Schema):
    task_id: UUID
    status: Literal["pending", "in-progress", "completed"]
    progress: int = Field(ge=0, le=100)
    stage: str
    track_name: str | None = None
    created_at: datetime | None = None
    file_id: UUID | None = None
    file_size: int | None = None
    triangle_count: int | None = None
    piece_count: int | None = None
    content_type: str | None = None
    bbox: dict[str, Any] | None = None
    warnings: list[Warning] = []
    cache_hit: bool | None = None
    download_url: str | None = None
    download_expires_at: datetime | None = None


class FailedOut(Schema):
    task_id: UUID
    status: Literal["failed"]
    detail: str
    code: str


class DownloadOut(Schema):
    id: UUID
    file_id: UUID
    task_id: UUID | None
    track_id: UUID | None
    track_name: str
    via: str
    created_at: datetime
    file_size: int
    content_type: str


class DownloadPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[DownloadOut]
