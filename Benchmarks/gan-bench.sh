#!/usr/bin/env bash
# DCGAN training speed: Kindred vs PyTorch CPU, same model, batch, step and threads (2 by default).
# Alternates the sides for KINDRED_BENCH_ROUNDS rounds (default 3), keeps each side's fastest
# median step, and prints the time per epoch (60,000 images) and the ratio Kindred/PyTorch
# (below 1.0 = Kindred is faster).
#   Benchmarks/gan-bench.sh [steps] [batch] [features]
# PyTorch comes from $KINDRED_BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-venv; created on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
VENV="${KINDRED_BENCH_VENV:-$KINDRED_BENCH_CACHE/bench-venv}"
ensure_venv "$VENV" torch torch numpy
swift build -c release --product kindred-gan-bench >&2
mkdir -p .build/bench
ROUNDS="${KINDRED_BENCH_ROUNDS:-3}"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: Kindred…" >&2
  .build/release/kindred-gan-bench "$@" > ".build/bench/gan-kindred-$r.json"
  echo "round $r/$ROUNDS: PyTorch…" >&2
  "$VENV/bin/python" Benchmarks/gan_torch_bench.py "$@" > ".build/bench/gan-torch-$r.json"
done
python3 - "$ROUNDS" <<'PY'
import json, sys
n = int(sys.argv[1])
best = {}
for side in ("kindred", "torch"):
    runs = [json.load(open(f".build/bench/gan-{side}-{r}.json")) for r in range(1, n + 1)]
    best[side] = min(runs, key=lambda run: run["step_median_s"])
k, t = best["kindred"], best["torch"]
print(f"DCGAN (features {k['features']}, batch {k['batch']}, {k['threads']} threads), median step over {k['steps']} steps, best of {n} rounds:")
print(f"  Kindred  {k['step_median_s'] * 1000:7.1f} ms/step  {k['epoch_s']:6.1f} s/epoch")
print(f"  PyTorch  {t['step_median_s'] * 1000:7.1f} ms/step  {t['epoch_s']:6.1f} s/epoch  (torch {t['torch']}, {t['threads']} threads)")
print(f"  ratio Kindred/PyTorch = {k['step_median_s'] / t['step_median_s']:.2f}")
PY
