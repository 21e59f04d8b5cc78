"""Test photos made here, with nothing but the standard library: a PNG with a colour field and shapes, so filters
have something to change and a person looking at a screenshot sees which photo is which."""
import math
import struct
import zlib


def png(width=720, height=720, seed=0):
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            u, v = x / width, y / height
            r = int(255 * (0.5 + 0.5 * math.sin(6.3 * u + seed)))
            g = int(255 * (0.5 + 0.5 * math.sin(5.1 * v + 2 * seed)))
            b = int(255 * (0.5 + 0.5 * math.cos(4.0 * (u + v) + 3 * seed)))
            if (u - 0.5) ** 2 + (v - 0.45) ** 2 < 0.04:
                r, g, b = 250, 240, 200
            row += bytes((r, g, b))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    import sys
    with open(sys.argv[1], "wb") as out:
        out.write(png(seed=float(sys.argv[2]) if len(sys.argv) > 2 else 0))
