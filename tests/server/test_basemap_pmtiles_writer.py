"""A PMTiles v3 and Mapbox Vector Tile writer for the basemap tests, checked here against
the specifications' own examples: PMTiles (github.com/protomaps/PMTiles, spec/v3/spec.md) is a
127-byte header, a root directory of tile ids on the Hilbert curve (varints, uncompressed
here), JSON metadata, then the tiles; MVT (github.com/mapbox/vector-tile-spec, 2.1) is
protobuf with zigzag-encoded drawing commands."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import pytest

from server.web.basemap_files import read_archive

__all__ = ["mvt", "tile_at", "tile_id", "tile_xy", "write_pmtiles"]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tile_id(z: int, x: int, y: int) -> int:
    """The tile's position on the Hilbert curve, counting the tiles of lower zooms first."""
    acc = ((1 << z) * (1 << z) - 1) // 3
    tx, ty = x, y
    for a in range(z - 1, -1, -1):
        s = 1 << a
        rx, ry = tx & s, ty & s
        acc += ((3 * rx) ^ ry) * s
        if ry == 0:
            tx, ty = (s - 1 - ty, s - 1 - tx) if rx else (ty, tx)
    return acc


def write_pmtiles(
    path: Path,
    tiles: dict[tuple[int, int, int], bytes],
    tile_type: int,
    metadata: dict[str, Any],
    bounds: tuple[float, float, float, float] = (-180.0, -85.0, 180.0, 85.0),
) -> dict[tuple[int, int, int], tuple[int, int]]:
    """Write ``tiles`` ((z, x, y): bytes, uncompressed) as a PMTiles v3 archive of
    ``tile_type`` (1 MVT, 2 PNG, 6 MLT) covering ``bounds`` (lon/lat); each tile's
    (offset, length) in the file."""
    ordered = sorted(tiles, key=lambda zxy: tile_id(*zxy))
    ids = [tile_id(*zxy) for zxy in ordered]
    lengths = [len(tiles[zxy]) for zxy in ordered]
    directory = _varint(len(ordered))
    directory += b"".join(_varint(i - p) for i, p in zip(ids, [0, *ids], strict=False))
    directory += b"".join(_varint(1) for _ in ids)  # run lengths
    directory += b"".join(_varint(n) for n in lengths)
    directory += _varint(1) + b"".join(_varint(0) for _ in ids[1:])  # each after the last
    meta = json.dumps(metadata).encode()
    data_at = 127 + len(directory) + len(meta)
    data = b"".join(tiles[zxy] for zxy in ordered)
    zs = [z for z, _x, _y in ordered]
    e7 = [round(v * 1e7) for v in bounds]
    header = b"PMTiles" + bytes([3])
    header += struct.pack("<4Q", 127, len(directory), 127 + len(directory), len(meta))
    header += struct.pack("<4Q", 0, 0, data_at, len(data))
    header += struct.pack("<3Q", len(ordered), len(ordered), len(ordered))
    header += bytes([1, 1, 1, tile_type, min(zs), max(zs)]) + struct.pack("<4i", *e7)
    header += bytes([max(zs)]) + struct.pack("<2i", (e7[0] + e7[2]) // 2, (e7[1] + e7[3]) // 2)
    assert len(header) == 127
    path.write_bytes(header + directory + meta + data)
    places, offset = {}, data_at
    for zxy, n in zip(ordered, lengths, strict=True):
        places[zxy] = (offset, n)
        offset += n
    return places


def tile_at(z: int, lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator tile coordinates, with the fraction."""
    n = 1 << z
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def tile_xy(z: int, lon: float, lat: float) -> tuple[int, int]:
    x, y = tile_at(z, lon, lat)
    return int(x), int(y)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def mvt_geometry(parts: list[list[tuple[int, int]]], closed: bool) -> bytes:
    """MVT commands (MoveTo, LineTo, ClosePath) for ``parts`` in tile coordinates."""
    commands, cx, cy = [], 0, 0
    for part in parts:
        for k, (x, y) in enumerate(part):
            if k == 0:
                commands.append(1 | 1 << 3)
            elif k == 1:
                commands.append(2 | (len(part) - 1) << 3)
            commands += [_zigzag(x - cx), _zigzag(y - cy)]
            cx, cy = x, y
        if closed:
            commands.append(7 | 1 << 3)
    return b"".join(_varint(c) for c in commands)


def mvt(layers: dict[str, list[tuple[int, list[list[tuple[int, int]]], dict[str, str]]]]) -> bytes:
    """A Mapbox Vector Tile (extent 4096) of ``layers``: name: [(geometry type 1 point,
    2 line, 3 polygon, parts, string properties)]."""
    tile = b""
    for name, features in layers.items():
        keys: list[str] = []
        values: list[str] = []
        body = b""
        for kind, parts, props in features:
            tags = []
            for key, value in props.items():
                keys += [] if key in keys else [key]
                values += [] if value in values else [value]
                tags += [keys.index(key), values.index(value)]
            feature = (
                _field(2, b"".join(_varint(t) for t in tags)) + _varint(3 << 3) + bytes([kind])
            )
            body += _field(2, feature + _field(4, mvt_geometry(parts, kind == 3)))
        layer = _varint(15 << 3) + _varint(2) + _field(1, name.encode()) + body
        layer += b"".join(_field(3, k.encode()) for k in keys)
        layer += b"".join(_field(4, _field(1, v.encode())) for v in values)
        tile += _field(3, layer + _varint(5 << 3) + _varint(4096))
    return tile


@pytest.mark.parametrize(
    ("zxy", "expected"),
    [
        ((0, 0, 0), 0),
        ((1, 0, 0), 1),
        ((1, 0, 1), 2),
        ((1, 1, 1), 3),
        ((1, 1, 0), 4),
        ((2, 1, 3), 11),
        ((12, 3187, 2050), 17831008),
        ((13, 6375, 4101), 71324033),
    ],
)
def test_tile_ids_follow_the_hilbert_curve(zxy: tuple[int, int, int], expected: int) -> None:
    # the ids pmtiles.zxyToTileId (the vendored pmtiles.js, 4.5.0) gives for these tiles
    assert tile_id(*zxy) == expected


@pytest.mark.parametrize(
    ("parts", "closed", "expected"),
    [
        ([[(25, 17)]], False, [9, 50, 34]),  # the specification's examples, 4.3.5
        ([[(2, 2), (2, 10), (10, 10)]], False, [9, 4, 4, 18, 0, 16, 16, 0]),
        ([[(3, 6), (8, 12), (20, 34)]], True, [9, 6, 12, 18, 10, 12, 24, 44, 15]),
    ],
)
def test_mvt_geometry_encodes_the_specification_s_examples(
    parts: list[list[tuple[int, int]]], closed: bool, expected: list[int]
) -> None:
    assert list(mvt_geometry(parts, closed)) == expected


def test_an_archive_s_header_directory_and_tiles(tmp_path: Path) -> None:
    tiles = {(0, 0, 0): b"world", (1, 1, 0): b"north-east", (1, 0, 1): b"south-west!"}
    path = tmp_path / "t.pmtiles"
    places = write_pmtiles(path, tiles, 2, {"name": "t"}, (95.0, -11.0, 141.0, 6.0))
    data = path.read_bytes()
    assert {zxy: data[o : o + n] for zxy, (o, n) in places.items()} == tiles
    root_at, root_length = struct.unpack_from("<2Q", data, 8)
    assert data[root_at : root_at + root_length] == bytes([3, 0, 2, 2, 1, 1, 1, 5, 11, 10, 1, 0, 0])
    assert struct.unpack_from("<4i", data, 102) == (950000000, -110000000, 1410000000, 60000000)
    archive = read_archive(path)
    assert (archive.kind, archive.min_zoom, archive.max_zoom) == ("raster", 0, 1)
