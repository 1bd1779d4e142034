// `cevns select` with the off-beam window: observed.csv beside selection.json, the
// off-beam counts in the table, a reduced file of format version 2 (no off-beam window)
// still selected with a warning, and a bad window position as a configuration error.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

namespace fs = std::filesystem;

using cevns::test::Result;

Result run(const std::string& arguments) {
  const std::string command = std::string(CEVNS_EXECUTABLE) + " " + arguments + " 2>&1";
  return cevns::test::run_shell(command);
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SelectOffBeam : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cevns_select_off_beam_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SelectOffBeam, WritesBothWindowsAndReadsAVersion2FileWithoutOne) {
  const std::string config = std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml";
  auto r = run("-q simulate --config " + config + " --triggers 1000 --threads 2 --set daq.pmt.dark_rate_Hz=20000 --set reco.calibration_pulses=100 -o " +
               (dir_ / "raw.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run("-q reconstruct " + (dir_ / "raw.h5").string() + " -t 2 -o " + (dir_ / "reduced.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  r = run("select " + (dir_ / "reduced.h5").string() + " -o " + (dir_ / "sel").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("off-beam window: the same criteria 29 µs into the pretrace"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("wrote " + (dir_ / "sel" / "observed.csv").string()), std::string::npos) << r.output;
  const std::string csv = read(dir_ / "sel" / "observed.csv");
  EXPECT_EQ(csv.rfind("region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\non-beam,", 0), 0u);
  EXPECT_NE(csv.find("\noff-beam,"), std::string::npos);
  EXPECT_NE(read(dir_ / "sel" / "selection.json").find("\"off-beam\": {"), std::string::npos);

  // Asking select for another window position changes nothing but says so.
  r = run("select " + (dir_ / "reduced.h5").string() + " --set reco.off_beam_window_start_us=15");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the off-beam window stays where the reconstruction put it, 29 µs"), std::string::npos)
      << r.output;
  // A position outside the pretrace: exit 1, naming the key.
  r = run("reconstruct " + (dir_ / "raw.h5").string() + " -o " + (dir_ / "bad.h5").string() +
          " --set reco.off_beam_window_start_us=35");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("reco.off_beam_window_start_us = 35 (must be in [11, 29] µs"), std::string::npos) << r.output;

  // Format version 2, made by h5py as version 2 wrote it (tests/io: FormatVersion2IsRead…).
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 to make a version-2 file (apt-get install python3-h5py)";
  fs::copy_file(dir_ / "reduced.h5", dir_ / "v2.h5");
  std::ofstream(dir_ / "to_v2.py") << R"(
import sys, h5py, numpy as np
from numpy.lib import recfunctions
with h5py.File(sys.argv[1], "r+") as f:
    old = f["events"]
    rows = recfunctions.repack_fields(old[:][[n for n in old.dtype.names if not n.startswith("off_beam")]])
    units, description, chunks = old.attrs["units"], old.attrs["description"], old.chunks
    del f["events"]
    new = f.create_dataset("events", data=rows, maxshape=(None,), chunks=chunks, fletcher32=True)
    new.attrs["units"], new.attrs["description"] = units, description
    del f.attrs["off_beam_window_start_us"]
    f.attrs.modify("format_version", np.uint32(2))
)";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (dir_ / "to_v2.py").string() + " " + (dir_ / "v2.h5").string()).c_str()), 0);
  r = run("select " + (dir_ / "v2.h5").string() + " -o " + (dir_ / "sel2").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("has no off-beam window (format version 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("off-beam window: none in this reduced file"), std::string::npos) << r.output;
  const std::string csv2 = read(dir_ / "sel2" / "observed.csv");
  EXPECT_EQ(csv2.find("off-beam"), std::string::npos);
  // The on-beam window is selected as from the version-3 file: the same rows.
  EXPECT_EQ(csv2, csv.substr(0, csv.find("\noff-beam,") + 1));
}

}  // namespace
