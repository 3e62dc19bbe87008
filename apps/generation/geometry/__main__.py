"""Command line: ``python -m apps.generation.geometry SPEC.json -o OUT.stl``.

Writes one binary STL, or a ZIP (piece STLs + manifest.json) when the track has
to be split for the print bed; prints a short manifest summary. Exit status 2
on a bad spec, with ``field: message`` lines on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import SpecError, build, spec_from_dict, summarize


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m apps.generation.geometry", description=__doc__.splitlines()[0])
    ap.add_argument("spec", type=Path, help="track spec JSON (may name a preset, e.g. \"preset\": \"OO-BF\")")
    ap.add_argument("-o", "--output", type=Path, help="output .stl (or .zip when split)")
    ap.add_argument("--manifest", type=Path, help="also write the manifest JSON here")
    ap.add_argument("--check", action="store_true", help="validate and summarise only; build nothing")
    args = ap.parse_args(argv)
    try:
        data = json.loads(args.spec.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {args.spec}: {exc}", file=sys.stderr)
        return 2
    try:
        spec = spec_from_dict(data)
        if args.check or args.output is None:
            info = summarize(spec)
            print(json.dumps(info, indent=1))
            return 0
        t0 = time.perf_counter()
        result = build(spec)
        elapsed = time.perf_counter() - t0
    except SpecError as exc:
        for e in exc.errors:
            print(f"{e['field']}: {e['message']}", file=sys.stderr)
        return 2
    out = args.output
    if result.is_zip and out.suffix.lower() != ".zip":
        out = out.with_suffix(".zip")
    blob = result.data
    out.write_bytes(blob)
    if args.manifest:
        args.manifest.write_text(json.dumps(result.manifest, indent=1))
    m = result.manifest
    lo, hi = m["bbox"]["min"], m["bbox"]["max"]
    print(f"wrote {out} ({len(blob):,} bytes, {len(result.pieces)} piece(s)) in {elapsed * 1000:.0f} ms")
    print(f"length {m['total_length_mm']:.1f} mm, sleepers {m['sleeper_count']}, chairs {m['chairs']['count']}, "
          f"triangles {m['triangle_count']:,}")
    print("bbox mm: " + ", ".join(f"{a:.3f}..{b:.3f}" for a, b in zip(lo, hi, strict=True)))
    for w in result.warnings:
        print(f"warning: {w['field']}: {w['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
