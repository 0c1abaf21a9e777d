#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench`: bench-report.py BENCH.CSV OUTDIR

Reads the CSV vcm_bench printed (one row per run) and writes OUTDIR/bench.md (the
targets, met or missed, and one table per format and section) and OUTDIR/bench.png
(gnuplot: scale section and 16 MiB rows), with the gnuplot data and script beside it.
Without gnuplot the PNG is skipped with a warning. Python standard library only.
"""
import csv
import math
import os
import shutil
import subprocess
import sys

INT_COLS = ("devices", "size", "threads", "iterations", "live", "map_ns", "map_sd_ns",
            "unmap_ns", "unmap_sd_ns", "ptes", "cover", "cover_ideal", "iotlb_syncs",
            "domains", "mock")
MAIN_KINDS = ("vcm", "vcm4k", "heap", "raw")
SCALE_KINDS = ("vcm", "raw", "heap")
MOCK_ORDER = ("armv7s", "lpae-4k", "lpae-64k", "vtdss")
SZ_16M = 16 << 20

T_HEAP = 10.0		# (2): heap at least this many times slower than vcm
T_RAW = 1.2		# (3): vcm at most this many times slower than raw iommu_map
T_R2 = 0.95		# (4): "linear" means R^2 at least this
T_RESERVE = 2.0		# (5): live=100000 at most this many times slower than live=1000


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                for c in INT_COLS:
                    r[c] = int(r[c])
            except (KeyError, TypeError, ValueError):
                continue	# a truncated or garbled line
            # Ratios use the medians: under TCG one cycle in a hundred can
            # take ten times the others and drag the mean with it.
            try:
                r["total"] = int(r["map_med_ns"]) + int(r["unmap_med_ns"])
            except (KeyError, TypeError, ValueError):
                r["total"] = r["map_ns"] + r["unmap_ns"]
            rows.append(r)
    return rows


def hsize(b):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return "%d%s" % (b >> shift, unit)
    return str(b)


def us(ns):
    """ns as microseconds with about three significant digits"""
    v = ns / 1000.0
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(x):
    return "%.2f" % x if x < 10 else "%.1f" % x


def verdict(ok):
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**missed**"


def fit(points):
    """least squares y = a*x + b: (a, b, R^2), or None for fewer than 2 x values"""
    n = len(points)
    if n < 2 or len({x for x, _ in points}) < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    a = sxy / sxx
    b = my - a * mx
    ss_tot = sum((y - my) ** 2 for _, y in points)
    ss_res = sum((y - (a * x + b)) ** 2 for x, y in points)
    r2 = 1.0 - ss_res / ss_tot if ss_tot else 1.0
    return a, b, r2


class Data:
    def __init__(self, rows):
        self.rows = rows
        self.idx = {}
        for r in rows:
            self.idx[(r["section"], r["kind"], r["format"], r["devices"], r["size"],
                      r["live"])] = r

    def get(self, section, kind, fmt, devices, size, live=0):
        return self.idx.get((section, kind, fmt, devices, size, live))

    def section(self, name):
        return [r for r in self.rows if r["section"] == name]

    def formats(self):
        seen = []
        for r in self.section("main"):
            if r["format"] not in seen:
                seen.append(r["format"])
        order = {f: i for i, f in enumerate(MOCK_ORDER + ("intel",))}
        return sorted(seen, key=lambda f: (order.get(f, len(order)), f))


def targets(d, out):
    summary, details = [], []
    main = d.section("main")

    # (1) PTEs written against the minimal cover, mock vcm rows
    r1 = [r for r in main if r["kind"] == "vcm" and r["mock"] and r["cover"]]
    if r1:
        q = [r["ptes"] / r["cover"] for r in r1]
        off = [r for r in r1 if r["ptes"] != r["cover"]]
        ok = not off
        summary.append(("1", "PTEs written / minimal cover (main vcm rows, mock formats)",
                        "%s to %s over %d rows" % (ratio(min(q)), ratio(max(q)), len(r1)),
                        "= 1.00", verdict(ok)))
        details.append("**(1) PTEs / cover.** ptes/cover: min %s, max %s over %d rows."
                       % (ratio(min(q)), ratio(max(q)), len(r1)))
        qi = [r["ptes"] / r["cover_ideal"] for r in r1 if r["cover_ideal"]]
        if qi:
            details.append("ptes/cover_ideal (the greedy cover with the format's page "
                           "sizes, as if memory came in blocks as large as the largest "
                           "page size): min %s, max %s. It may exceed 1 where the buddy "
                           "allocator cannot give blocks that large (e.g. armv7s 16M "
                           "supersections); cover accounts for the blocks actually "
                           "allocated." % (ratio(min(qi)), ratio(max(qi))))
        if off:
            details.append("Rows where ptes/cover is not 1.00:\n")
            details.append("| format | size | devices | ptes | cover | ptes/cover |")
            details.append("|---|---:|---:|---:|---:|---:|")
            for r in off:
                details.append("| %s | %s | %d | %d | %d | %s |" % (
                    r["format"], hsize(r["size"]), r["devices"], r["ptes"], r["cover"],
                    ratio(r["ptes"] / r["cover"])))
        details.append("")
    else:
        summary.append(("1", "PTEs written / minimal cover", "no mock vcm rows", "= 1.00",
                        verdict(None)))

    # (2) 16 MiB shared by 2 devices: heap against vcm
    per = []
    for f in d.formats():
        h, v = d.get("main", "heap", f, 2, SZ_16M), d.get("main", "vcm", f, 2, SZ_16M)
        if h and v and v["total"]:
            per.append((f, h["total"] / v["total"]))
    if per:
        worst = min(q for _, q in per)
        summary.append(("2", "16M x2: heap / vcm (map+unmap)",
                        ", ".join("%s %s×" % (f, ratio(q)) for f, q in per),
                        "≥ %g×" % T_HEAP, verdict(worst >= T_HEAP)))
    else:
        summary.append(("2", "16M x2: heap / vcm (map+unmap)", "no 16M x2 rows",
                        "≥ %g×" % T_HEAP, verdict(None)))

    # (3) vcm against raw iommu_map()
    per = []
    for f in d.formats():
        v, w = d.get("main", "vcm", f, 2, SZ_16M), d.get("main", "raw", f, 2, SZ_16M)
        if v and w and w["total"]:
            per.append((f, v["total"] / w["total"]))
    if per:
        summary.append(("3a", "16M x2: vcm / raw (map+unmap)",
                        ", ".join("%s %s×" % (f, ratio(q)) for f, q in per),
                        "≤ %g×" % T_RAW, verdict(max(q for _, q in per) <= T_RAW)))
    else:
        summary.append(("3a", "16M x2: vcm / raw (map+unmap)", "no 16M x2 rows",
                        "≤ %g×" % T_RAW, verdict(None)))
    allq = []
    for v in main:
        if v["kind"] != "vcm":
            continue
        w = d.get("main", "raw", v["format"], v["devices"], v["size"])
        if w and w["total"]:
            allq.append((v["total"] / w["total"], v))
    if allq:
        qs = sorted(t[0] for t in allq)
        med = qs[len(qs) // 2] if len(qs) % 2 else (qs[len(qs) // 2 - 1] + qs[len(qs) // 2]) / 2
        geo = math.exp(sum(math.log(x) for x in qs) / len(qs))
        summary.append(("3c", "vcm / raw, all main rows",
                        "median %s×, geometric mean %s× over %d rows" % (ratio(med), ratio(geo), len(qs)),
                        "≤ %g×" % T_RAW, verdict(med <= T_RAW)))
        q, v = max(allq, key=lambda t: t[0])
        summary.append(("3b", "vcm / raw, worst main row",
                        "%s× (%s %s x%d)" % (ratio(q), v["format"], hsize(v["size"]),
                                             v["devices"]),
                        "≤ %g×" % T_RAW, verdict(q <= T_RAW)))
        over = sorted((t for t in allq if t[0] > T_RAW), key=lambda t: -t[0])
        if over:
            details.append("**(3) vcm / raw.** Rows above %g×: %s.\n" % (T_RAW, ", ".join(
                "%s %s x%d %s×" % (v["format"], hsize(v["size"]), v["devices"], ratio(q))
                for q, v in over)))

    # (4) scale: cost against the number of domains
    fits = scale_fits(d)
    if fits:
        ok = all(r2 >= T_R2 for _, (_, _, r2) in fits.items())
        summary.append(("4", "scale: map+unmap vs domains, least squares",
                        ", ".join("%s %s µs/domain R²=%.3f" % (k, us(a), r2)
                                  for k, (a, b, r2) in fits.items()),
                        "linear (R² ≥ %g)" % T_R2, verdict(ok)))
    else:
        summary.append(("4", "scale: map+unmap vs domains", "no scale rows",
                        "linear", verdict(None)))

    # (5) reserve with many live reservations
    res = {r["live"]: r for r in d.section("reserve") if r["total"]}
    if 1000 in res and len(res) > 1:
        top = max(res)
        q = res[top]["total"] / res[1000]["total"]
        note = "" if top == 100000 else " (no live=100000 row: live=%d)" % top
        summary.append(("5", "reserve: live=100000 / live=1000 (map+unmap)",
                        "%s×%s" % (ratio(q), note), "≤ %g×" % T_RESERVE,
                        verdict(q <= T_RESERVE) if top == 100000 else verdict(None)))
    else:
        summary.append(("5", "reserve: live=100000 / live=1000", "no reserve rows",
                        "≤ %g×" % T_RESERVE, verdict(None)))

    out.append("## Targets\n")
    out.append("| # | target | measured | goal | |")
    out.append("|---|---|---|---|---|")
    for s in summary:
        out.append("| %s |" % " | ".join(s))
    out.append("")
    out.extend(details)


def scale_fits(d):
    fits = {}
    for k in SCALE_KINDS:
        pts = [(r["domains"] or r["devices"], r["total"])
               for r in d.section("scale") if r["kind"] == k]
        f = fit(pts)
        if f:
            fits[k] = f
    return fits


def cell_time(r):
    if not r:
        return "–"
    return "%s ±%s / %s ±%s" % (us(r["map_ns"]), us(r["map_sd_ns"]), us(r["unmap_ns"]),
                                us(r["unmap_sd_ns"]))


def cell_ptes(r):
    if not r or not r["mock"]:
        return "–"
    return "%d (%d) %d" % (r["ptes"], r["cover"], r["iotlb_syncs"])


def main_tables(d, out):
    out.append("## main: one buffer mapped into N devices\n")
    out.append("Rows: buffer size and devices. Per kind, \"µs\" is map ±sd / unmap ±sd "
               "in µs; for mock formats \"PTEs\" is \"ptes (cover) syncs\": leaf PTEs "
               "one map writes, the fewest that could map the same memory, and IOTLB "
               "syncs of one cycle, all over all domains. vcm: vcm_back() with the "
               "largest blocks; "
               "vcm4k: the smallest page size (4 KiB, 64 KiB on lpae-64k); heap: "
               "dma-buf attach + map per device; raw: VCM's own per-domain "
               "mapping of the same blocks without its locking and bookkeeping.\n")
    for f in d.formats():
        rows = [r for r in d.section("main") if r["format"] == f]
        mock = any(r["mock"] for r in rows)
        kinds = [k for k in MAIN_KINDS if any(r["kind"] == k for r in rows)]
        out.append("### %s\n" % f)
        head, rule = ["size", "devices"], ["---:", "---:"]
        for k in kinds:
            head.append("%s µs" % k)
            rule.append("---:")
            if mock:
                head.append("%s PTEs" % k)
                rule.append("---:")
        out.append("| %s |" % " | ".join(head))
        out.append("|%s|" % "|".join(rule))
        for size in sorted({r["size"] for r in rows}):
            for devs in sorted({r["devices"] for r in rows if r["size"] == size}):
                line = [hsize(size), str(devs)]
                for k in kinds:
                    r = d.get("main", k, f, devs, size)
                    line.append(cell_time(r))
                    if mock:
                        line.append(cell_ptes(r))
                out.append("| %s |" % " | ".join(line))
        out.append("")


def scale_table(d, out):
    rows = d.section("scale")
    if not rows:
        return
    fmt = rows[0]["format"]
    kinds = [k for k in SCALE_KINDS if any(r["kind"] == k for r in rows)]
    out.append("## scale: %s of %s in N %s domains\n" % (
        hsize(rows[0]["size"]), "one buffer", fmt))
    out.append("Per kind: map ±sd / unmap ±sd in µs.\n")
    out.append("| domains | %s | vcm / raw |" % " | ".join("%s µs" % k for k in kinds))
    out.append("|---:|%s---:|" % ("---:|" * len(kinds)))
    for n in sorted({r["devices"] for r in rows}):
        line = [str(n)]
        for k in kinds:
            line.append(cell_time(d.get("scale", k, fmt, n, rows[0]["size"])))
        v = d.get("scale", "vcm", fmt, n, rows[0]["size"])
        w = d.get("scale", "raw", fmt, n, rows[0]["size"])
        line.append(ratio(v["total"] / w["total"]) + "×" if v and w and w["total"] else "–")
        out.append("| %s |" % " | ".join(line))
    out.append("")
    fits = scale_fits(d)
    if fits:
        out.append("Least squares of map+unmap against domains:\n")
        out.append("| kind | slope µs/domain | intercept µs | R² |")
        out.append("|---|---:|---:|---:|")
        for k, (a, b, r2) in fits.items():
            out.append("| %s | %s | %s | %.4f |" % (k, us(a), us(b), r2))
        out.append("")


def reserve_table(d, out):
    rows = sorted(d.section("reserve"), key=lambda r: r["live"])
    if not rows:
        return
    out.append("## reserve: vcm_reserve() + vcm_unreserve() of %s among N live "
               "reservations\n" % hsize(rows[0]["size"]))
    out.append("| live | cycles | reserve µs | unreserve µs | total µs | / live=%d |"
               % rows[0]["live"])
    out.append("|---:|---:|---:|---:|---:|---:|")
    base = rows[0]["total"]
    for r in rows:
        out.append("| %d | %d | %s ±%s | %s ±%s | %s | %s |" % (
            r["live"], r["iterations"] * r["threads"], us(r["map_ns"]),
            us(r["map_sd_ns"]), us(r["unmap_ns"]), us(r["unmap_sd_ns"]), us(r["total"]),
            ratio(r["total"] / base) + "×" if base else "–"))
    out.append("")


def gnuplot_terminal(gp):
    r = subprocess.run([gp, "-e", "set terminal pngcairo"], capture_output=True, text=True)
    if r.returncode == 0 and not r.stderr.strip():
        return "pngcairo size 1400,560 noenhanced font ',10'"
    return "png size 1400,560 noenhanced"


def plot(d, outdir):
    png = os.path.join(outdir, "bench.png")
    if os.path.exists(png):
        os.remove(png)
    gp = shutil.which("gnuplot")
    if not gp:
        print("warning: gnuplot not found: no bench.png", file=sys.stderr)
        return False
    nan = "NaN"

    # left: scale section, map+unmap µs per domain count, with the fits
    scale = d.section("scale")
    fmt = scale[0]["format"] if scale else "vtdss"
    size = scale[0]["size"] if scale else SZ_16M
    with open(os.path.join(outdir, "bench-scale.dat"), "w") as f:
        f.write("# domains %s (map+unmap us)\n" % " ".join(SCALE_KINDS))
        for n in sorted({r["domains"] or r["devices"] for r in scale}):
            vals = []
            for k in SCALE_KINDS:
                r = [x for x in scale if x["kind"] == k and (x["domains"] or x["devices"]) == n]
                vals.append("%.3f" % (r[0]["total"] / 1e3) if r else nan)
            f.write("%d %s\n" % (n, " ".join(vals)))
    # right: main 16M rows of vtdss (else the first mock format), per device count;
    # a quick run has no 16M rows: then its largest size
    fmts = d.formats()
    dfmt = "vtdss" if "vtdss" in fmts else (fmts[0] if fmts else "vtdss")
    dsizes = {r["size"] for r in d.section("main") if r["format"] == dfmt}
    dsize = SZ_16M if SZ_16M in dsizes or not dsizes else max(dsizes)
    main16 = [r for r in d.section("main") if r["size"] == dsize and r["format"] == dfmt]
    with open(os.path.join(outdir, "bench-devices.dat"), "w") as f:
        f.write("# devices %s (map+unmap us, %s %s)\n" % (" ".join(MAIN_KINDS), dfmt,
                                                        hsize(dsize)))
        for n in sorted({r["devices"] for r in main16}):
            vals = []
            for k in MAIN_KINDS:
                r = d.get("main", k, dfmt, n, dsize)
                vals.append("%.3f" % (r["total"] / 1e3) if r and r["total"] else nan)
            f.write("%d %s\n" % (n, " ".join(vals)))

    fits = scale_fits(d)
    lines = ["set terminal %s" % gnuplot_terminal(gp),
             "set output 'bench.png'",
             "set datafile missing 'NaN'",
             "set key top left",
             "set grid",
             "set multiplot layout 1,2 title 'VCM benchmark (QEMU TCG: compare ratios, "
             "not absolute times)'",
             "set title 'scale: %s in N %s domains'" % (hsize(size), fmt),
             "set xlabel 'domains'",
             "set ylabel 'map + unmap (µs)'"]
    # heap costs orders of magnitude more: its own axis, on the right, keeps all
    # three linear scales readable
    if any(r["kind"] == "heap" for r in scale):
        lines += ["set y2label 'heap: map + unmap (µs)'", "set y2tics", "set ytics nomirror"]
    plots = []
    for i, k in enumerate(SCALE_KINDS):
        axes = "x1y2" if k == "heap" else "x1y1"
        plots.append("'bench-scale.dat' using 1:%d axes %s with points pt %d ps 1.3 lc %d "
                     "title '%s%s'" % (i + 2, axes, 7 + i * 2, i + 1, k,
                                       " (right axis)" if k == "heap" else ""))
        if k in fits:
            a, b, r2 = fits[k]
            plots.append("%.6g*x%+.6g axes %s with lines lc %d dt 2 title '%s fit, R²=%.3f'"
                         % (a / 1e3, b / 1e3, axes, i + 1, k, r2))
    lines.append("plot " + ", \\\n     ".join(plots) if scale else
                 "set yrange [0:1]; plot NaN notitle")
    lines += ["unset y2label", "unset y2tics", "set ytics mirror",
              "set title '%s buffer into N %s devices (main)'" % (hsize(dsize), dfmt),
              "set xlabel 'devices'",
              "set logscale x 2",
              "set xrange [0.85:9.5]",
              "set logscale y",
              "set format y '%g'",
              "set xtics (1, 2, 4, 8)"]
    plots = ["'bench-devices.dat' using 1:%d with linespoints pt 7 lc %d title '%s'"
             % (i + 2, i + 1, k) for i, k in enumerate(MAIN_KINDS)]
    lines.append("plot " + ", \\\n     ".join(plots) if main16 else
                 "set yrange [1:10]; plot NaN notitle")
    lines += ["unset multiplot", ""]
    with open(os.path.join(outdir, "bench.gp"), "w") as f:
        f.write("\n".join(lines))
    r = subprocess.run([gp, "bench.gp"], cwd=outdir, capture_output=True, text=True)
    if r.returncode:
        print("warning: gnuplot failed: no bench.png\n%s" % r.stderr, file=sys.stderr)
        return False
    if r.stderr.strip():
        print("gnuplot: %s" % r.stderr.strip(), file=sys.stderr)
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-report.py BENCH.CSV OUTDIR")
    rows = load(sys.argv[1])
    if not rows:
        sys.exit("bench-report.py: no rows in %s" % sys.argv[1])
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    d = Data(rows)

    threads = sorted({r["threads"] for r in rows})
    out = ["# VCM benchmark\n",
           "Absolute times are from QEMU's TCG emulation (no KVM): they say little about "
           "hardware. Only ratios between rows of this one run count. %d runs; "
           "threads %s; map and unmap are averages of one cycle into every device, over "
           "all iterations of all threads, ± their standard deviation; every ratio and "
           "fit uses the medians instead (map + unmap), which one slow cycle does not "
           "move. Mock formats "
           "count PTEs and IOTLB syncs; intel (the edu devices behind QEMU's "
           "intel-iommu) does not." % (len(rows), ", ".join(map(str, threads))), ""]
    targets(d, out)
    main_tables(d, out)
    scale_table(d, out)
    reserve_table(d, out)
    png = plot(d, outdir)
    if png:
        out.append("![scale and devices](bench.png)\n")
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
