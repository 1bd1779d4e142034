#!/usr/bin/env bash
# One entry point for the README quick start and CI.
#   scripts/dev.sh study      install dependencies, build, run the default CLOVERS study
#   scripts/dev.sh test       install dependencies, build, run the whole test suite
#   scripts/dev.sh sanitize   the test suite again under AddressSanitizer + UBSan (clang)
#   scripts/dev.sh fuzz [S]   the libFuzzer targets of that build, S seconds each (default 60)
#   scripts/dev.sh bench      build in Release; the whole commands beside their limits (cevns-throughput), then the kernel benchmarks
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
       /^\[  SKIPPED \]/ && !(name in seen) {seen[name]=1; printf "skipped %s: %s\n", name, (reason==""?"(no reason given)":reason); grab=0}' "$log"
}

# One clang build serves the sanitizer run of the test suite and the fuzzers: ASan + UBSan
# at -O1 (the checks of -O0, at a fraction of its run time), libFuzzer coverage in the readers.
sanitize_build() {  # sanitize_build [-- targets...]
  scripts/install-deps.sh sanitize
  build build-sanitize Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCEVNS_SANITIZE=ON -DCEVNS_FUZZ=ON \
    -DCEVNS_BUILD_BENCHMARKS=OFF -DCEVNS_BUILD_PYTHON=OFF "$@"
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
    sanitize_build
    # The whole-study tests (three `cevns run` studies; the report in Chromium) run in the
    # Release suite only: under ASan they would take most of CI's time, and every stage they
    # chain is tested under ASan on its own (Cli.RunWritesTheStudy runs the study --no-mc).
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp" \
      ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -E '^(RunCommand\.|report_browser$)'
    ;;
  fuzz)
    sanitize_build -- cevns fuzz_config fuzz_raw_file fuzz_reduced_file
    scripts/fuzz.sh "${2:-60}" build-sanitize
    ;;
  bench)
    build build Release -DCEVNS_BUILD_BENCHMARKS=ON -- cevns cevns-throughput cevns-bench
    # The whole commands beside their limits, then the kernels (Google Benchmark, which
    # takes the arguments, e.g. --benchmark_filter=Reco).
    build/bin/cevns-throughput
    # strax's published pulse processing (numba) beside cevns reconstruct, end to end from
    # the same full-mode file: pulse agreement and the speed ratio.
    strax_dir=$(mktemp -d)
    build/bin/cevns -q simulate -c configs/clovers.toml -n 500 --mode full --compression none -t 1 -o "$strax_dir/full.h5"
    /usr/bin/python3 scripts/strax_compare.py "$strax_dir/full.h5" --cevns build/bin/cevns --baseline-samples 40000 || true
    rm -rf "$strax_dir"
    build/bin/cevns-bench "${@:2}"
    ;;
  *)
    echo "usage: scripts/dev.sh study|test|sanitize|fuzz [SECONDS]|bench" >&2
    exit 2
    ;;
esac
