# Hostile inputs for `cargo xtask bench`: the peak memory of verify, check
# and intake open must stay bounded whatever a medium holds.
#
# usage: python3 hostile.py OUT CARRIER
#   OUT/packages/   hostile packages (a maximal central directory, a deflate
#                   bomb, a size lie, a huge gap with hidden headers)
#   OUT/carriers/*  copies of the real carrier CARRIER, each made hostile
import json
import os
import shutil
import struct
import sys
import zlib

out, carrier = sys.argv[1], sys.argv[2]
pk = os.path.join(out, "packages")
os.makedirs(pk, exist_ok=True)


def raw_zip(path, entries, gap=b""):
    """entries: (name, method, data, crc, usize); gap goes after the first."""
    with open(path, "wb") as f:
        cd = []
        for i, (name, method, data, crc, usize) in enumerate(entries):
            n = name.encode()
            off = f.tell()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, method, 0, 0,
                                crc, len(data), usize, len(n), 0) + n)
            f.write(data)
            if i == 0 and gap:
                f.write(gap)
            cd.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, method,
                                  0, 0, crc, len(data), usize, len(n), 0, 0, 0, 0, 0, off) + n)
        start = f.tell()
        for c in cd:
            f.write(c)
        size = f.tell() - start
        count = min(len(entries), 0xFFFF)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))


# A central directory just under the reader's 4 MiB cap: 30,000 entries.
raw_zip(os.path.join(pk, "many.zip"),
        [("证据性材料/" + "很长的文件名" * 3 + "%06d.pdf" % i, 0, b"", 0, 0)
         for i in range(30_000)])

# A deflate bomb with honest sizes: 512 MiB of zeros.
z = zlib.compressobj(9, zlib.DEFLATED, -15)
block = b"\0" * (1 << 20)
bomb = b"".join(z.compress(block) for _ in range(512)) + z.flush()
crc = 0
for _ in range(512):
    crc = zlib.crc32(block, crc)
raw_zip(os.path.join(pk, "bomb.zip"), [("元数据.xml", 8, bomb, crc, 512 << 20)])
# The same stream declared as 10 bytes: the reader must stop at the lie.
raw_zip(os.path.join(pk, "lie.zip"), [("元数据.xml", 8, bomb, crc, 10)])
# 64 MiB between two entries, full of local-header signatures.
gap = (b"PK\x03\x04" + b"\x14\0" * 13 + b"x" * 998) * (64 << 10)
raw_zip(os.path.join(pk, "gap.zip"),
        [("a.txt", 0, b"a", zlib.crc32(b"a"), 1), ("b.txt", 0, b"b", zlib.crc32(b"b"), 1)],
        gap)

carriers = os.path.join(out, "carriers")


def copy(name):
    d = os.path.join(carriers, name)
    shutil.copytree(carrier, d)
    return d


def find(root, name):
    for dirpath, _, files in os.walk(root):
        if name in files:
            return os.path.join(dirpath, name)
    raise SystemExit("no %s under %s" % (name, root))


# A 100 MB batch manifest (sparse).
d = copy("big-manifest")
with open(find(d, "批次清单.json"), "r+b") as f:
    f.truncate(100 << 20)
# A carrier manifest naming /dev/zero, outside paths and a FIFO.
d = copy("dev-zero")
m = find(d, "载体清单.json")
with open(m, encoding="utf-8") as f:
    doc = json.load(f)
files = doc.get("files") or doc.get("文件") or []
extra = [{"path": p, "size": 1 << 40, "digest": "0" * 64}
         for p in ["/dev/zero", "../../../../../dev/zero", "其他/管道"]]
if isinstance(files, list):
    files.extend(dict(files[0], **e) if files else e for e in extra)
with open(m, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False)
os.mkfifo(os.path.join(d, "其他", "管道"))
# A package replaced by the maximal directory.
d = copy("many-entries")
for dirpath, _, names in os.walk(os.path.join(d, "电子档案")):
    zips = [n for n in names if n.endswith(".zip")]
    if zips:
        shutil.copy(os.path.join(pk, "many.zip"), os.path.join(dirpath, zips[0]))
        break
