#!/usr/bin/env python3
"""logit.py: prints logit.txt, an estimator tried offline on the eight runs in runs/ and not adopted
(python3 with numpy and scipy; Debian: python3-numpy python3-scipy).

For each run, each variant's capacity is the rate at which one logistic curve of pass against
log rate, fitted to all of its capacity probes (every round's), crosses 1/2; its ratio to jwt's
gets a 95 % percentile interval from 400 resamples of the rounds (both variants' probes of a
resampled round kept together, as the suite pairs rounds). Beside it, the suite's own ratio
(the mean over rounds of each round's highest passing rate, paired bootstrap) from results.json.
The slope gets a weak prior (log slope ~ N(log 8, 1)) so that a variant whose probes separate
cleanly still has a finite fit."""
import glob, gzip, json, os
import numpy as np
from scipy.optimize import minimize

here = os.path.dirname(os.path.abspath(__file__))

def fit(ps):
    x = np.log([p[1] for p in ps]); y = np.array([p[2] for p in ps])
    def nll(th):
        lc, lb = th; z = np.exp(lb) * (lc - x)
        ll = y * -np.logaddexp(0, -z) + (1 - y) * -np.logaddexp(0, z)
        return -ll.sum() + 0.5 * (lb - np.log(8)) ** 2
    res = minimize(nll, [np.median(x), np.log(8)], method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 2000})
    return np.exp(res.x[0])

def hw(lo, hi, est):
    return (hi - lo) / 2 / est * 100

rng = np.random.default_rng(1)
print(__doc__.split("\n\n", 1)[1].strip().replace("\n", "\n# ").join(["# ", ""]))
files = sorted(glob.glob(os.path.join(here, "runs", "*.results.json.gz")), key=lambda f: int(os.path.basename(f).split("-")[0]))
for f in files:
    r = json.load(gzip.open(f))
    P = {v["variant"]: [(s["repetition"], s["rate"], int(s["slo"]["pass"])) for s in v["steps"] if s["kind"] == "capacity"] for v in r["variants"]}
    reps = sorted({p[0] for p in P["jwt"]})
    cells = []
    for vn in ("none", "jwt-blacklist", "session"):
        est = fit(P[vn]) / fit(P["jwt"]); bs = []
        for _ in range(400):
            rr = rng.choice(reps, len(reps))
            bs.append(fit([p for k in rr for p in P[vn] if p[0] == k]) / fit([p for k in rr for p in P["jwt"] if p[0] == k]))
        lo, hi = np.percentile(bs, [2.5, 97.5])
        cur = [x for v in r["cost"]["variants"] if v["variant"] == vn for x in v["ratios"] if x["to"] == "jwt"][0]["capacity"]
        cells.append(f"{vn} logistic {est:.2f} ±{hw(lo, hi, est):.0f}%, suite {cur['estimate']:.2f} ±{hw(cur['lo'], cur['hi'], cur['estimate']):.0f}%")
    print(os.path.basename(f).split(".")[0] + ": " + "; ".join(cells))
