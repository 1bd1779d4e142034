#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers of untrusted input (fuzz/): the TOML
# configuration reader and the raw and reduced HDF5 file readers, under ASan and UBSan.
#
#   scripts/dev.sh fuzz [SECONDS]         build (clang, ASan + UBSan) and run; the usual way
#   scripts/fuzz.sh [SECONDS [BUILD_DIR]]  run the fuzzers of a build made with CEVNS_FUZZ
#                                          (default 60 s each, build-sanitize/)
#
# Makes a seed corpus — the shipped configs/*.toml, and small raw and reduced files written
# by BUILD_DIR/bin/cevns — and runs each fuzzer for a bounded time. A crash, a leak,
# undefined behaviour or an input that takes more than 10 s is saved as
# BUILD_DIR/fuzz/findings/<fuzzer>-*, and the script exits 1. The corpus grows in
# BUILD_DIR/fuzz/corpus/ from run to run.
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS [BUILD_DIR]] (SECONDS a positive whole number)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root" && realpath -m "${2:-build-sanitize}")
work=$build/fuzz
for program in cevns fuzz_config fuzz_raw_file fuzz_reduced_file; do
  [ -x "$build/bin/$program" ] || { echo "fuzz: no $build/bin/$program: build it with scripts/dev.sh fuzz" >&2; exit 2; }
done

# Seeds. The program that writes them is the instrumented one: leaks at its exit are not
# what is looked for here.
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/config "$seeds"/raw_file "$seeds"/reduced_file "$work"/findings
cp "$root"/configs/*.toml "$seeds"/config/
cevns() { ASAN_OPTIONS=detect_leaks=0 "$build"/bin/cevns -q "$@"; }
# A short window and many dark counts: small files with segments, truth and reduced rows.
# (pretrace twice the 2 µs signal region: room for the off-beam window, so its columns are fuzzed too)
small=(--set daq.digitizer.window_us=6 --set daq.digitizer.pretrace_us=4 --set spectra.time_max_us=1 --set daq.pmt.dark_rate_Hz=1e5)
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
