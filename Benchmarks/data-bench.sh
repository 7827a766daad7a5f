#!/usr/bin/env bash
# Data-loading throughput: Kindred's loader vs PyTorch's DataLoader + torchvision (PIL) on the same
# folder of generated JPEGs, same session. Images/s through decode + train augmentations
# (RandomResizedCrop 112, flip, colour jitter, normalise) + batching (64), 2 workers.
#   Benchmarks/data-bench.sh [IMAGES]      (default 3000)
# The PyTorch venv lives outside the repo: $KINDRED_DATA_BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/kindred/data-bench-venv);
# the first run creates it (pip install torch torchvision pillow).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
COUNT="${1:-3000}"
VENV="${KINDRED_DATA_BENCH_VENV:-$KINDRED_BENCH_CACHE/data-bench-venv}"
ensure_venv "$VENV" torchvision torch torchvision pillow
swift build -c release --product kindred-data-bench >&2
FOLDER=.build/bench/jpegs-$COUNT
mkdir -p .build/bench
GENERATE=()
[ -d "$FOLDER" ] || GENERATE=(--generate "$COUNT")
echo "Kindred…" >&2
.build/release/kindred-data-bench "$FOLDER" "${GENERATE[@]}" > .build/bench/data-kindred.json
echo "PyTorch…" >&2
"$VENV/bin/python" Benchmarks/torch_data_bench.py "$FOLDER" > .build/bench/data-torch.json
python3 - .build/bench/data-kindred.json .build/bench/data-torch.json <<'PY'
import json, sys
k, t = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{k['images']} JPEGs, batch {k['batch']}, {k['workers']} workers; PyTorch {t['torch']}, torchvision {t['torchvision']}")
print(f"| {'loader':10} | {'images/s':>9} |")
print(f"| Kindred    | {k['images_per_second']:9.0f} |")
print(f"| PyTorch    | {t['images_per_second']:9.0f} |")
print(f"Kindred / PyTorch throughput: {k['images_per_second'] / t['images_per_second']:.2f}x")
PY
