#!/bin/bash
# The figures of BENCHMARKS.md and RESULTS.md measured on an NVIDIA machine, in one go.
# Prepare here (a machine with npm and Debian's chromium), from the project root:
#   npm run build:cli
#   ../shared/gpu/pack.sh .gpu deno                      # Deno: wgpu, Firefox's WebGPU
#   npm i --no-save webgpu && ../shared/gpu/pack.sh .gpu-node node   # Node + dawn.node: Dawn, Chrome's
#   for fmnist only: mkdir -p .fmnist && for f in /usr/share/datasets/fashion-mnist/*.gz; do
#     gzip -dc $f | xz -9 -c > .fmnist/$(basename $f).xz; done
# then on the GPU machine, with dist/cli and the packs copied there (device carry: .gpu,
# .gpu-node, dist/cli: about 62 MB of the 64 allowed; .fmnist does not fit beside both):
#   bash bench/nvidia-run.sh OUTDIR [perf|fmnist]
# perf (default): under Deno the XOR run, `bench` and `compare`; under Dawn `compare` and `bench`
# one configuration per process, each tried up to three times (dawn.node aborts at random in
# long runs, ../shared/gpu/README.md). A runtime whose pack is missing is skipped.
set -uo pipefail
out=${1:-nvidia-out}
what=${2:-perf}
mkdir -p "$out"
deno() { bash .gpu/run.sh deno run --allow-env --allow-read --allow-write dist/cli/fa-webgpu.mjs "$@"; }
dawn() { bash .gpu-node/run.sh node dist/cli/fa-webgpu.mjs "$@"; }
# Runs "$@" up to three times, keeping the output of the try that succeeded (or the last).
retry() {
  local log=$1; shift
  for try in 1 2 3; do
    if "$@" > "$log.try" 2>&1; then mv "$log.try" "$log"; return 0; fi
    echo "  (exit $?, try $try of 3)" >&2
  done
  mv "$log.try" "$log"; return 1
}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | tee "$out/gpu.txt"
s=0.5
if [ "$what" = perf ]; then
  if [ -f .gpu/run.sh ]; then
    deno xor 2>&1 | tee "$out/deno-xor.txt"
    deno bench --seconds $s --profile 2>&1 | tee "$out/deno-bench.txt"
    deno bench --seconds $s --profile --kernels direct --configs 784-1000-10 --matmul 0 2>&1 | tee "$out/deno-bench-direct.txt"
    deno bench --seconds $s --profile --kernels split-k --matmul 0 2>&1 | tee "$out/deno-bench-split-k.txt"
    deno compare --seconds $s 2>&1 | tee "$out/deno-compare.txt"
  fi
  if [ -f .gpu-node/run.sh ]; then
    for c in xor 784-256-10 784-1000-10 784-1024x3-10; do
      retry "$out/dawn-compare-$c.txt" dawn compare --seconds $s --configs $c --only steps,profile
      cat "$out/dawn-compare-$c.txt"
      retry "$out/dawn-bench-$c.txt" dawn bench --seconds $s --configs $c --matmul 0
      cat "$out/dawn-bench-$c.txt"
      retry "$out/dawn-bench-split-k-$c.txt" dawn bench --seconds $s --configs $c --matmul 0 --kernels split-k --profile
      cat "$out/dawn-bench-split-k-$c.txt"
    done
    retry "$out/dawn-compare-matmul.txt" dawn compare --seconds $s --only matmul
    cat "$out/dawn-compare-matmul.txt"
    retry "$out/dawn-bench-matmul.txt" dawn bench --seconds $s --configs xor --matmul 256,1024,2048,4096
    cat "$out/dawn-bench-matmul.txt"
  fi
elif [ "$what" = fmnist ]; then
  mkdir -p /tmp/fmnist
  for f in .fmnist/*.xz; do xz -dc "$f" | gzip -1 > "/tmp/fmnist/$(basename "$f" .xz)"; done
  common=(experiment --data fashion-mnist --data-dir /tmp/fmnist --sizes 784,256,256,10 --rules bp,fa,dfa --seeds 3
    --epochs 20 --batch 64 --momentum 0.9 --init xavier --schedule step:15:0.1 --quiet)
  deno "${common[@]}" --lr 0.01 --out "$out/fmnist-lr0.01" 2>&1 | tee "$out/fmnist-lr0.01.txt"
  deno "${common[@]}" --lr 0.005 --weight-decay 0.0001 --out "$out/fmnist-lr0.005-wd1e-4" 2>&1 | tee "$out/fmnist-lr0.005-wd1e-4.txt"
else
  echo "nvidia-run.sh: expected perf or fmnist, got $what" >&2; exit 2
fi
