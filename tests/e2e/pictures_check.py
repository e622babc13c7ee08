#!/usr/bin/env python3
"""Checks of uktrace-report's pictures against the trace's database.

    pictures_check.py perfetto OUT.json DB [WHERE]   trace-event JSON
    pictures_check.py folded STACKS.txt DB [ROOT]    folded stacks
    pictures_check.py flame OUT.svg DB               flame graph SVG
    pictures_check.py hist OUT.svg DB FUNC           histogram SVG
    pictures_check.py heat OUT.svg DB FUNC           heat map SVG
    pictures_check.py html OUT.html                  the page, offline
    pictures_check.py png SHOT.png                   a screenshot, non-blank

Each prints "ok NAME" or "FAIL NAME: why" lines, as the e2e tests do.
WHERE is an SQL condition on the calls view that the export selected.
"""
import json
import math
import re
import sqlite3
import struct
import sys
import zlib
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

SVG = "{http://www.w3.org/2000/svg}"
failed = False


def ok(name):
    print("ok " + name)


def fail(name, why):
    global failed
    failed = True
    print("FAIL %s: %s" % (name, why))


def check(name, cond, why):
    if cond:
        ok(name)
    else:
        fail(name, why)


def q(db, sql, *args):
    return db.execute(sql, args).fetchall()


