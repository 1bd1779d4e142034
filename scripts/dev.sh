#!/usr/bin/env bash
# One entry point for the README quick start and CI.
#   scripts/dev.sh study      install dependencies, build, run the default CLOVERS study
#   scripts/dev.sh test       install dependencies, build, run the whole test suite
#   scripts/dev.sh sanitize   the test suite again under AddressSanitizer + UBSan
#   scripts/dev.sh bench      build in Release and run the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${CEVNS_JOBS:-2}"

# ccache, when the machine has it, makes a rebuild in a fresh clone nearly free.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
fi

build() {  # build DIR BUILD_TYPE [cmake args...] [-- targets...]
  local dir=$1 type=$2; shift 2
  local args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; targets=("$@"); }
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" "${args[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs" ${targets[@]:+--target "${targets[@]}"}
}

# ctest names a skipped test but not why: print the reason GoogleTest gave for each.
print_skip_reasons() {  # print_skip_reasons BUILD_DIR
  local log="$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  awk '/^[0-9]+\/[0-9]+ Testing: /{name=$3; reason=""; grab=0}
       grab==1 && reason=="" {reason=$0}
       /: Skipped$/{grab=1}
       /^\[  SKIPPED \]/{printf "skipped %s: %s\n", name, (reason==""?"(no reason given)":reason); grab=0}' "$log"
}

scripts/install-deps.sh
case "${1:-}" in
  study)
    build build Release -- cevns  # only what the study needs
    build/bin/cevns run --config configs/clovers.toml --output results/clovers --force
    ;;
  test)
    build build Release
    ctest --test-dir build --output-on-failure -j"$jobs"
    print_skip_reasons build
    ;;
  sanitize)
    build build-sanitize Debug -DCEVNS_SANITIZE=ON -DCEVNS_BUILD_BENCHMARKS=OFF
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      ctest --test-dir build-sanitize --output-on-failure -j"$jobs"
    ;;
  bench)
    build build Release
    build/bin/cevns-bench "${@:2}"
    ;;
  *)
    echo "usage: scripts/dev.sh study|test|sanitize|bench" >&2
    exit 2
    ;;
esac
