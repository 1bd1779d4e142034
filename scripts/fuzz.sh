#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers of untrusted input (fuzz/): the TOML
# configuration reader and the raw and reduced HDF5 file readers, under ASan and UBSan.
#
#   scripts/fuzz.sh [SECONDS]     each fuzzer runs SECONDS (default 60)
#
# Builds build-fuzz with clang (CEVNS_FUZZ, CEVNS_SANITIZE), makes a seed corpus — the
# shipped configs/*.toml, and small raw and reduced files written by build-fuzz/bin/cevns —
# and runs each fuzzer for a bounded time. A crash, a leak, undefined behaviour or an
# input that takes more than 10 s is saved as build-fuzz/fuzz/findings/<fuzzer>-*, and the
# script exits 1. The corpus grows in build-fuzz/fuzz/corpus/ from run to run.
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS] (a positive whole number)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
work=$build/fuzz

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCEVNS_FUZZ=ON \
  -DCEVNS_SANITIZE=ON -DCEVNS_BUILD_TESTS=OFF -DCEVNS_BUILD_BENCHMARKS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target cevns fuzz_config fuzz_raw_file fuzz_reduced_file

# Seeds. The program that writes them is the instrumented one: leaks at its exit are not
# what is looked for here.
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/config "$seeds"/raw_file "$seeds"/reduced_file "$work"/findings
cp "$root"/configs/*.toml "$seeds"/config/
cevns() { ASAN_OPTIONS=detect_leaks=0 "$build"/bin/cevns -q "$@"; }
# A short window and many dark counts: small files with segments, truth and reduced rows.
small=(--set daq.digitizer.window_us=4 --set daq.digitizer.pretrace_us=2 --set daq.pmt.dark_rate_Hz=2e5)
cevns simulate -c "$root"/configs/clovers.toml -n 30 "${small[@]}" -o "$seeds"/raw_file/zero-suppressed.h5 -t 1
cevns simulate -c "$root"/configs/clovers.toml -n 2 -m full "${small[@]}" -o "$seeds"/raw_file/full.h5 -t 1
cevns reconstruct "$seeds"/raw_file/zero-suppressed.h5 -o "$seeds"/reduced_file/reduced.h5 \
  --set reco.spe_charge_adc_samples=100 -t 1

# HDF5's own leaks on damaged files are not ours to fix (fuzz/lsan.supp says which).
export LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp
status=0
for name in config raw_file reduced_file; do
  corpus=$work/corpus/$name
  mkdir -p "$corpus"
  echo "== fuzz_$name: $seconds s"
  # -timeout: an input that runs for 10 s counts as a hang. -max_len: the largest seed.
  if ! "$build"/bin/fuzz_$name "$corpus" "$seeds/$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=$(( $(du -b "$seeds/$name"/* | sort -n | tail -1 | cut -f1) + 1024 )) \
    -artifact_prefix="$work/findings/$name-" -print_final_stats=1 2>"$work/$name.log"; then
    status=1
    echo "fuzz_$name found a problem: $(grep -m1 -E 'ERROR|SUMMARY|deadly' "$work/$name.log" || true)"
    echo "  input and log: $work/findings/$name-*, $work/$name.log"
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$name.log" | tail -2 || true
done
exit $status
