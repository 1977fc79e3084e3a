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
#   bash bench/nvidia-run.sh OUTDIR [perf|quick|tune|fmnist]
# A same-machine A/B against earlier builds (quick only): build each and carry its bundle
# without TensorFlow.js (0.3 MB each; the packs and dist/cli leave about 2 MB of the 64), as
# .base-cli, or .baseNAME-cli for more than one:
#   git worktree add /tmp/base COMMIT && ln -s "$PWD/node_modules" /tmp/base/ &&
#   (cd /tmp/base && npm run build:cli) && cp -r /tmp/base/dist/cli .base-cli && rm .base-cli/assets/compare-*.js
# quick then also times 784-1000-10's steps and epochs and the 4096³ matmuls under Dawn with
# each such build and this one, alternated twice (dawn-ab-NAME-ROUND.txt, NAME base, baseNAME
# or this). The epochs tables differ in kind: builds before session 7
# print the best of N epochs (each from its own start, the first with the pipelines), this one
# the mean over N epochs of a run whose epochs overlap, after a warm-up (BENCHMARKS.md): compare
# their steps tables, and the epoch figures only as "this one's mean against that one's best".
# perf (default): under Dawn the matmul sweep and 784-1000-10's steps, profile and epochs
# (auto and split-k kernels) first, then under Deno the XOR run and `bench`, then `compare`
# (TensorFlow.js) under both. Dawn runs one configuration per process, each tried up to three
# times and stopped after 90-120 s (dawn.node aborts at random in long runs,
# ../shared/gpu/README.md). A runtime whose pack is missing is skipped; the run ends by LIMIT
# seconds (default 300, below). quick: the issue's figures only (Dawn's 784-1000-10
# steps, profile, epochs and square matmuls; Deno's bench; tf.js's steps under both), ~3 min.
# tune: bench/matmul-tune.mjs's forms of the large-product kernel (TUNE=regex picks some).
set -uo pipefail
out=${1:-nvidia-out}
what=${2:-perf}
mkdir -p "$out"
# Steps in order of what the issue's targets need first. The run ends by LIMIT seconds (default
# 300): a step starts only with 20 s left, and every process is stopped at LIMIT, so that a
# device call's limit (LIMIT plus the start and the copies) leaves the files written so far.
limit=${LIMIT:-300}
left() { echo $((limit - SECONDS)); }
# The seconds a process may run: its own cap, or what is left of LIMIT if less.
# (At least 1: `timeout 0` would not limit at all. Steps are skipped before it comes to that.)
cap() { local l; l=$(left); if [ "$l" -lt 1 ]; then echo 1; elif [ "$l" -lt "$1" ]; then echo "$l"; else echo "$1"; fi; }
step() { if [ "$(left)" -lt 20 ]; then echo "(skipped after ${SECONDS} s of ${limit}: $*)" >&2; return 1; fi; }
deno() { timeout "$(cap 240)" bash .gpu/run.sh deno run --allow-env --allow-read --allow-write dist/cli/fa-webgpu.mjs "$@"; }
dawn() { dawnWith dist/cli/fa-webgpu.mjs "$@"; }
dawnWith() { local cli=$1; shift; timeout "$(cap 120)" bash .gpu-node/run.sh node "$cli" "$@"; }
# Runs "$@" up to three times (dawn.node aborts at random), each try's output in $log.tryN; $log
# is a copy of the try that succeeded, or of the last. A usage error (2) is not tried again
# (another try would end the same way), nor a try with under 20 s left; a timeout is (a hang
# of dawn.node's may not come back), within LIMIT.
retry() {
  local log=$1; shift
  local rc=1
  for try in 1 2 3; do
    if [ "$try" -gt 1 ] && [ "$(left)" -lt 20 ]; then echo "  (no time left for try $try)" >&2; break; fi
    "$@" > "$log.try$try" 2>&1
    rc=$?
    cp "$log.try$try" "$log"
    if [ "$rc" -eq 0 ]; then rm -f "$log.try$try"; return 0; fi
    echo "  (exit $rc, try $try of 3: $log.try$try)" >&2
    if [ "$rc" -eq 2 ]; then break; fi
  done
  return "$rc"
}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | tee "$out/gpu.txt"
s=0.5
if [ "$what" = perf ]; then
  if [ -f .gpu-node/run.sh ]; then
    step dawn matmul && retry "$out/dawn-bench-matmul.txt" dawn bench --seconds $s --configs 784-1000-10 --matmul 1024,2048,4096,networks
    cat "$out/dawn-bench-matmul.txt" 2>/dev/null
    for k in auto split-k; do
      step dawn $k && retry "$out/dawn-bench-$k-784-1000-10.txt" dawn bench --seconds $s --configs 784-1000-10 --matmul 0 --kernels $k --profile --epochs 3
      cat "$out/dawn-bench-$k-784-1000-10.txt" 2>/dev/null
    done
  fi
  if [ -f .gpu/run.sh ]; then
    step deno xor && deno xor 2>&1 | tee "$out/deno-xor.txt"
    step deno bench && deno bench --seconds $s --profile --epochs 2 --matmul 256,1024,2048,4096,networks 2>&1 | tee "$out/deno-bench.txt"
    step deno split-k && deno bench --seconds $s --profile --epochs 2 --kernels split-k --configs 784-256-10,784-1000-10,784-1024x3-10 --matmul 0 2>&1 | tee "$out/deno-bench-split-k.txt"
  fi
  if [ -f .gpu-node/run.sh ]; then
    for c in xor 784-256-10 784-1000-10 784-1024x3-10; do
      step dawn compare $c && retry "$out/dawn-compare-$c.txt" dawn compare --seconds 1.2 --configs $c --only steps,profile
      cat "$out/dawn-compare-$c.txt" 2>/dev/null
    done
    for c in 784-256-10 784-1024x3-10; do
      step dawn split-k $c && retry "$out/dawn-bench-split-k-$c.txt" dawn bench --seconds $s --configs $c --matmul 0 --kernels split-k --profile --epochs 2
      cat "$out/dawn-bench-split-k-$c.txt" 2>/dev/null
    done
    step dawn compare matmul && retry "$out/dawn-compare-matmul.txt" dawn compare --seconds $s --only matmul
    cat "$out/dawn-compare-matmul.txt" 2>/dev/null
  fi
  if [ -f .gpu/run.sh ]; then
    step deno compare && deno compare --seconds 1.2 --only steps,matmul 2>&1 | tee "$out/deno-compare.txt"
  fi
  echo "nvidia-run.sh: ${SECONDS} s" | tee "$out/seconds.txt"