def perfetto(path, dbpath, where="1"):
    db = sqlite3.connect(dbpath)
    try:
        doc = json.load(open(path))
    except ValueError as e:
        fail("pic_json_parses", str(e))
        return
    ok("pic_json_parses")
    evs = doc.get("traceEvents") if isinstance(doc, dict) else None
    check("pic_json_trace_events", isinstance(evs, list),
          "no traceEvents array at the top")
    if not isinstance(evs, list):
        return
    check("pic_json_time_unit", doc.get("displayTimeUnit") in ("ms", "ns"),
          "displayTimeUnit %r" % doc.get("displayTimeUnit"))
    # the trace-event format: field names and types by phase
    bad = []
    for e in evs:
        ph = e.get("ph")
        need = {"X": ("name", "ts", "dur", "pid", "tid"), "i": ("name", "ts", "pid", "tid", "s"),
                "M": ("name", "pid", "args"), "C": ("name", "ts", "pid", "args")}.get(ph)
        if need is None:
            bad.append("phase %r" % ph)
            continue
        for k in need:
            if k not in e:
                bad.append("%s event without %s" % (ph, k))
        for k in ("ts", "dur"):
            if k in e and (not isinstance(e[k], (int, float)) or e[k] < 0):
                bad.append("%s %r" % (k, e[k]))
        for k in ("pid", "tid"):
            if k in e and not isinstance(e[k], int):
                bad.append("%s %r" % (k, e[k]))
        if "args" in e and not isinstance(e["args"], dict):
            bad.append("args not an object")
        if ph == "i" and e.get("s") not in ("t", "p", "g"):
            bad.append("instant scope %r" % e.get("s"))
        if ph == "M" and e["name"] not in ("thread_name", "process_name"):
            bad.append("metadata %r" % e["name"])
    check("pic_json_fields", not bad, "; ".join(bad[:5]))

    calls = {r[0]: r for r in q(db, "SELECT id, func, tid, entry_ts, duration_ns, parent_id, complete,"
                                " status, depth FROM calls WHERE " + where)}
    xs = [e for e in evs if e.get("ph") == "X"]
    inc = [e for e in evs if e.get("ph") == "i" and e.get("cat") == "incomplete call"]
    # every call entered is a slice: one that never returned runs as far
    # as it can have (its children nest under it); a return alone an instant
    entered = [c for c in calls.values() if c[3] is not None]
    check("pic_json_slices_are_calls", len(xs) == len(entered),
          "%d X slices for %d calls with an entry" % (len(xs), len(entered)))
    check("pic_json_incomplete_marked", len(inc) == len(calls) - len(entered),
          "%d incomplete instants for %d calls without an entry" % (len(inc), len(calls) - len(entered)))
    # tools group slices by name: the name is the function, nothing more
    bad = ["%r for call %r" % (e["name"], e["args"].get("call")) for e in xs + inc
           if e["args"].get("call") in calls and e["name"] != calls[e["args"]["call"]][1]]
    check("pic_json_names_are_functions", not bad, "; ".join(bad[:5]))
    # JSON readers hold numbers as doubles: no integer beyond 2^53
    bad = ["%s=%r" % (k, v) for e in evs for k, v in e.get("args", {}).items()
           if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2 ** 53]
    check("pic_json_ints_exact", not bad, "; ".join(bad[:5]))
    trace_end = q(db, "SELECT MAX(COALESCE((SELECT CAST(value AS INTEGER) FROM meta"
                  " WHERE key = 'stop_ns'), 0), (SELECT COALESCE(MAX(COALESCE(return_ts,"
                  " entry_ts)), 0) FROM calls))")[0][0]
    all_calls = q(db, "SELECT id, tid, COALESCE(entry_ts, return_ts), depth FROM calls")
    # microseconds: ts and dur times 1000 are the calls' ns
    bad = []
    for e in xs:
        c = calls.get(e["args"].get("call"))
        if c is None:
            bad.append("slice of unknown call %r" % e["args"].get("call"))
            continue
        if c[4] is None:
            if round(e["ts"] * 1000) != c[3] or e.get("cat") != "incomplete call":
                bad.append("open call %d: ts %r, cat %r" % (c[0], e["ts"], e.get("cat")))
            later = [a for a in all_calls if a[1] == c[2] and a[2] > c[3] and a[3] <= c[8]]
            if c[7] == "no_return" and c[5] is None and not later and trace_end and \
                    round((e["ts"] + e["dur"]) * 1000) != trace_end:
                bad.append("call %d, not returned, ends at %r, not at the end of the trace %d"
                           % (c[0], e["ts"] + e["dur"], trace_end))
        elif round(e["ts"] * 1000) != c[3] or round(e["dur"] * 1000) != c[4]:
            bad.append("call %d: ts %r dur %r for %d ns + %d ns" % (c[0], e["ts"], e["dur"], c[3], c[4]))
        if e["name"] != c[1] or e["tid"] != c[2]:
            bad.append("call %d named %r on %r" % (c[0], e["name"], e["tid"]))
        if (e.get("cat") == "call") != bool(c[6]):
            bad.append("call %d complete=%d as %r" % (c[0], c[6], e.get("cat")))
    check("pic_json_microseconds", not bad, "; ".join(bad[:5]))
    # nesting: on each thread the slices form a proper stack, and a
    # slice's enclosing slice is its call's parent
    by_id = {e["args"]["call"]: e for e in xs if "call" in e.get("args", {})}
    bad = []
    tracks = {}
    for e in xs:
        tracks.setdefault((e["pid"], e["tid"]), []).append(e)
    # in whole nanoseconds: microseconds as doubles near 1e9 carry rounding
    ns = lambda v: round(v * 1000)
    for key, sl in tracks.items():
        sl.sort(key=lambda e: (ns(e["ts"]), -ns(e["dur"])))
        stack = []
        for e in sl:
            while stack and ns(e["ts"]) >= ns(stack[-1]["ts"]) + ns(stack[-1]["dur"]):
                stack.pop()
            if stack and ns(e["ts"]) + ns(e["dur"]) > ns(stack[-1]["ts"]) + ns(stack[-1]["dur"]):
                bad.append("call %s overlaps call %s on %s" % (e["args"]["call"], stack[-1]["args"]["call"], key))
            stack.append(e)
        for e in sl:
            p = e["args"].get("parent")
            if p in by_id:
                pe = by_id[p]
                if not (ns(pe["ts"]) <= ns(e["ts"]) and ns(e["ts"]) + ns(e["dur"]) <= ns(pe["ts"]) + ns(pe["dur"])):
                    bad.append("call %s outside its parent %s" % (e["args"]["call"], p))
    check("pic_json_nesting", not bad, "; ".join(bad[:5]))
    named = {(e["pid"], e["tid"]) for e in evs if e.get("ph") == "M" and e["name"] == "thread_name"}
    unnamed = {(e["pid"], e["tid"]) for e in evs if e.get("ph") in ("X", "i")} - named
    check("pic_json_thread_names", not unnamed, "tracks without a name: %r" % sorted(unnamed)[:5])
    # and no track without anything on it (a window names only its threads)
    drawn = {(e["pid"], e["tid"]) for e in evs if e.get("ph") in ("X", "i")}
    check("pic_json_no_empty_tracks", not named - drawn,
          "named tracks with nothing on them: %r" % sorted(named - drawn)[:5])
    pnamed = {e["pid"] for e in evs if e.get("ph") == "M" and e["name"] == "process_name"}
    check("pic_json_process_names", not {p for p, _ in drawn} - pnamed,
          "processes without a name: %r" % sorted({p for p, _ in drawn} - pnamed)[:5])
    # the events of probes that are not call halves: instants with fields
    nev = q(db, "SELECT COUNT(*) FROM events e JOIN probes p ON p.id = e.probe_id"
            " WHERE p.role IS NULL")[0][0]
    inst = [e for e in evs if e.get("ph") == "i" and e.get("cat") == "event"]
    if where == "1":
        check("pic_json_event_instants", len(inst) == nev, "%d instants for %d events" % (len(inst), nev))
    check("pic_json_event_args", all(isinstance(e.get("args"), dict) for e in inst), "instant without args")


