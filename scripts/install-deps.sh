#!/usr/bin/env bash
# Installs the Debian packages cevns builds and tests with. Idempotent: when every
# package is already present it prints nothing and touches nothing.
#   scripts/install-deps.sh              build, test and run the study
#   scripts/install-deps.sh sanitize     also clang for the ASan/UBSan build and libFuzzer
#   scripts/install-deps.sh --list [sanitize]   print the package names, install nothing
# scripts/check-deps.sh verifies the list against what a build really uses.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libtomlplusplus-dev   # TOML configuration files
  libcli11-dev          # command line
  libfmt-dev libspdlog-dev
  nlohmann-json3-dev    # JSON output
  libboost-dev          # Boost.Math quadrature and special functions
  libmgl-dev libltdl-dev libglu1-mesa-dev  # MathGL: the paper-style figures (PNG, SVG); its CMake target links libltdl.so and libGLU.so
  libgtest-dev libgmock-dev libbenchmark-dev
  libhdf5-dev           # HDF5 C library: raw-data files
  libpcg-cpp-dev        # PCG random-number streams
  libxrl-dev            # xraylib: photon cross sections, form factors, fluorescence data (the materials background)
  hdf5-tools            # h5dump, h5ls; h5clear for the .part of a killed run
  python3-h5py          # tests check that h5py reads the raw-data files
  hdf5-filter-plugin-blosc-serial  # the Blosc filter (HDF5 32001) of --compression zstd/lz4, for cevns and h5py (docs/raw-format.md)
  hdf5-filter-plugin    # LZ4 and BZip2 HDF5 filters: measured by scripts/compression_survey.py
  python3-numba         # scripts/strax_compare.py: the strax-like pulse finder beside cevns reconstruct
  pybind11-dev python3-dev python3-numpy python3-pytest  # the Python module (import cevns) and its tests
  libnlopt-cxx-dev libeigen3-dev  # the likelihood fit: NLopt minimiser, Eigen for the Hessian
  python3-iminuit       # the reference likelihood (scripts/) the fit is checked against
  python3-pandas        # tests run the pandas examples of docs/output.md
  libopenmpi-dev openmpi-bin  # MPI: mpirun -np N cevns simulate|reconstruct|fit (CEVNS_MPI, docs/production.md)
  chromium              # headless browser: the test that cevns run's report.html renders (tests/report/report_browser_test.sh)
)

# clang's sanitizer and libFuzzer runtimes are only a Recommends of clang: name them.
sanitize_packages=(clang libclang-rt-14-dev libomp-14-dev llvm)  # llvm: llvm-symbolizer; libomp: the OpenMP runtime MathGL's CMake target links under clang

list_only=0
[ "${1:-}" = "--list" ] && { list_only=1; shift; }
case "${1:-}" in
  "") ;;
  sanitize) packages+=("${sanitize_packages[@]}") ;;
  *) echo "usage: scripts/install-deps.sh [--list] [sanitize]" >&2; exit 2 ;;
esac
if [ $list_only -eq 1 ]; then printf '%s\n' "${packages[@]}"; exit 0; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
