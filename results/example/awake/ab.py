#!/usr/bin/env python3
"""ab.py: prints ab.txt from the eight results.json.gz in runs/ (python3 with numpy).

The keep_awake A/B of 2026-12-04 (README, Known limits): scenarios/quick.yaml with
curve.capacity.keep_awake: true ("awake") and without it ("halt"), in the order of their
numbers (awake, halt, awake, halt, awake, halt, halt, awake), each by
  bin/authbench loadtest --scenario F --out DIR
on a 2-core KVM guest with nothing else running; runs/N-ARM.results.json.gz is run N's
results.json. The pairs are neighbouring runs (1-2, 3-4, 5-6, 8-7)."""
import glob, gzip, json, os, statistics as S
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
runs = []
for f in glob.glob(os.path.join(here, "runs", "*.results.json.gz")):
    n, arm = os.path.basename(f).split(".")[0].split("-", 1)
    runs.append((int(n), arm, json.load(gzip.open(f))))
runs.sort(key=lambda r: r[0])
V = ["none", "jwt", "jwt-blacklist", "session"]
cost = {n: {v["variant"]: v for v in r["cost"]["variants"]} for n, _, r in runs}
arm = {n: a for n, a, _ in runs}

def hw(iv):
    return (iv["hi"] - iv["lo"]) / 2 / iv["estimate"] * 100

print(__doc__.split("\n\n", 1)[1].strip().replace("\n", "\n# ").join(["# ", ""]))
print("# Per run and variant: SLO capacity mean [per-round rates] and 95 % half-width; the server's quota use at")
print("# capacity; capacity / jwt with its half-width; closed loop (saturation) req/s; marginal server µs/req.")
for n, a, r in runs:
    print(f"\n## run {n} {a} ({r['run_id']}), rates {r['cost'].get('calibration', {}).get('rates')}")
    for vn in V:
        v = cost[n][vn]; cap = v["capacity"]
        rj = [x for x in v.get("ratios", []) if x["to"] == "jwt" and x.get("capacity")]
        ratio = "%.2f ±%.0f%%" % (rj[0]["capacity"]["estimate"], hw(rj[0]["capacity"])) if rj else "1"
        rounds = " ".join("%.0f" % x["rate"] for x in cap["rounds"])
        m = v["server_marginal_cpu_s"]
        print(f"{vn:14s} capacity {cap['rate']['estimate']:5.0f} [{rounds}] ±{hw(cap['rate']):.0f}%  quota use "
              f"{cap.get('quota_use', {}).get('estimate', 0) * 100:.0f}%  ÷jwt {ratio:12s} closed loop "
              f"{v['saturation']['throughput']['estimate']:5.0f}  marginal {m['estimate'] * 1e6:5.1f} ±{hw(m):.0f}%")

print("\n## per arm: runs' capacity means (range, mean), median capacity-ratio half-width, closed loop")
for a in ("awake", "halt"):
    ns = [n for n in cost if arm[n] == a]
    print(f"# {a}: {len(ns)} runs")
    for vn in V:
        caps = [cost[n][vn]["capacity"]["rate"]["estimate"] for n in ns]
        sats = [cost[n][vn]["saturation"]["throughput"]["estimate"] for n in ns]
        hws = [hw(x["capacity"]) for n in ns for x in cost[n][vn].get("ratios", []) if x["to"] == "jwt" and x.get("capacity")]
        print(f"{vn:14s} capacity {min(caps):.0f}-{max(caps):.0f} ({S.mean(caps):.0f})  ratio half-width median "
              + (f"{S.median(hws):.1f}%" if hws else "-") + f"  closed loop {min(sats):.0f}-{max(sats):.0f} ({S.mean(sats):.0f})")

print("\n## awake / halt, paired by neighbouring runs, percentile bootstrap over the 4 pairs (10000 resamples, seed 1)")
pairs = [(1, 2), (3, 4), (5, 6), (8, 7)]
rng = np.random.default_rng(1)
for what, get in (("capacity", lambda v: v["capacity"]["rate"]["estimate"]),
                  ("closed loop", lambda v: v["saturation"]["throughput"]["estimate"])):
    for vn in V:
        x = np.array([get(cost[p][vn]) for p, _ in pairs]); y = np.array([get(cost[q][vn]) for _, q in pairs])
        bs = [x[i].mean() / y[i].mean() for i in (rng.integers(0, 4, 4) for _ in range(10000))]
        lo, hi = np.percentile(bs, [2.5, 97.5])
        print(f"{what:11s} {vn:14s} {x.mean() / y.mean():.2f} [{lo:.2f}, {hi:.2f}]")

print("\n## every capacity probe of the 8 runs: server CPU per request / the same round's closed loop's,")
print("## median by the probe's rate as a share of that closed loop's throughput (n probes, passed)")
bins = {}
for n, _, r in runs:
    for v in r["variants"]:
        sat = {s["repetition"]: s for s in v["steps"] if s["kind"] == "saturation"}
        for s in v["steps"]:
            if s["kind"] != "capacity" or s["repetition"] not in sat:
                continue
            st = sat[s["repetition"]]
            share = s["all"]["throughput"] / st["all"]["throughput"]
            rel = (s["server"]["utilisation"] / s["all"]["throughput"]) / (st["server"]["utilisation"] / st["all"]["throughput"])
            bins.setdefault((v["variant"], min(int(share * 10), 9)), []).append((rel, s["slo"]["pass"]))
print("# probes:", sum(len(x) for x in bins.values()))
for vn in V:
    cells = [f"{b / 10:.1f}-{(b + 1) / 10:.1f}: {S.median(x for x, _ in bins[(vn, b)]):.2f}x (n {len(bins[(vn, b)])}, {sum(p for _, p in bins[(vn, b)])} passed)"
             for b in range(10) if (vn, b) in bins]
    print(f"{vn:14s} " + "  ".join(cells))