def folded(path, dbpath, root=None):
    db = sqlite3.connect(dbpath)
    lines = [l.rstrip("\n") for l in open(path) if l.strip()]
    bad = [l for l in lines if not re.match(r"^[^ ;][^;]*(;[^;]+)* \d+$", l)]
    check("pic_folded_format", lines and not bad, "lines %r" % (bad[:3] or "none"))
    total = sum(int(l.rsplit(" ", 1)[1]) for l in lines)
    if root is None:
        want = q(db, "SELECT COALESCE(SUM(self_ns), 0) FROM calls WHERE complete")[0][0]
        check("pic_folded_total", total == want, "stacks sum to %d ns, calls' self time %d ns" % (total, want))
        # each stack's weight is the self time of the complete calls with
        # that chain of parents, computed here from the calls view
        # under a frame per thread, named as stackcollapse-perf --tid does
        rows = {r[0]: r for r in q(db, "SELECT id, parent_id, func, complete, self_ns, tid,"
                                   " COALESCE(pid, tid), comm FROM calls")}
        want, names = {}, {}
        for r in rows.values():
            if not r[3] or not r[4]:
                continue
            chain, c, top = [], r, r
            while c is not None:
                chain.append(c[2].replace(";", ":"))
                top, c = c, rows.get(c[1])
            chain.append(("%s-%d" % (top[7] or "?", top[6]) if top[5] == top[6] else
                          "%s-%d/%d" % (top[7] or "?", top[6], top[5])).replace(";", ":"))
            key = ";".join(reversed(chain))
            want[key] = want.get(key, 0) + r[4]
        got = {l.rsplit(" ", 1)[0]: int(l.rsplit(" ", 1)[1]) for l in lines}
        diff = sorted(set(got.items()) ^ set(want.items()))
        check("pic_folded_stacks", not diff, "differ from the calls' parents: %r" % diff[:4])
    else:
        check("pic_folded_rooted", all(l.split(";")[0].split(" ")[0] == root for l in lines),
              "a stack not under %s" % root)


