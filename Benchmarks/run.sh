#!/usr/bin/env bash
# Runs Kindred's engine benchmark and the same work in PyTorch (CPU) in one session, and prints
# the ratios Kindred/PyTorch (time: below 1 is faster; throughput: above 1 is faster).
# KINDRED_BENCH_ROUNDS (default 2) alternating rounds; each side's best is reported.
#   Benchmarks/run.sh [sgemm|cnn|conv|resnet]
# The PyTorch venv lives outside the repo: $KINDRED_BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-venv);
# the first run creates it (pip install torch numpy, several GB).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
VENV="${KINDRED_BENCH_VENV:-$KINDRED_BENCH_CACHE/bench-venv}"
ensure_venv "$VENV" torch torch numpy
swift build -c release --product kindred-bench >&2
mkdir -p .build/bench
# Alternate the two sides (Kindred, PyTorch, Kindred, PyTorch, …) and keep each side's best run, so
# that a slow spell of a shared machine does not land on one side only.
ROUNDS="${KINDRED_BENCH_ROUNDS:-2}"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: Kindred…" >&2
  .build/release/kindred-bench "$@" > ".build/bench/kindred-$r.json"
  echo "round $r/$ROUNDS: PyTorch…" >&2
  "$VENV/bin/python" Benchmarks/torch_bench.py "$@" > ".build/bench/torch-$r.json"
done
python3 - "$ROUNDS" <<'PY'
import json, sys
n = int(sys.argv[1])
for side in ("kindred", "torch"):
    runs = [json.load(open(f".build/bench/{side}-{r}.json")) for r in range(1, n + 1)]
    best = dict(runs[0])
    for run in runs[1:]:
        for key, v in run.items():
            if isinstance(v, (int, float)) and key in best and isinstance(best[key], (int, float)):
                best[key] = max(best[key], v) if "gflops" in key else min(best[key], v)
    json.dump(best, open(f".build/bench/{side}.json", "w"), sort_keys=True)
PY
python3 - .build/bench/kindred.json .build/bench/torch.json <<'PY'
import json, sys
k, t = (json.load(open(p)) for p in sys.argv[1:3])
print(f"Kindred ({k.get('blas')}, {k.get('threads')} threads) vs PyTorch {t.get('torch')} ({t.get('threads')} threads)")
rows = [("sgemm 1024³ (GFLOP/s)", "sgemm_gflops", True),
        ("conv2d fwd+bwd 160×32×14×14 → 64 (GFLOP/s)", "conv_fwd_bwd_gflops", True),
        ("reference CNN step, batch 160 (ms, median)", "cnn_step_ms", False),
        ("reference CNN forward, eval (ms)", "cnn_fwd_eval_ms", False),
        ("ResNet-18 step, batch 32×3×64×64 (ms, median)", "resnet18_step_ms", False),
        ("ResNet-18 forward, eval (ms)", "resnet18_fwd_eval_ms", False)]
print(f"| {'work':48} | {'Kindred':>9} | {'PyTorch':>9} | {'ratio K/P':>9} |")
print(f"|{'-'*50}|{'-'*11}|{'-'*11}|{'-'*11}|")
for name, key, higher_better in rows:
    if key in k and key in t:
        print(f"| {name:48} | {k[key]:9.1f} | {t[key]:9.1f} | {k[key]/t[key]:9.2f} |")
if "conv_fwd_bwd_gflops" in k and "sgemm_gflops" in k:
    print(f"conv2d fwd+bwd reaches {100*k['conv_fwd_bwd_gflops']/k['sgemm_gflops']:.0f}% of Kindred's sgemm GFLOP/s")
PY
