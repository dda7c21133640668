"""The app's logo, drawn by code and written as PNG with the standard library only.

The mark: a rounded square in portbot's navy, a white dot, an arrow, and a pale teal dot —
a number leaving one carrier for another. Shapes are signed distance fields, so edges are
smooth at any size; the same size always gives the same bytes.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

Colour = tuple[int, int, int]
NAVY: Colour = (0x1D, 0x35, 0x57)  # the Slack app's background colour (manifest.yml)
WHITE: Colour = (0xF1, 0xFA, 0xEE)
TEAL: Colour = (0xA8, 0xDA, 0xDC)

# Geometry on a unit square (0..1 across and down).
_CORNER = 0.1875
_DOT_RADIUS = 0.098
_FROM = (0.19, 0.5)
_TO = (0.81, 0.5)
_STROKE = 0.039  # half the arrow's thickness
_SHAFT = ((0.385, 0.5), (0.615, 0.5))
_HEAD = (0.615, 0.5)
_BARB = 0.104  # how far back and out the arrowhead's barbs reach

Field = Callable[[float, float], float]
Paint = tuple[float, float, float]  # a colour while it is mixed, rounded when written


def _circle(cx: float, cy: float, r: float) -> Field:
    return lambda x, y: math.hypot(x - cx, y - cy) - r


def _segment(a: tuple[float, float], b: tuple[float, float], r: float) -> Field:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy

    def field(x: float, y: float) -> float:
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        return math.hypot(x - ax - t * dx, y - ay - t * dy) - r

    return field


def _rounded_square(r: float) -> Field:
    def field(x: float, y: float) -> float:
        qx, qy = abs(x - 0.5) - (0.5 - r), abs(y - 0.5) - (0.5 - r)
        return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - r

    return field


def _union(*fields: Field) -> Field:
    return lambda x, y: min(f(x, y) for f in fields)


def _arrow() -> Field:
    hx, hy = _HEAD
    return _union(
        _segment(*_SHAFT, _STROKE),
        _segment((hx - _BARB, hy - _BARB), _HEAD, _STROKE),
        _segment((hx - _BARB, hy + _BARB), _HEAD, _STROKE),
    )


def _coverage(distance: float, size: int) -> float:
    """How much of a pixel a shape covers, from its distance in units of the square."""
    return max(0.0, min(1.0, 0.5 - distance * size))


def _mix(under: Paint, over: Paint, amount: float) -> Paint:
    return (
        under[0] + (over[0] - under[0]) * amount,
        under[1] + (over[1] - under[1]) * amount,
        under[2] + (over[2] - under[2]) * amount,
    )


def _pixels(size: int) -> bytes:
    """RGBA rows, each led by filter type 0 (none), as the IDAT stream wants them."""
    square = _rounded_square(_CORNER)
    layers: list[tuple[Field, Paint]] = [
        (_circle(*_FROM, _DOT_RADIUS), WHITE),
        (_arrow(), WHITE),
        (_circle(*_TO, _DOT_RADIUS), TEAL),
    ]
    reach = max(_DOT_RADIUS, _BARB + _STROKE) + 1 / size  # the mark lies within this band
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        y = (j + 0.5) / size
        marked = abs(y - 0.5) <= reach
        for i in range(size):
            x = (i + 0.5) / size
            alpha = _coverage(square(x, y), size)
            if alpha == 0.0:
                rows += b"\0\0\0\0"
                continue
            colour: Paint = NAVY
            for field, paint in layers if marked else ():
                if (amount := _coverage(field(x, y), size)) > 0.0:
                    colour = _mix(colour, paint, amount)
            rows += bytes((*(round(c) for c in colour), round(alpha * 255)))
    return bytes(rows)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=4)
def logo_png(size: int) -> bytes:
    """The logo as a ``size``×``size`` PNG: 8 bits per channel, RGBA (colour type 6)."""
    if size < 16:
        raise ValueError(f"a logo of {size} pixels would be unreadable; use 16 or more")
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(_pixels(size), 9)),
            _chunk(b"IEND", b""),
        )
    )