def svg_root(name, path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail(name, "not XML: %s" % e)
        return None
    check(name, root.tag == SVG + "svg", "root element %s" % root.tag)
    return root


def flame(path, dbpath):
    db = sqlite3.connect(dbpath)
    root = svg_root("pic_flame_xml", path)
    if root is None:
        return
    frames = [g for g in root.iter(SVG + "g") if g.get("class") == "f"]
    check("pic_flame_frames", frames, "no frames")
    if not frames:
        return
    want = q(db, "SELECT COALESCE(SUM(self_ns), 0) FROM calls WHERE complete")[0][0]
    base = [g for g in frames if g.get("data-y") == "0"]
    got = int(base[0].get("data-total-ns")) if base else -1
    check("pic_flame_total", got == want, "root frame %d ns, calls' self time %d ns" % (got, want))
    # a frame's total is its self time and its children's totals
    bad = []
    for g in frames:
        x, w, y = float(g.get("data-x")), float(g.get("data-w")), int(g.get("data-y"))
        # positions are printed to 1e-9: a neighbour's child may seem to
        # start a hair inside; no frame is narrower than 1e-5 of the width
        kids = [k for k in frames if int(k.get("data-y")) == y + 1 and
                x - 1e-7 <= float(k.get("data-x")) < x + w - 1e-7]
        s = int(g.get("data-self-ns")) + sum(int(k.get("data-total-ns")) for k in kids)
        if s != int(g.get("data-total-ns")) and all(float(k.get("data-w")) * 1180 >= 0.1 for k in kids):
            bad.append("%s: total %s, self + children %d" % (g.get("data-n"), g.get("data-total-ns"), s))
        if g.find(SVG + "title") is None or g.find(SVG + "rect") is None:
            bad.append("%s without title or rect" % g.get("data-n"))
    check("pic_flame_widths_add_up", not bad, "; ".join(bad[:3]))
    # threads are not merged: a frame per thread above the root, with
    # the time of its outermost calls
    threads = [g for g in frames if g.get("data-thread") == "1"]
    rows = {r[0]: r for r in q(db, "SELECT id, parent_id, complete, self_ns, tid,"
                               " COALESCE(pid, tid), comm FROM calls")}
    want = {}
    for r in rows.values():
        if not r[2] or not r[3]:
            continue
        top = r
        while rows.get(top[1]) is not None:
            top = rows[top[1]]
        k = "%s-%d" % (top[6], top[5]) if top[4] == top[5] else "%s-%d/%d" % (top[6], top[5], top[4])
        want[k] = want.get(k, 0) + r[3]
    got = {g.get("data-n"): int(g.get("data-total-ns")) for g in threads}
    check("pic_flame_threads", got == {k: v for k, v in want.items() if v}
          and all(g.get("data-y") == "1" for g in threads),
          "thread frames %r, SQL %r" % (sorted(got.items())[:4], sorted(want.items())[:4]))
    check("pic_flame_title_class", any(t.get("class") == "title" for t in root.iter(SVG + "text")),
          "no text.title for the zoom to follow")
    check("pic_flame_script", root.find(SVG + "script") is not None, "no zoom script")


def buckets_sql(db, func, frm, to):
    return q(db, "SELECT COUNT(*) FROM calls WHERE complete AND func = ? AND duration_ns >= ?"
             " AND duration_ns < ?", func, frm, to)[0][0]


def hist(path, dbpath, func):
    db = sqlite3.connect(dbpath)
    root = svg_root("pic_hist_xml", path)
    if root is None:
        return
    bars = [g for g in root.iter(SVG + "g") if g.get("class") == "bar"]
    total = sum(int(b.get("data-count")) for b in bars)
    want = q(db, "SELECT COUNT(*) FROM calls WHERE complete AND func = ?", func)[0][0]
    check("pic_hist_total", bars and total == want, "bars hold %d calls, SQL %d" % (total, want))
    bad = ["[%s, %s): %s, SQL %d" % (b.get("data-from-ns"), b.get("data-to-ns"), b.get("data-count"), n)
           for b in bars
           for n in [buckets_sql(db, func, int(b.get("data-from-ns")), int(b.get("data-to-ns")))]
           if n != int(b.get("data-count"))]
    check("pic_hist_buckets", not bad, "; ".join(bad[:3]))
    # the duration axis: ticks at round values (1, 2 or 5 times a power of ten)
    ticks = [float(g.get("data-ns")) for g in root.iter(SVG + "g") if g.get("class") == "tick"]
    check("pic_hist_round_ticks", ticks and all(is_round(v) or is_multiple(v, ticks) for v in ticks),
          "ticks at %r" % ticks[:8])
    # a single bucket is a bar, not the whole plot filled
    if len(bars) == 1:
        w = float(bars[0].find(SVG + "rect").get("width"))
        check("pic_hist_single_bar", w <= (900 - 100) / 8.0, "the one bar is %.1f px wide" % w)


def is_round(v):
    """1, 2 or 5 times a power of ten"""
    if v <= 0:
        return v == 0
    m = v / 10 ** math.floor(math.log10(v) + 1e-9)
    return any(abs(m - k) < 1e-6 for k in (1, 2, 5, 10))


def is_multiple(v, ticks):
    """a linear axis: a multiple of a round step, the ticks' spacing"""
    if len(ticks) < 2:
        return False
    step = ticks[1] - ticks[0]
    return is_round(step) and abs(v / step - round(v / step)) < 1e-6


def heat(path, dbpath, func, span=None):
    db = sqlite3.connect(dbpath)
    root = svg_root("pic_heat_xml", path)
    if root is None:
        return
    cells = [r for r in root.iter(SVG + "rect") if r.get("class") == "cell"]
    total = sum(int(c.get("data-count")) for c in cells)
    want = q(db, "SELECT COUNT(*) FROM calls WHERE complete AND func = ?", func)[0][0]
    check("pic_heat_total", cells and total == want, "cells hold %d calls, SQL %d" % (total, want))
    # round ticks on both axes
    ticks = [g for g in root.iter(SVG + "g") if "tick" in (g.get("class") or "").split()]
    ys = [float(g.get("data-ns")) for g in ticks if "ytick" in g.get("class").split()]
    xs = [float(g.get("data-s")) for g in ticks if "xtick" in g.get("class").split()]
    check("pic_heat_round_ticks", ys and xs and all(is_round(v) for v in ys) and
          all(is_multiple(v, xs) for v in xs), "durations %r, seconds %r" % (ys[:6], xs[:6]))
    # the time axis is the whole trace's (or the window's), not the calls'
    plot = [r for r in root.iter(SVG + "rect") if r.get("class") == "plot"]
    if span is None:
        first = q(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'first_ts'")[0][0]
        end = q(db, "SELECT MAX(COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stop_ns'), 0),"
                " (SELECT COALESCE(MAX(COALESCE(return_ts, entry_ts)), 0) FROM calls))")[0][0]
        span = (first, end + 1)
    got = (int(plot[0].get("data-t0-ns")), int(plot[0].get("data-t1-ns"))) if plot else None
    check("pic_heat_whole_trace", got == tuple(span), "time axis %r, the trace %r" % (got, span))
    # a legend that says what its colours count, up to the fullest cell
    legend = [g for g in root.iter(SVG + "g") if g.get("class") == "legend"]
    texts = " ".join(t.text or "" for g in legend for t in g.iter(SVG + "text"))
    marks = [int(g.get("data-count")) for g in root.iter(SVG + "g") if g.get("class") == "legend-tick"]
    check("pic_heat_legend", "calls in a cell" in texts and marks and
          max(marks) == max(int(c.get("data-count")) for c in cells) and
          all(is_round(m) for m in marks[:-1]),
          "legend %r, marks %r" % (texts, marks))


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}
        self.external = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("src", "href"):
            v = a.get(k) or ""
            if v and not v.startswith("#"):
                self.external.append("%s %s=%s" % (tag, k, v))
        if tag == "link":
            self.external.append("link")


def html(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    check("pic_html_offline", not p.external, "fetches %r" % p.external[:3])
    check("pic_html_sections", "summary" in p.ids and "flame" in p.ids,
          "ids %r" % sorted(p.ids)[:10])
    check("pic_html_pictures", p.tags.get("svg", 0) >= 3, "%d inline svg" % p.tags.get("svg", 0))


def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = hdr[:4]
    assert depth == 8 and ctype in (2, 6), "PNG of depth %d type %d" % (depth, ctype)
    bpp = 4 if ctype == 6 else 3
    raw, stride, out, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


def png(path):
    try:
        w, h, bpp, rows = png_pixels(path)
    except (AssertionError, OSError, zlib.error, TypeError) as e:
        fail("pic_html_screenshot", "unreadable screenshot: %s" % e)
        return
    bg = rows[0][:3]
    colors, other = set(), 0
    for r in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = r[x:x + 3]
            colors.add(px)
            other += px != bg
    n = len(rows[::4]) * len(range(0, w * bpp, bpp * 4))
    check("pic_html_screenshot", other > n // 50 and len(colors) > 20,
          "%d of %d sampled pixels differ from the background, %d colours" % (other, n, len(colors)))


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    {"perfetto": perfetto, "folded": folded, "flame": flame, "hist": hist, "heat": heat,
     "html": html, "png": png}[what](*args)
    sys.exit(0)
