#!/usr/bin/env python3
"""Renders durable writes/s versus clients as an SVG (log-log axes), from the JSON that throughput.sh gathers.

Input (stdin): {"sweep":[{"clients":N,"baseline":x,"group":y},...], "redis":{"N":z,...}, "load_average":l}
Output (argv[1]): an SVG file. Plain Python: no plotting library is available on the build machines.
"""
import json
import math
import sys

data = json.load(sys.stdin)
clients = [p["clients"] for p in data["sweep"]]
series = [
    ("our log in-process, group commit (always)", "#1f77b4", [p["group"] for p in data["sweep"]]),
    ("baseline: lock + fsync per append (Go)", "#d62728", [p["baseline"] for p in data["sweep"]]),
    ("Redis 7 over TCP, appendfsync always", "#2ca02c", [data["redis"][str(c)] for c in clients]),
]

W, H, L, R, T, B = 780, 440, 80, 330, 40, 60
values = [v for _, _, vs in series for v in vs]
ymin = 10 ** math.floor(math.log10(min(values)))
ymax = 10 ** math.ceil(math.log10(max(values)))
xmin, xmax = math.log2(min(clients)), math.log2(max(clients))


def x(c):
    return L + (math.log2(c) - xmin) / (xmax - xmin) * (W - L - R)


def y(v):
    return T + (1 - (math.log10(v) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin))) * (H - T - B)


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14">Durable writes per second vs concurrent clients (log scales; load avg {data.get("load_average", "?")})</text>']
decade = ymin
while decade <= ymax:
    yy = y(decade)
    out.append(f'<line x1="{L}" y1="{yy:.1f}" x2="{W - R}" y2="{yy:.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{L - 8}" y="{yy + 4:.1f}" text-anchor="end">{int(decade):,}</text>')
    decade *= 10
for c in clients:
    out.append(f'<line x1="{x(c):.1f}" y1="{T}" x2="{x(c):.1f}" y2="{H - B}" stroke="#eee"/>')
    out.append(f'<text x="{x(c):.1f}" y="{H - B + 18}" text-anchor="middle">{c}</text>')
out.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 18}" text-anchor="middle">concurrent clients / appenders</text>')
out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#888"/>')
for i, (name, color, vs) in enumerate(series):
    pts = " ".join(f"{x(c):.1f},{y(v):.1f}" for c, v in zip(clients, vs))
    out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2.5"/>')
    for c, v in zip(clients, vs):
        out.append(f'<circle cx="{x(c):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}"/>')
    ly = T + 20 + i * 22
    out.append(f'<line x1="{W - R + 15}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" stroke="{color}" stroke-width="2.5"/>')
    out.append(f'<text x="{W - R + 46}" y="{ly + 4}" font-size="11">{name}</text>')
out.append("</svg>")
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
