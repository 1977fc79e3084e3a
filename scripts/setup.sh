#!/usr/bin/env bash
# Installs what fa-webgpu needs on a Debian machine (Node 20 and npm already there):
#  - Debian's chromium: the headless browser of the tests, and, with no GPU, the SwiftShader
#    Vulkan driver and Vulkan loader that give WebGPU to Chromium and to Deno;
#  - Debian's dataset-fashion-mnist: the gzipped IDX files under /usr/share/datasets/fashion-mnist;
#  - the npm packages, exactly as package-lock.json pins them.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
npm ci --no-audit --no-fund
