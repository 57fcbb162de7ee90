#!/usr/bin/env python3
"""quota.py: prints quota.txt from the four results.json.gz in runs/ (python3, no packages).

Four quick.yaml runs on 2026-12-04 (19:48-20:11 UTC), alternating the capacity
quota: curve.capacity.quota 0.5 ("q50", the scenario otherwise unchanged) and 0.25 ("q25",
scenarios/quick.yaml as shipped), run by
  bin/authbench loadtest --scenario F --out DIR
on a 2-core KVM guest with nothing else running, right after the keep_awake A/B of ../awake."""
import glob, gzip, json, os

here = os.path.dirname(os.path.abspath(__file__))
V = ["none", "jwt", "jwt-blacklist", "session"]

def hw(iv):
    return (iv["hi"] - iv["lo"]) / 2 / iv["estimate"] * 100

def ratio(v, key):
    r = [x[key] for x in v.get("ratios", []) if x["to"] == "jwt" and x.get(key)]
    return "%.2f ±%.0f%%" % (r[0]["estimate"], hw(r[0])) if r else "1"

print("# SLO capacity mean [rounds], capacity / jwt ±half-width, closed-loop req/s, closed loop / jwt ±half-width,")
print("# SLO capacity / closed loop; every figure under the run's quota (a share of one core).")
for f in sorted(glob.glob(os.path.join(here, "runs", "*.results.json.gz"))):
    r = json.load(gzip.open(f))
    name = os.path.basename(f).split(".")[0]
    print(f"\n## {name} ({r['run_id']}), quota {r['cost']['capacity']['quota']}")
    for v in r["cost"]["variants"]:
        cap, sat = v["capacity"]["rate"]["estimate"], v["saturation"]["throughput"]["estimate"]
        rounds = " ".join("%.0f" % x["rate"] for x in v["capacity"]["rounds"])
        lb = " (lower bound)" if v["capacity"].get("lower_bound") else ""
        print(f"{v['variant']:14s} capacity {cap:5.0f}{lb} [{rounds}]  ÷jwt {ratio(v, 'capacity'):12s} closed loop {sat:5.0f}"
              f"  ÷jwt {ratio(v, 'saturation'):12s} capacity/closed loop {cap / sat:.2f}")
