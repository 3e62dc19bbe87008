"""Centre-line alignment: straights, arcs and clothoids chained from the origin heading +X.

Every query is vectorised over an array of arc lengths ``s``. Left turns are
positive curvature (towards +Y).
"""

from __future__ import annotations

import math

import numpy as np

from .spec import Arc, Segment, Straight, Transition

# Gauss-Legendre nodes for the clothoid integral. The integrand exp(i*theta(s))
# is smooth, so 16 nodes per panel with a bounded heading change per panel
# give ~1e-12 mm without any adaptive loop.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_MAX_PANEL_TURN = 0.25  # radians of heading change per integration panel


def _curvature(radius: float | None, hand: str) -> float:
    if radius is None or math.isinf(radius):
        return 0.0
    return (1.0 if hand == "left" else -1.0) / radius


class _Seg:
    """One segment in its own frame (starts at the origin heading +X)."""

    def __init__(self, length: float, k0: float, k1: float):
        self.length = float(length)
        self.k0 = float(k0)
        self.k1 = float(k1)
        self.dk = (self.k1 - self.k0) / self.length if self.length > 0 else 0.0
        self.is_clothoid = abs(self.k1 - self.k0) > 1e-15
        if self.is_clothoid:
            kmax = max(abs(self.k0), abs(self.k1))
            n = max(1, math.ceil(kmax * self.length / _MAX_PANEL_TURN))
            self.panel = self.length / n
            edges = np.linspace(0.0, self.length, n + 1)
            parts = self._gl(edges[:-1], edges[1:])
            self.cum = np.concatenate([[0.0 + 0.0j], np.cumsum(parts)])

    def theta(self, s: np.ndarray) -> np.ndarray:
        return self.k0 * s + 0.5 * self.dk * s * s

    def kappa(self, s: np.ndarray) -> np.ndarray:
        return self.k0 + self.dk * s

    def _gl(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        half = 0.5 * (b - a)
        mid = 0.5 * (b + a)
        nodes = mid[:, None] + half[:, None] * _GL_X[None, :]
        return half * (np.exp(1j * self.theta(nodes)) @ _GL_W)

    def xy(self, s: np.ndarray) -> np.ndarray:
        if self.is_clothoid:
            idx = np.clip((s // self.panel).astype(np.int64), 0, len(self.cum) - 2)
            z = self.cum[idx] + self._gl(idx * self.panel, s)
            return np.stack([z.real, z.imag], axis=-1)
        k = self.k0
        if abs(k) < 1e-15:
            return np.stack([s, np.zeros_like(s)], axis=-1)
        th = k * s
        return np.stack([np.sin(th) / k, (1.0 - np.cos(th)) / k], axis=-1)


class Alignment:
    """A chain of segments; ``evaluate(s)`` gives points, headings and curvatures."""

    def __init__(self, segments: list[Segment]):
        self.segments: list[_Seg] = []
        for seg in segments:
            if isinstance(seg, Straight):
                self.segments.append(_Seg(seg.length_mm, 0.0, 0.0))
            elif isinstance(seg, Arc):
                k = _curvature(seg.radius_mm, seg.hand)
                self.segments.append(_Seg(seg.length_mm, k, k))
            elif isinstance(seg, Transition):
                self.segments.append(_Seg(seg.length_mm, _curvature(seg.radius_start_mm, seg.hand),
                                          _curvature(seg.radius_end_mm, seg.hand)))
            else:  # pragma: no cover - spec parsing prevents this
                raise TypeError(seg)
        self.starts = np.zeros(len(self.segments) + 1)
        self.poses = np.zeros((len(self.segments) + 1, 3))  # x, y, heading at each segment start
        for i, seg in enumerate(self.segments):
            self.starts[i + 1] = self.starts[i] + seg.length
            end = seg.xy(np.array([seg.length]))[0]
            x0, y0, h0 = self.poses[i]
            c, s_ = math.cos(h0), math.sin(h0)
            self.poses[i + 1] = (x0 + c * end[0] - s_ * end[1], y0 + s_ * end[0] + c * end[1],
                                 h0 + float(seg.theta(np.array(seg.length))))

    @property
    def length(self) -> float:
        return float(self.starts[-1])

    def evaluate(self, s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(xy (n,2), heading (n,) rad, curvature (n,) 1/mm)`` at arc lengths ``s``."""
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        xy = np.empty((s.size, 2))
        heading = np.empty(s.size)
        kappa = np.empty(s.size)
        which = np.clip(np.searchsorted(self.starts, s, side="right") - 1, 0, len(self.segments) - 1)
        for i, seg in enumerate(self.segments):  # loop over segments, not stations
            m = which == i
            if not m.any():
                continue
            local = s[m] - self.starts[i]
            x0, y0, h0 = self.poses[i]
            p = seg.xy(local)
            c, sn = math.cos(h0), math.sin(h0)
            xy[m, 0] = x0 + c * p[:, 0] - sn * p[:, 1]
            xy[m, 1] = y0 + sn * p[:, 0] + c * p[:, 1]
            heading[m] = h0 + seg.theta(local)
            kappa[m] = seg.kappa(local)
        return xy, heading, kappa

    def max_abs_curvature(self, s0: float, s1: float) -> float:
        """Largest |curvature| on [s0, s1] (curvature is linear within each segment)."""
        best = 0.0
        for i, seg in enumerate(self.segments):
            a, b = max(s0, self.starts[i]), min(s1, self.starts[i + 1])
            if a <= b:
                ks = seg.kappa(np.array([a - self.starts[i], b - self.starts[i]]))
                best = max(best, float(np.abs(ks).max()))
        return best

    def sample(self, s0: float, s1: float, tol_mm: float = 0.002, max_step_mm: float = 50.0) -> np.ndarray:
        """Arc lengths on [s0, s1] whose chords stay within ``tol_mm`` of the curve.

        Segment boundaries are always included so straights stay exact.
        """
        pts = [np.array([s0, s1])]
        for i in range(len(self.segments)):
            a, b = max(s0, self.starts[i]), min(s1, self.starts[i + 1])
            if a >= b:
                continue
            kmax = self.max_abs_curvature(a, b)
            step = max_step_mm if kmax == 0 else min(max_step_mm, math.sqrt(8.0 * tol_mm / kmax))
            if kmax == 0:
                step = b - a  # a straight needs no intermediate stations
            n = max(1, math.ceil((b - a) / step))
            pts.append(np.linspace(a, b, n + 1))
        return np.unique(np.concatenate(pts))
