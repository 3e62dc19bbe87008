"""Print-bed splitting (ZIP output) and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .helpers import (
    bodies,
    build_dict,
    check_solid,
    check_stl_format,
    make,
    stl_mesh,
    straight,
    zip_members,
)

REPO = Path(__file__).resolve().parents[4]
BED = {"bed_x_mm": 200.0, "bed_y_mm": 200.0}


@pytest.mark.parametrize("webs", [False, True])
def test_300mm_on_200_bed_is_a_zip_of_pieces_cut_at_gaps(webs):
    result = build_dict(make("OO-BF", straight(300), print=BED, base={"webs": webs}))
    assert result.is_zip and result.media_type == "application/zip"
    files = zip_members(result.data)
    manifest = json.loads(files["manifest.json"])
    stls = sorted(n for n in files if n.endswith(".stl"))
    assert len(stls) >= 2
    assert [p["file"] for p in manifest["pieces"]] == stls
    s = np.array(manifest["sleepers"]["s_mm"])
    w = np.array(manifest["sleepers"]["width_mm"])
    total_sleepers = 0
    for piece in manifest["pieces"]:
        data = files[piece["file"]]
        assert check_stl_format(data) == piece["triangles"]
        mesh = stl_mesh(data)
        check_solid(mesh)
        ext = mesh.bounds[1] - mesh.bounds[0]
        assert ext[0] <= 200 + 1e-6 and ext[1] <= 200 + 1e-6
        assert mesh.bounds[0][2] >= -1e-6
        # Cuts fall in the gaps: no sleeper straddles a cut.
        for cut in (piece["s_start_mm"], piece["s_end_mm"]):
            assert not ((s - w / 2 < cut) & (cut < s + w / 2)).any()
        first, last = piece["sleepers"]
        count = last - first + 1
        n_bodies = len(bodies(mesh))
        assert n_bodies == (1 if webs else count)
        total_sleepers += count
    assert total_sleepers == 30 == manifest["sleeper_count"]
    assert manifest["pieces"][0]["s_start_mm"] == 0.0 and manifest["pieces"][-1]["s_end_mm"] == 300.0


def test_curved_track_pieces_are_turned_to_fit():
    d = make("OO-BF", [{"type": "arc", "radius_mm": 700, "angle_deg": 60}], print=BED)
    result = build_dict(d)
    assert len(result.pieces) >= 2
    for piece in result.pieces:
        mesh = stl_mesh(piece.stl)
        ext = mesh.bounds[1] - mesh.bounds[0]
        assert ext[0] <= 200 and ext[1] <= 200
    assert sum(p.last_sleeper - p.first_sleeper + 1 for p in result.pieces) == result.manifest["sleeper_count"]


def test_single_mode_never_splits_but_warns():
    result = build_dict(make("OO-BF", straight(300), print=BED, output={"pieces": "single"}))
    assert not result.is_zip and len(result.pieces) == 1
    assert "exceeds_bed" in {w["code"] for w in result.warnings}


def test_cli_writes_stl_and_prints_summary(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make("OO-BF", straight(240))))
    out = tmp_path / "out.stl"
    run = subprocess.run([sys.executable, "-m", "apps.generation.geometry", str(spec), "-o", str(out),
                          "--manifest", str(tmp_path / "m.json")], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "sleepers 24" in run.stdout and "chairs 48" in run.stdout
    n = check_stl_format(out.read_bytes())
    assert json.loads((tmp_path / "m.json").read_text())["triangle_count"] == n


def test_cli_zip_when_split_and_error_exit(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make("OO-BF", straight(300), print=BED)))
    run = subprocess.run([sys.executable, "-m", "apps.generation.geometry", str(spec), "-o",
                          str(tmp_path / "out.stl")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out.zip").exists()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(make("OO-BF", [{"type": "arc", "radius_mm": 0, "angle_deg": 10}])))
    run = subprocess.run([sys.executable, "-m", "apps.generation.geometry", str(bad), "-o",
                          str(tmp_path / "bad.stl")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 2
    assert "alignment.0.radius_mm" in run.stderr and "Traceback" not in run.stderr
