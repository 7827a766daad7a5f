# Shared by the Benchmarks/*.sh scripts (sourced from the repository root, not run): the CPU
# environment (scripts/cpu-env), 2 threads for Kindred unless KINDRED_THREADS says otherwise (the
# peers are given the same count), and the venv helper.
. scripts/cpu-env
export KINDRED_THREADS="${KINDRED_THREADS:-2}"

# The folder for benchmark venvs, outside the repository.
KINDRED_BENCH_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kindred"

# ensure_venv DIR IMPORTS PACKAGE… — creates the Python venv DIR with `pip install PACKAGE…` unless
# `python -c "import IMPORTS"` already works there (first use only; several GB for torch).
ensure_venv() {
  local dir="$1" imports="$2"
  shift 2
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c "import $imports" 2>/dev/null; then
    echo "Creating the Python venv in $dir (pip install $*)…" >&2
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q "$@"
  fi
}
