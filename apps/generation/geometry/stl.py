"""Binary STL records written straight from numpy (no per-triangle Python)."""

from __future__ import annotations

import numpy as np

STL_DTYPE = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])
assert STL_DTYPE.itemsize == 50
HEADER_SIZE = 84


def make_header(text: str) -> bytes:
    raw = text.encode("ascii", "replace")[:80]
    if raw[:5].lower() == b"solid":  # readers would take the file for ASCII STL
        raw = (b"binary " + raw)[:80]
    return raw.ljust(80, b" ")


def allocate(n_triangles: int, header: str) -> tuple[bytearray, np.ndarray]:
    """A buffer holding a whole STL file and a writable record view into it."""
    buf = bytearray(HEADER_SIZE + 50 * n_triangles)
    buf[:80] = make_header(header)
    buf[80:84] = np.uint32(n_triangles).tobytes()
    records = np.frombuffer(buf, dtype=STL_DTYPE, count=n_triangles, offset=HEADER_SIZE)
    return buf, records


def triangle_normals(tris: np.ndarray) -> np.ndarray:
    """Unit normals of (..., 3, 3) triangles (right-hand rule)."""
    n = np.cross(tris[..., 1, :] - tris[..., 0, :], tris[..., 2, :] - tris[..., 0, :])
    length = np.linalg.norm(n, axis=-1, keepdims=True)
    return n / np.where(length > 0, length, 1.0)


def read_stl(data: bytes) -> tuple[str, np.ndarray, np.ndarray]:
    """Parse binary STL bytes into ``(header, triangles (n,3,3) float32, normals (n,3))``."""
    if len(data) < HEADER_SIZE:
        raise ValueError("too short for a binary STL")
    n = int(np.frombuffer(data, dtype="<u4", count=1, offset=80)[0])
    if len(data) != HEADER_SIZE + 50 * n:
        raise ValueError(f"size {len(data)} does not match {n} triangles")
    rec = np.frombuffer(data, dtype=STL_DTYPE, count=n, offset=HEADER_SIZE)
    header = bytes(data[:80]).rstrip(b" \x00").decode("ascii", "replace")
    return header, rec["v"].copy(), rec["normal"].copy()
