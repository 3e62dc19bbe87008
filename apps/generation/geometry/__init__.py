"""Trackforge geometry engine: a track spec (mm) in, printable binary STL out.

Pure Python + numpy/trimesh/manifold3d; nothing here may import Django.

    spec = spec_from_dict({"preset": "OO-BF", "alignment": [{"type": "straight", "length_mm": 240}]})
    warnings = validate(spec)          # raises SpecError(field, message)
    info = summarize(spec)             # counts and bounds, no mesh
    result = build(spec)               # result.data: STL or ZIP bytes; result.manifest
"""

from .alignment import Alignment
from .build import GENERATOR_VERSION, BuildResult, Piece, build
from .errors import SpecError
from .plan import MAX_TOTAL_LENGTH_MM, MAX_TRIANGLES, summarize, validate
from .spec import (
    PRESETS,
    RAIL_SECTIONS,
    Arc,
    Base,
    Chairs,
    Output,
    PrintSettings,
    Rail,
    Sleepering,
    Straight,
    TiePlates,
    Timber,
    TrackSpec,
    Transition,
    chair_dims_mm,
    resolve,
    spec_from_dict,
    spec_to_dict,
)
from .stl import read_stl

__all__ = [
    "GENERATOR_VERSION", "MAX_TOTAL_LENGTH_MM", "MAX_TRIANGLES", "PRESETS", "RAIL_SECTIONS", "Alignment", "Arc",
    "Base", "BuildResult", "Chairs", "Output", "Piece", "PrintSettings", "Rail", "Sleepering", "SpecError",
    "Straight", "TiePlates", "Timber", "TrackSpec", "Transition", "build", "chair_dims_mm", "read_stl", "resolve",
    "spec_from_dict", "spec_to_dict", "summarize", "validate",
]
