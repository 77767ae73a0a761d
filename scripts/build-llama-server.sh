#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source node-llama-cpp bundles (CPU, no OpenMP, as
# node-llama-cpp's binaries), once per llama.cpp commit, into a cache outside the clone, and prints
# the binary's path. ~6 min on an idle 2-core machine, ~25 min on a loaded one; then instant.
# Used by .ci/run (the engine tests) and the bench (the peer baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
commit=$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" { print substr($1, 1, 12) }')
out="${LLAMA_SERVER_CACHE:-$HOME/.cache/parlor/llama-server}/$commit"
if [ ! -x "$out/llama-server" ]; then
  for tool in cmake g++ git; do command -v "$tool" >/dev/null || { echo "build-llama-server: $tool is missing (apt-get install cmake g++ git)" >&2; exit 1; }; done
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git -c advice.detachedHead=false clone -q "$bundle" "$src"
  cmake -S "$src" -B "$src/build" -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$src/build" -j"$(nproc)" --target llama-server >&2
  mkdir -p "$out.tmp"
  cp "$src/build/bin/llama-server" "$out.tmp/"
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out/llama-server"
