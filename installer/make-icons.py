#!/usr/bin/env python3
"""Draws the Guidang icon (a red archive box with a white label, like a
seal on a file box) at every size the bundlers need, with the standard
library only. Run from the repo root: python3 installer/make-icons.py"""
import struct, zlib, os

def draw(n):
    px = bytearray()
    r = n * 0.18  # corner radius
    for y in range(n):
        px.append(0)  # filter byte
        for x in range(n):
            fx, fy = x + 0.5, y + 0.5
            # rounded square mask
            dx = max(r - fx, 0, fx - (n - r)); dy = max(r - fy, 0, fy - (n - r))
            inside = dx * dx + dy * dy <= r * r
            if not inside:
                px += bytes((0, 0, 0, 0)); continue
            col = (196, 30, 36, 255)  # 中国红
            # box lid band
            if 0.22 * n < fy < 0.34 * n and 0.16 * n < fx < 0.84 * n:
                col = (255, 255, 255, 255)
            # box body outline
            elif 0.38 * n < fy < 0.80 * n and 0.22 * n < fx < 0.78 * n:
                inner = 0.42 * n < fy < 0.76 * n and 0.26 * n < fx < 0.74 * n
                col = (196, 30, 36, 255) if inner else (255, 255, 255, 255)
                # label slot
                if 0.50 * n < fy < 0.58 * n and 0.38 * n < fx < 0.62 * n:
                    col = (255, 255, 255, 255)
            px += bytes(col)
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(px), 9)) + chunk(b"IEND", b""))

def ico(pngs):
    head = struct.pack("<HHH", 0, 1, len(pngs))
    off = 6 + 16 * len(pngs); dirs = b""; data = b""
    for n, p in pngs:
        dirs += struct.pack("<BBBBHHII", n % 256, n % 256, 0, 0, 1, 32, len(p), off + len(data))
        data += p
    return head + dirs + data

out = "src-tauri/icons"
os.makedirs(out, exist_ok=True)
# Every size the freedesktop hicolor theme and Windows use, plus the names
# the Tauri bundler expects (128x128@2x for high density, icon.png).
sizes = {f"{n}x{n}.png": n for n in (16, 24, 32, 48, 64, 128, 256, 512)}
sizes.update({"128x128@2x.png": 256, "icon.png": 512})
imgs = {}
for name, n in sizes.items():
    imgs.setdefault(n, draw(n))
    open(os.path.join(out, name), "wb").write(imgs[n])
open(os.path.join(out, "icon.ico"), "wb").write(
    ico([(n, imgs[n]) for n in (16, 24, 32, 48, 64, 256)]))
print("icons written to", out)
