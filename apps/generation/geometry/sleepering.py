"""Sleeper stations along the centre-line (arc length), vectorised.

Conventions (DOMAIN 8): panel mode starts with a rail joint at ``joint_offset_mm``
and repeats every rail length; uniform mode lays floor(L / pitch) sleepers
centred on the track; a sleeper is kept only if its whole width lies in [0, L].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .spec import PANEL_TABLES, TrackSpec, inches


@dataclass
class Stations:
    s: np.ndarray  # centre-line arc length of each sleeper centre, ascending
    joint: np.ndarray  # bool: sleeper either side of a rail joint (panel/custom modes)
    width: np.ndarray  # along-track width of each sleeper

    def __len__(self) -> int:
        return int(self.s.size)


def panel_pattern_in(spec: TrackSpec) -> list[float] | None:
    sl = spec.sleepering
    if sl.mode == "custom":
        return list(sl.custom_spacings_in or [])
    return list(PANEL_TABLES.get((sl.rail_length_ft, sl.sleepers_per_length), ())) or None


def compute_stations(spec: TrackSpec, total_length: float) -> Stations:
    sl = spec.sleepering
    k = spec.scale_mm_per_ft
    w_plain = spec.timber.width_mm
    w_joint = spec.timber.joint_width_mm
    if sl.mode == "uniform":
        pitch = sl.spacing_mm
        n = int(math.floor(total_length / pitch + 1e-9))
        first = (total_length - (n - 1) * pitch) / 2.0
        s = first + pitch * np.arange(n, dtype=np.float64)
        joint = np.zeros(n, dtype=bool)
    else:
        pattern = panel_pattern_in(spec)
        if not pattern:
            return Stations(np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0))
        offsets = inches(np.cumsum(pattern), k)  # from the joint, one panel
        panel = sl.rail_length_ft * k
        is_joint_pattern = np.zeros(offsets.size, dtype=bool)
        is_joint_pattern[[0, -1]] = True
        off = sl.joint_offset_mm % panel
        k0 = -1
        k1 = int(math.ceil((total_length - off) / panel)) + 1
        reps = np.arange(k0, k1 + 1)
        s = (off + reps[:, None] * panel + offsets[None, :]).ravel()
        joint = np.broadcast_to(is_joint_pattern, (reps.size, offsets.size)).ravel()
    width = np.where(joint, w_joint, w_plain)
    keep = (s - width / 2 >= -1e-9) & (s + width / 2 <= total_length + 1e-9)
    return Stations(s[keep].copy(), np.asarray(joint[keep]).copy(), width[keep].copy())
