#!/usr/bin/env bash
# Runs Kindred's metric-learning benchmark (kindred-metric-bench) and the same work in
# pytorch-metric-learning on PyTorch CPU (Benchmarks/metric_peers.py) in one session, and prints
# the ratios Kindred/PML (below 1 means Kindred is faster), for wall time and for CPU time (the
# CPU figure is the steadier one on a shared machine).
# KINDRED_BENCH_ROUNDS (default 2) alternating rounds; each side's best is reported.
#   Benchmarks/metric-bench.sh [--runs N] [--only small|large]
# The Python venv lives outside the repo: $KINDRED_BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-venv);
# the first run creates it (pip install torch numpy pytorch-metric-learning, several GB).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
VENV="${KINDRED_BENCH_VENV:-$KINDRED_BENCH_CACHE/bench-venv}"
ensure_venv "$VENV" "torch, pytorch_metric_learning" torch numpy "pytorch-metric-learning==2.9.*"
swift build -c release --product kindred-metric-bench >&2
mkdir -p .build/bench
# Alternate the two sides and keep each side's best run, so that a slow spell of a shared machine
# does not land on one side only.
ROUNDS="${KINDRED_BENCH_ROUNDS:-2}"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: Kindred…" >&2
  .build/release/kindred-metric-bench "$@" > ".build/bench/metric-kindred-$r.json"
  echo "round $r/$ROUNDS: PML…" >&2
  "$VENV/bin/python" Benchmarks/metric_peers.py "$@" > ".build/bench/metric-pml-$r.json"
done
python3 - "$ROUNDS" <<'PY'
import json, sys
n = int(sys.argv[1])
sides = {}
for side in ("kindred", "pml"):
    runs = [json.load(open(f".build/bench/metric-{side}-{r}.json")) for r in range(1, n + 1)]
    best = dict(runs[0])
    for run in runs[1:]:
        for key, v in run.items():
            if key.endswith("_ms") and key in best:
                best[key] = min(best[key], v)
    sides[side] = best
k, p = sides["kindred"], sides["pml"]
print(f"Kindred ({k.get('blas')}, {k.get('threads')} threads) vs PML {p.get('pml')} on PyTorch {p.get('torch')} "
      f"({p.get('threads')} threads); fwd+bwd step, best of {n} rounds' medians")
recipes = [("triplet_semihard", "triplet margin 0.2 + semi-hard miner"),
           ("triplet_batchhard", "triplet margin 0.2 + batch-hard miner"),
           ("multisimilarity", "multi-similarity loss + miner"),
           ("arcface", "ArcFace (10 / 100 classes)")]
print(f"| {'work':40} | {'batch':8} | {'Kindred ms':>10} | {'PML ms':>9} | {'wall K/P':>8} | {'CPU K/P':>7} | {'tuples K/P':>17} |")
print(f"|{'-'*42}|{'-'*10}|{'-'*12}|{'-'*11}|{'-'*10}|{'-'*9}|{'-'*19}|")
for tag, shape in (("small", "160×64"), ("large", "1024×128")):
    for key, name in recipes:
        w, c, t = f"{key}_{tag}_ms", f"{key}_{tag}_cpu_ms", f"{key}_{tag}_tuples"
        if w not in k or w not in p:
            continue
        print(f"| {name:40} | {shape:8} | {k[w]:10.1f} | {p[w]:9.1f} | {k[w]/p[w]:8.2f} | {k[c]/p[c]:7.2f} | "
              f"{str(k[t]) + '/' + str(p[t]):>17} |")
PY
