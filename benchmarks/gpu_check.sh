#!/usr/bin/env bash
# The GPU checks of issue 18 in one short run (about 5-8 minutes on an H200), for a machine with
# an NVIDIA GPU, PyTorch (CUDA) and CuPy already installed, as the lent H200 image has them:
#
#   1. the backend tests on CUDA: the float64 torch-autograd oracle, NumPy's trajectories, the
#      gradient check, model files, the CLI and the recipe, on torch-cuda and cupy-cuda (they
#      skip on a machine without a GPU; here they run);
#   2. the GPU table: deeprecipe's torch and cupy backends beside PyTorch's own nn loop,
#      b256 / b1024 / b8192, 3 rounds, each contender in its own process.
#
# deeprecipe runs from this tree (src/ on PYTHONPATH), not installed. Its one dependency that
# such an image may lack is array-api-compat (and array-api-strict for the tests): where pip can
# reach PyPI, fetch them beside the repository first, then carry .whl to the GPU machine:
#
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: -d .whl \
#       array-api-compat==1.16.0 array-api-strict==2.6.1
#
# Usage: bash benchmarks/gpu_check.sh [OUTPUT_FOLDER]   (default: $OUT, else /tmp/deeprecipe-gpu)
# It writes gpu_tests.log, gpu_bench.md and gpu_env.txt there, and exits 1 if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUTPUT=${1:-${OUT:-/tmp/deeprecipe-gpu}}
mkdir -p "$OUTPUT"
export PYTHONUNBUFFERED=1

if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/deeprecipe-site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/deeprecipe-site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}

{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    "$PY" - <<'PY'
import importlib
for name in ("numpy", "torch", "cupy", "array_api_compat", "array_api_strict"):
    try:
        module = importlib.import_module(name)
        print(name, getattr(module, "__version__", "?"))
    except Exception as exc:
        print(name, "MISSING:", exc)
import torch
print("torch sees CUDA:", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
PY
} 2>&1 | tee "$OUTPUT/gpu_env.txt"

failed=0
echo "== 1. backend tests on CUDA" | tee "$OUTPUT/gpu_tests.log"
timeout 240 "$PY" -m pytest tests/nn/test_backends.py tests/nn/test_torch_oracle.py \
    tests/cli/test_cli_device.py tests/recipe/test_recipe_backends.py -k cuda \
    -q -p no:randomly -p no:cacheprovider 2>&1 | tee -a "$OUTPUT/gpu_tests.log" || failed=1

echo "== 2. the GPU table" | tee "$OUTPUT/gpu_bench.md"
timeout 420 "$PY" -m benchmarks --device cuda 2>&1 | tee -a "$OUTPUT/gpu_bench.md" || failed=1

echo "gpu_check: $([ $failed = 0 ] && echo passed || echo FAILED); outputs in $OUTPUT"
exit $failed
