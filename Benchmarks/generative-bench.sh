#!/usr/bin/env bash
# Time per training epoch of a generative model in Kindred and in its PyTorch twin (CPU, same
# threads, same session), alternating the sides and keeping each side's best; prints the ratio
# Kindred/PyTorch (below 1: Kindred is faster).
#   Benchmarks/generative-bench.sh [vae]        KINDRED_BENCH_ROUNDS (default 2) rounds,
#   KINDRED_BENCH_STEPS (default: a full epoch of 468 steps) steps per side, KINDRED_THREADS (default 2)
# Kindred's side is `kindred train` on the example config for one epoch (its steps only: the
# `secondsPerEpoch` of metrics.json, without evaluation); PyTorch's is Benchmarks/generative_torch_bench.py.
# The venv with torch: $KINDRED_BENCH_VENV (as Benchmarks/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
MODEL="${1:-vae}"
VENV="${KINDRED_BENCH_VENV:-$KINDRED_BENCH_CACHE/bench-venv}"
ensure_venv "$VENV" torch torch numpy
case "$MODEL" in
  vae) CONFIG=Examples/fashion-mnist-vae.yaml ;;
  *) echo "unknown model '$MODEL' (known: vae)" >&2; exit 2 ;;
esac
swift build -c release --product kindred >&2
OUT=.build/bench/generative
rm -rf "$OUT"; mkdir -p "$OUT"
ROUNDS="${KINDRED_BENCH_ROUNDS:-2}"
STEPS="${KINDRED_BENCH_STEPS:-}"
KSTEPS=(); TSTEPS=()
if [ -n "$STEPS" ]; then KSTEPS=(--set "sampler.steps_per_epoch=$STEPS"); TSTEPS=(--steps "$STEPS"); fi
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: Kindred…" >&2
  .build/release/kindred train "$CONFIG" --set epochs=1 --set eval.limit=500 ${KSTEPS[@]+"${KSTEPS[@]}"} --output "$OUT/kindred-$r" > "$OUT/kindred-$r.log"
  echo "round $r/$ROUNDS: PyTorch…" >&2
  "$VENV/bin/python" Benchmarks/generative_torch_bench.py "$MODEL" ${TSTEPS[@]+"${TSTEPS[@]}"} > "$OUT/torch-$r.json"
done
python3 - "$OUT" "$ROUNDS" "$MODEL" <<'PY'
import json, sys
out, rounds, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
k = [json.load(open(f"{out}/kindred-{r}/metrics.json"))["secondsPerEpoch"] for r in range(1, rounds + 1)]
t = [json.load(open(f"{out}/torch-{r}.json"))["seconds"] for r in range(1, rounds + 1)]
print(f"{model}, {json.load(open(f'{out}/torch-1.json'))['steps']} steps, {json.load(open(f'{out}/torch-1.json'))['threads']} threads: seconds  Kindred {min(k):.1f} (runs {', '.join(f'{v:.1f}' for v in k)})  "
      f"PyTorch {min(t):.1f} (runs {', '.join(f'{v:.1f}' for v in t)})  ratio {min(k) / min(t):.2f}")
PY
