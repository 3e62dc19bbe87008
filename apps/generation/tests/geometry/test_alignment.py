"""Centre-line maths against closed forms (DOMAIN 3.3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import fresnel

from apps.generation.geometry import Alignment, Arc, Straight, Transition


def test_clothoid_closed_forms_domain_example():
    L, R = 264.0, 2640.0
    a = Alignment([Transition(L, None, R)])
    xy, heading, kappa = a.evaluate([L])
    assert math.isclose(heading[0], L / (2 * R), rel_tol=1e-12)
    assert abs(math.degrees(heading[0]) - 2.8648) < 1e-4
    assert abs(xy[0, 1] - L * L / (6 * R)) < 0.002  # the approximation
    assert abs(xy[0, 0] - 263.934) < 1e-3 and abs(xy[0, 1] - 4.399) < 1e-3
    assert math.isclose(kappa[0], 1 / R, rel_tol=1e-12)


@pytest.mark.parametrize("L,R", [(100.0, 300.0), (500.0, 600.0), (1000.0, 400.0)])
def test_clothoid_matches_fresnel(L, R):
    s = np.linspace(0, L, 57)
    a = 1.0 / (2 * R * L)
    scale = math.sqrt(math.pi / (2 * a))
    S, C = fresnel(s / scale)
    xy, heading, _ = Alignment([Transition(L, None, R, hand="left")]).evaluate(s)
    assert np.abs(xy - np.stack([scale * C, scale * S], axis=1)).max() < 1e-9
    assert np.abs(heading - a * s * s).max() < 1e-12


def test_transition_between_two_radii_is_continuous():
    segs = [Straight(50), Transition(200, None, 800), Arc(800, length_mm=300), Transition(150, 800, 400),
            Arc(400, length_mm=100), Transition(200, 400, None), Straight(20)]
    a = Alignment(segs)
    eps = 1e-7
    for b in a.starts[1:-1]:
        (p0, p1), (h0, h1), (k0, k1) = a.evaluate([b - eps, b + eps])
        assert np.linalg.norm(p1 - p0) < 1e-5
        assert abs(h1 - h0) < 1e-8
        assert abs(k1 - k0) < 1e-6
    # Heading change = integral of curvature over each segment.
    expected = 200 / (2 * 800) + 300 / 800 + 150 * (1 / 800 + 1 / 400) / 2 + 100 / 400 + 200 / (2 * 400)
    assert math.isclose(a.evaluate([a.length])[1][0], expected, rel_tol=1e-12)


def test_arc_closed_form_and_hands():
    R = 500.0
    left = Alignment([Arc(R, angle_deg=90, length_mm=math.pi / 2 * R, hand="left")])
    right = Alignment([Arc(R, angle_deg=90, length_mm=math.pi / 2 * R, hand="right")])
    (pl,), (hl,), _ = left.evaluate([left.length])
    (pr,), (hr,), _ = right.evaluate([right.length])
    assert np.allclose(pl, [R, R], atol=1e-9) and math.isclose(hl, math.pi / 2)
    assert np.allclose(pr, [R, -R], atol=1e-9) and math.isclose(hr, -math.pi / 2)


def test_sample_stays_within_chord_tolerance():
    R = 300.0
    a = Alignment([Straight(10), Arc(R, length_mm=200)])
    s = a.sample(0, a.length, tol_mm=0.002)
    assert 10.0 in s
    ds = np.diff(s[s >= 10])
    assert (ds * ds / (8 * R)).max() <= 0.002 + 1e-12
