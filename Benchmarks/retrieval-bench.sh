#!/usr/bin/env bash
# Runs Kindred's retrieval benchmark (kindred-retrieval-bench) and the same work in FAISS
# (IndexFlatIP), pytorch-metric-learning's AccuracyCalculator and open-metric-learning's metrics
# (Benchmarks/retrieval_peers.py) in one session, and prints the ratios Kindred/peer (below 1 means
# Kindred is faster). KINDRED_BENCH_ROUNDS (default 2) alternating rounds; each side's best is kept.
#   Benchmarks/retrieval-bench.sh [--queries 10000] [--gallery 60000] [--dim 128] [--k 10]
#                                 [--loo 10000] [--classes 100] [--runs 3]
# Python venvs live outside the repo and are created on first use:
#   $KINDRED_BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-venv): torch, faiss-cpu, PML;
#   $KINDRED_OML_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/oml-venv): open-metric-learning.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
VENV="${KINDRED_BENCH_VENV:-$KINDRED_BENCH_CACHE/bench-venv}"
OML_VENV="${KINDRED_OML_VENV:-$KINDRED_BENCH_CACHE/oml-venv}"
ensure_venv "$VENV" "torch, faiss, pytorch_metric_learning" torch numpy faiss-cpu "pytorch-metric-learning==2.9.*"
ensure_venv "$OML_VENV" oml open-metric-learning
swift build -c release --product kindred-retrieval-bench >&2
mkdir -p .build/bench
ROUNDS="${KINDRED_BENCH_ROUNDS:-2}"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: Kindred…" >&2
  .build/release/kindred-retrieval-bench "$@" > ".build/bench/retrieval-kindred-$r.json"
  echo "round $r/$ROUNDS: FAISS + PML…" >&2
  "$VENV/bin/python" Benchmarks/retrieval_peers.py --threads "$KINDRED_THREADS" --peers faiss,pml "$@" > ".build/bench/retrieval-faiss-pml-$r.json"
  echo "round $r/$ROUNDS: OML…" >&2
  "$OML_VENV/bin/python" Benchmarks/retrieval_peers.py --threads "$KINDRED_THREADS" --peers oml "$@" > ".build/bench/retrieval-oml-$r.json"
done
python3 - "$ROUNDS" <<'PY'
import json, sys
n = int(sys.argv[1])
def best(side):
    runs = [json.load(open(f".build/bench/retrieval-{side}-{r}.json")) for r in range(1, n + 1)]
    out = dict(runs[0])
    for run in runs[1:]:
        for key, v in run.items():
            if key.endswith("Seconds") and isinstance(v, (int, float)):
                out[key] = v if out.get(key) is None else min(out[key], v)
    return out
k, fp, o = best("kindred"), best("faiss-pml"), best("oml")
print(f"{k['queries']} queries × {k['gallery']} gallery × {k['dim']}-d, top-{k['k']}; leave-one-out metrics on "
      f"{k.get('loo', '?')} items; {k['threads']} threads; best of {n} rounds' medians")
rows = [
    ("exact top-k search vs FAISS IndexFlatIP", k.get("searchSeconds"), fp.get("faissFlatIPSeconds")),
    ("same search, Kindred's FAISS backend (system libfaiss) vs pip FAISS", k.get("faissBackendSeconds"), fp.get("faissFlatIPSeconds")),
    ("CMC/P/MAP@1,5 + MAP@R vs PML AccuracyCalculator (P@1, MAP@R)", k.get("leaveOneOutMetricsSeconds"), fp.get("pmlAccuracyCalculatorSeconds")),
    ("  same, Kindred with 1000-resample bootstrap intervals", k.get("leaveOneOutMetricsBootstrapSeconds"), fp.get("pmlAccuracyCalculatorSeconds")),
    ("CMC/P/MAP@1,5 vs OML (cdist + top-5 + calc_retrieval_metrics)", k.get("omlMetricsSeconds"), o.get("omlSeconds")),
]
print(f"| {'work':62} | {'Kindred s':>9} | {'peer s':>9} | {'ratio':>6} |")
print(f"|{'-'*64}|{'-'*11}|{'-'*11}|{'-'*8}|")
for name, a, b in rows:
    if a is None or b is None:
        continue
    print(f"| {name:62} | {a:9.3f} | {b:9.3f} | {a/b:6.2f} |")
PY
