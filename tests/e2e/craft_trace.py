#!/usr/bin/env python3
# A trace as someone else could have made it: a copy of IN with blocks
# added at its end (format/FORMAT.md), for the tests of what the report
# does with hostile text. The copy has no trailer (it reads as cut short).
#
#   craft_trace.py IN OUT meta KEY=VALUE...      a META block
#   craft_trace.py IN OUT format SYSTEM TEXT     an EVENT_FORMAT block
#
# Values take Python escapes: '\x1b]2;x\x07' (bytes), '\u202e' (UTF-8).
import struct
import sys

POLY = 0x82F63B78
TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def frame(btype, payload, count=0):
    f = struct.pack("<4sHHIIIIQQI", b"UKB1", btype, 0, len(payload), len(payload),
                    0xFFFFFFFF, count, 0, 0, crc32c(payload))
    return f + struct.pack("<I", crc32c(f)) + payload


def lstr(b):
    return struct.pack("<I", len(b)) + b


def arg(s):
    # \xHH is that byte; \uHHHH that code point in UTF-8
    t = s.encode("utf-8").decode("unicode_escape")
    return b"".join(bytes([ord(c)]) if ord(c) < 256 else c.encode("utf-8") for c in t)


def main():
    src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
    data = open(src, "rb").read()
    hsize = struct.unpack_from("<H", data, 14)[0]
    out = bytearray(data[:hsize])
    off = hsize
    while off + 48 <= len(data):
        magic, btype, _, length = struct.unpack_from("<4sHHI", data, off)
        if magic != b"UKB1" or btype == 14:     # the trailer and what follows
            break
        out += data[off:off + 48 + length]
        off += 48 + length
    if what == "meta":
        kv = [a.split("=", 1) for a in sys.argv[4:]]
        out += frame(1, b"".join(lstr(arg(k)) + lstr(arg(v)) for k, v in kv), len(kv))
    elif what == "format":
        out += frame(4, lstr(arg(sys.argv[4])) + arg(sys.argv[5]))
    else:
        sys.exit("craft_trace.py: meta or format, not " + what)
    open(dst, "wb").write(out)


main()
