#!/usr/bin/env bash
# The device checks of issue 18, as short prepared parts, for a machine with an NVIDIA GPU,
# PyTorch (CUDA) and CuPy already installed, as the lent H200 image has them (16 CPU cores):
#
#   tests     the backend tests on CUDA: the float64 torch-autograd oracle, NumPy's
#             trajectories, the gradient check, model files, the CLI, the estimators and the
#             recipe, on torch-cuda and cupy-cuda (they skip without a GPU; here they run)
#   gpu       the GPU table: deeprecipe's torch and cupy backends beside PyTorch's own nn
#             loop, b256 / b1024 / b8192, 3 rounds, each contender in its own process
#   cores     the many-core CPU tables: the NumPy engine beside PyTorch CPU and the GEMM limit
#             at 1 thread and at every core (b256, b1024, b256 with L2 + dropout), and the
#             torch backend beside PyTorch's nn loop on every core
#   gradcheck the gradient-check table at 1 thread (deeprecipe, the course loop, torch.autograd)
#   profile   where a NumPy-engine step's time goes at 1 thread and at every core, b256 and
#             b1024: each phase, and each matrix product alone at 1, 2, 4, ... threads
#
# deeprecipe runs from this tree (src/ on PYTHONPATH), not installed. Its dependencies that such
# an image lacks are array-api-compat and array-api-strict: fetch them beside the repository
# first (pip reaches PyPI here, not there), then carry .whl to the GPU machine:
#
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: -d .whl \
#       array-api-compat==1.16.0 array-api-strict==2.6.1
#
# Usage: OUTPUT=DIR bash benchmarks/gpu_check.sh [PART ...]   (default: tests gpu; DIR defaults to
# $OUT, else /tmp/deeprecipe-gpu). Each part writes its log there (env.txt, tests.log, gpu.md,
# cores.md, gradcheck.md, profile-b*.md), is cut at its own time limit, and the script exits 1
# if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUTPUT=${OUTPUT:-${OUT:-/tmp/deeprecipe-gpu}}
PARTS=${*:-tests gpu}
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
    echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo)"
    "$PY" - <<'PY'
import importlib
for name in ("numpy", "torch", "cupy", "array_api_compat", "array_api_strict", "sklearn"):
    try:
        module = importlib.import_module(name)
        print(name, getattr(module, "__version__", "?"))
    except Exception as exc:
        print(name, "MISSING:", exc)
import numpy, torch
print("torch sees CUDA:", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
numpy.show_config()
PY
} >"$OUTPUT/env.txt" 2>&1
head -12 "$OUTPUT/env.txt"

failed=0
part() {  # part NAME SECONDS LOG COMMAND...: run one part under its limit, logged
    local name=$1 limit=$2 log=$OUTPUT/$3
    shift 3
    echo "== $name (limit ${limit} s): $*" | tee "$log"
    local start=$SECONDS
    timeout "$limit" "$@" 2>&1 | tee -a "$log"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc after $((SECONDS - start)) s" | tee -a "$log"
    [ "$rc" = 0 ] || failed=1
}

for name in $PARTS; do
    case $name in
    tests)
        part tests 200 tests.log "$PY" -m pytest tests/nn/test_backends.py \
            tests/nn/test_torch_oracle.py tests/cli/test_cli_device.py \
            tests/sklearn/test_sklearn_devices.py tests/recipe/test_recipe_backends.py \
            -k cuda -q -p no:randomly -p no:cacheprovider --durations=8
        ;;
    gpu)
        part gpu 240 gpu.md "$PY" -m benchmarks.bench_device --device cuda --rounds 3
        ;;
    cores)
        # THREADS=1,all for both tables; BASELINE=path/to/an/older/src times it beside
        part cores 200 cores.md "$PY" -m benchmarks.bench_training --rounds 3 \
            --threads "${THREADS:-1,all}" --contenders deeprecipe,torch,gemm-limit --no-memory \
            --workloads mnist-sgd-b256,mnist-sgd-b1024,mnist-sgd-b256-l2-dropout \
            ${BASELINE:+--baseline-src "$BASELINE"}
        part torch-cores 90 cores-torch.md "$PY" -m benchmarks.bench_device --device cpu \
            --threads "$(nproc)" --rounds "${TORCH_ROUNDS:-3}"
        ;;
    profile)
        for batch in 1024 256; do
            part "profile-b$batch" 60 "profile-b$batch.md" "$PY" -m benchmarks.profile_step \
                --threads 1,all --workload "mnist-sgd-b$batch"
        done
        ;;
    gradcheck)
        part gradcheck 90 gradcheck.md "$PY" -m benchmarks.bench_gradcheck --rounds 3 --no-write
        ;;
    *)
        echo "unknown part $name; accepted: tests gpu cores gradcheck profile" >&2
        exit 2
        ;;
    esac
done

echo "gpu_check: $([ $failed = 0 ] && echo passed || echo FAILED); outputs in $OUTPUT"
exit $failed
