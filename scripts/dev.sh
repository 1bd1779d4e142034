#!/usr/bin/env bash
# One entry point for the README quick start and CI.
#   scripts/dev.sh study      install dependencies, build, run the default CLOVERS study
#   scripts/dev.sh test       install dependencies, build, run the whole test suite
#   scripts/dev.sh sanitize   the test suite again under AddressSanitizer + UBSan
#   scripts/dev.sh bench      build in Release and run the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${CEVNS_JOBS:-2}"

build() {  # build DIR BUILD_TYPE [extra cmake args...]
  local dir=$1 type=$2; shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

scripts/install-deps.sh
case "${1:-}" in
  study)
    build build Release
    build/bin/cevns run --config configs/clovers.toml --output results/clovers
    ;;
  test)
    build build Release
    ctest --test-dir build --output-on-failure -j"$jobs"
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
