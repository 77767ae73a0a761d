#!/usr/bin/env bash
# Builds node-llama-cpp's native binding (its addon + llama.cpp; CPU, no OpenMP, as its prebuilt binaries)
# from the source it bundles, offline, with this machine's compiler and the project's patches
# (patches/binding/*.diff), once per node-llama-cpp version, llama.cpp commit and patch set, into a cache
# outside the clone; then links it where node-llama-cpp looks for a local build
# (node_modules/node-llama-cpp/llama/localBuilds/<platform>-<arch>) and prints the build's directory.
# The app links it too at start-up (src/adapters/llm/native-binding.ts) and falls back to the prebuilt binary
# when no build exists. The build tree is kept per version and commit, so a patch change recompiles
# only what it touched. Exits 0 without building (printing nothing) when cmake/g++/git are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
nlc=node_modules/node-llama-cpp
key=$(node_modules/.bin/tsx scripts/binding-key.ts)
cache="$HOME/.cache/parlor/binding"
out="$cache/$key"
platform="linux-$(node -p process.arch)"
[ "$(uname -s)" = Linux ] || { echo "build-binding: only Linux is supported here; the prebuilt binary is used" >&2; exit 0; }

if [ ! -f "$out/buildDone.status" ]; then
  for tool in cmake g++ git; do
    command -v "$tool" >/dev/null || { echo "build-binding: $tool is missing (apt-get install cmake g++ git); the prebuilt binary is used" >&2; exit 0; }
  done
  version=${key%%-*}
  rest=${key#*-}
  commit=${rest%%-*}
  work="$cache/.work/$version-$commit"
  mkdir -p "$work"
  exec 9>"$work.lock"
  flock 9
  # The addon and node-llama-cpp's build files come fresh from the package each time (their mtimes change,
  # so they recompile: seconds); llama.cpp is cloned once and reset to its commit before patching.
  rm -rf "$work/llama/addon"
  mkdir -p "$work/llama"
  for item in CMakeLists.txt addon cmake profiles toolchains package.json patches; do
    cp -r "$nlc/llama/$item" "$work/llama/"
  done
  if [ ! -d "$work/llama/llama.cpp/.git" ]; then
    rm -rf "$work/llama/llama.cpp"
    git -c advice.detachedHead=false clone -q "$nlc/llama/gitRelease.bundle" "$work/llama/llama.cpp"
  fi
  git -C "$work/llama/llama.cpp" checkout -q -- . && git -C "$work/llama/llama.cpp" clean -qfd
  # node-llama-cpp's own patches to llama.cpp, as its `source build` applies them (skipped where already upstream)
  for p in "$work"/llama/patches/*.diff; do
    [ -e "$p" ] || continue
    if git -C "$work/llama/llama.cpp" apply --check --ignore-whitespace "$p" 2>/dev/null; then
      git -C "$work/llama/llama.cpp" apply --ignore-whitespace "$p"
    fi
  done
  # The project's patches to the addon: they must apply, or the build fails loudly.
  for p in patches/binding/*.diff; do
    [ -e "$p" ] || continue
    git -C "$work/llama" apply -p1 "$PWD/$p" || { echo "build-binding: $p does not apply to node-llama-cpp $version's addon" >&2; exit 1; }
  done
  release=$(node -p "require('./$nlc/llama/binariesGithubRelease.json').release")
  build="$work/build"
  (
    cd "$work/llama"
    # cmake-js resolves node-addon-api and the Node-API headers from the project's node_modules
    NODE_PATH="$OLDPWD/node_modules" "$OLDPWD/node_modules/.bin/cmake-js" compile --log-level warn --config Release \
      --arch="$(node -p process.arch)" --out "$build" --runtime-version="$(node -p 'process.version.slice(1)')" \
      --parallel="$(nproc)" \
      --CDGGML_BUILD_NUMBER=1 --CDCMAKE_CONFIGURATION_TYPES=Release --CDNLC_CURRENT_PLATFORM="$platform" \
      --CDNLC_TARGET_PLATFORM="$platform" --CDNLC_VARIANT="$release" --CDGGML_METAL=OFF --CDGGML_CCACHE=OFF \
      --CDLLAMA_CURL=OFF --CDLLAMA_HTTPLIB=OFF --CDLLAMA_BUILD_BORINGSSL=OFF --CDLLAMA_OPENSSL=OFF \
      --CDGGML_OPENMP=OFF --CDGGML_NATIVE=ON
  ) >&2
  rm -rf "$out.tmp" && mkdir -p "$out.tmp/Release"
  for dir in "$build/Release" "$build/bin" "$build/llama.cpp/bin"; do
    [ -d "$dir" ] && cp -a "$dir"/. "$out.tmp/Release/"
  done
  [ -f "$out.tmp/Release/llama-addon.node" ] || { echo "build-binding: no llama-addon.node in $build" >&2; exit 1; }
  node -e '
    const [file, release, arch] = process.argv.slice(1);
    require("fs").writeFileSync(file, JSON.stringify({ buildOptions: { customCmakeOptions: {}, progressLogs: true, platform: "linux",
      platformInfo: { name: "", version: "" }, arch, gpu: false, llamaCpp: { repo: "ggml-org/llama.cpp", release } } }));
  ' "$out.tmp/Release/_nlcBuildMetadata.json" "$release" "$(node -p process.arch)"
  printf '%s\n' "$(g++ --version | head -1)" > "$out.tmp/compiler.txt"
  touch "$out.tmp/buildDone.status"
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
# Where node-llama-cpp finds a local build (a link, so a fresh `npm ci` just drops it)
mkdir -p "$nlc/llama/localBuilds"
ln -sfn "$out" "$nlc/llama/localBuilds/$platform"
echo "$out"
