#!/bin/bash
# The figures of BENCHMARKS.md and RESULTS.md measured on an NVIDIA machine, in one go.
# Prepare here (a machine with npm and Debian's chromium):
#   npm run build:cli && ../shared/gpu/pack.sh .gpu deno
#   mkdir -p .fmnist && for f in /usr/share/datasets/fashion-mnist/*.gz; do gzip -dc $f | xz -9 -c > .fmnist/$(basename $f).xz; done
# then on the GPU machine, from the project root, with .gpu, .fmnist and dist/cli copied there:
#   bash bench/nvidia-run.sh OUTDIR
set -uo pipefail
out=${1:-nvidia-out}
mkdir -p "$out" /tmp/fmnist
for f in .fmnist/*.xz; do xz -dc "$f" | gzip -1 > "/tmp/fmnist/$(basename "$f" .xz)"; done
run() { bash .gpu/run.sh deno run --allow-env --allow-read --allow-write dist/cli/fa-webgpu.mjs "$@"; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
run xor 2>&1 | tee "$out/xor.txt"
run bench --seconds 1 2>&1 | tee "$out/bench.txt"
common=(experiment --data fashion-mnist --data-dir /tmp/fmnist --sizes 784,256,256,10 --rules bp,fa,dfa --seeds 3
  --epochs 20 --batch 64 --momentum 0.9 --init xavier --schedule step:15:0.1 --quiet)
run "${common[@]}" --lr 0.01 --out "$out/fmnist-lr0.01" 2>&1 | tee "$out/fmnist-lr0.01.txt"
run "${common[@]}" --lr 0.005 --weight-decay 0.0001 --out "$out/fmnist-lr0.005-wd1e-4" 2>&1 | tee "$out/fmnist-lr0.005-wd1e-4.txt"