elif [ "$what" = quick ]; then
  # The issue's figures only (about 3 minutes): after a change, what moved.
  if [ -f .gpu-node/run.sh ]; then
    step dawn && retry "$out/dawn-bench.txt" dawn bench --seconds $s --configs 784-1000-10 --profile --epochs 3 --matmul 1024,2048,4096 --json "$out/dawn-bench.json"
    cat "$out/dawn-bench.txt" 2>/dev/null
  fi
  bases=$(ls -d .base*-cli 2>/dev/null | while read -r d; do [ -f "$d/fa-webgpu.mjs" ] && echo "$d"; done)
  if [ -f .gpu-node/run.sh ] && [ -n "$bases" ]; then
    for round in 1 2; do
      for build in $bases this; do
        cli=dist/cli/fa-webgpu.mjs; name=this
        if [ "$build" != this ]; then cli=$build/fa-webgpu.mjs; name=${build#.}; name=${name%-cli}; fi
        step dawn ab $name $round && retry "$out/dawn-ab-$name-$round.txt" dawnWith "$cli" bench --seconds $s --configs 784-1000-10 --matmul 4096 --epochs 3
        echo "== $name ($cli), round $round"; cat "$out/dawn-ab-$name-$round.txt" 2>/dev/null
      done
    done
  fi
  if [ -f .gpu/run.sh ]; then
    step deno && deno bench --seconds $s --profile --epochs 2 --matmul 4096 --json "$out/deno-bench.json" 2>&1 | tee "$out/deno-bench.txt"
  fi
  # compare times three alternated rounds a side: 1.2 s a figure gives each round 0.4 s
  if [ -f .gpu-node/run.sh ]; then
    for c in 784-1000-10 784-1024x3-10; do
      step dawn compare $c && retry "$out/dawn-compare-$c.txt" dawn compare --seconds 1.2 --configs $c --only steps
      cat "$out/dawn-compare-$c.txt" 2>/dev/null
    done
  fi
  if [ -f .gpu/run.sh ]; then
    step deno compare && deno compare --seconds 1.2 --only steps 2>&1 | tee "$out/deno-compare.txt"
  fi
  if [ -f .gpu-node/run.sh ]; then
    # Diagnosis, not a figure to claim (Chrome keeps robustness on): the square matmuls with
    # Dawn's bounds clamping of every buffer access turned off, to see what it costs at 4096³.
    step dawn unclamped && FA_DAWN_FLAGS=enable-dawn-features=disable_robustness retry "$out/dawn-bench-unclamped.txt" dawn bench --seconds $s --configs xor --matmul 2048,4096
    cat "$out/dawn-bench-unclamped.txt" 2>/dev/null
  fi
  echo "nvidia-run.sh: ${SECONDS} s" | tee "$out/seconds.txt"
elif [ "$what" = tune ]; then
  # bench/matmul-tune.mjs's forms of the large-product kernel at 4096³ and 2048³ (TUNE: a regular
  # expression on their names; all by default): under Dawn with its robustness on (as in
  # Chrome) and off, and under wgpu. About a minute for a few forms; 3 for all.
  t=bench/matmul-tune.mjs; re=${TUNE:-}
  if [ -f .gpu-node/run.sh ]; then
    step tune dawn && retry "$out/tune-dawn.txt" dawnWith "$t" 0.3 4096,2048 "$re"; cat "$out/tune-dawn.txt" 2>/dev/null
    step tune unclamped && FA_DAWN_FLAGS=enable-dawn-features=disable_robustness retry "$out/tune-dawn-unclamped.txt" dawnWith "$t" 0.3 4096 "$re"
    cat "$out/tune-dawn-unclamped.txt" 2>/dev/null
  fi
  # (Deno under SwiftShader took minutes to compile the 16-deep slab forms; left out there by default)
  if [ -f .gpu/run.sh ]; then
    step tune deno && timeout "$(cap 120)" bash .gpu/run.sh deno run --allow-read --allow-env "$t" 0.3 4096 "${re:-^(?!.*bk16)}" 2>&1 | tee "$out/tune-deno.txt"
  fi
  echo "nvidia-run.sh: ${SECONDS} s" | tee "$out/seconds.txt"
elif [ "$what" = fmnist ]; then
  mkdir -p /tmp/fmnist
  for f in .fmnist/*.xz; do xz -dc "$f" | gzip -1 > "/tmp/fmnist/$(basename "$f" .xz)"; done
  common=(experiment --data fashion-mnist --data-dir /tmp/fmnist --sizes 784,256,256,10 --rules bp,fa,dfa --seeds 3
    --epochs 20 --batch 64 --momentum 0.9 --init xavier --schedule step:15:0.1 --quiet)
  # (two experiments of minutes each: LIMIT must allow them, e.g. LIMIT=580 for a 600-s call)
  step fmnist lr0.01 && deno "${common[@]}" --lr 0.01 --weight-decay 0 --out "$out/fmnist-lr0.01" 2>&1 | tee "$out/fmnist-lr0.01.txt"
  step fmnist lr0.005 && deno "${common[@]}" --lr 0.005 --weight-decay 0.0001 --out "$out/fmnist-lr0.005-wd1e-4" 2>&1 | tee "$out/fmnist-lr0.005-wd1e-4.txt"
else
  echo "nvidia-run.sh: expected perf, quick, tune or fmnist, got $what" >&2; exit 2
fi
