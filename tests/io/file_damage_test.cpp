// Damaged raw and reduced files: bytes changed or zeroed at many places of small files
// written by the project must give either an IoError or exactly what was written — never
// a crash, a hang, or different numbers. Each read runs in a forked child with a
// deadline, so that a crash or a hang of HDF5 is seen as one.

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reduced_file.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;

using cevns::test::TempDir;

/// Appends the bytes of trivially copyable values: a fingerprint of what was read.
struct Digest {
  std::string bytes;
  template <class T>
  void add(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  template <class T>
  void add(const std::vector<T>& values) {
    add(values.size());
    for (const auto& v : values) add(v);
  }
  void add(const std::string& text) {
    add(text.size());
    bytes += text;
  }
  void add_record(const daq::BlockRecord& r) {
    add(r.index), add(r.first_trigger), add(r.trigger_count), add(r.protons_on_target), add(r.beam_on_triggers),
        add(r.vetoed_triggers);
  }
  void add_info(const daq::RunInfo& i) {
    add(i.cevns_version), add(i.experiment), add(i.config_toml), add(i.seed), add(i.mode), add(i.sampling_rate_GHz);
    add(i.samples_per_waveform), add(i.pretrace_samples), add(i.adc_bits), add(i.baseline_adc), add(i.trigger_rate_Hz);
    add(i.triggers_per_block);
    for (const auto& ch : i.channels) add(ch.name), add(ch.crystal), add(ch.side);
    for (const auto& s : i.sources) add(s);
  }
};

/// Everything a RawFileReader gives for `path`; with `direct`, full-mode waveforms as
/// `cevns reconstruct` reads them: chunks as stored, checked by check_waveforms.
std::string read_raw_with(const fs::path& path, bool direct) {
  const RawFileReader reader(path);
  Digest d;
  d.add_info(reader.info());
  d.add(reader.complete());
  WaveformSlice slice;
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) {
    daq::TriggerBlock b;
    if (direct && reader.info().mode == daq::WaveformMode::full) {
      reader.read_block(i, b, RawFileReader::Part::without_waveforms);
      reader.check_block(b);
      reader.read_waveforms(i, 0, b.triggers.size(), slice);
      for (std::size_t k = 0; k < slice.triggers(); ++k) reader.check_waveforms(slice, k);
      b.waveforms.assign(slice.samples().begin(), slice.samples().end());
    } else {
      b = reader.read_block(i);
    }
    d.add_record(b);
    for (const auto& t : b.triggers)
      d.add(t.id), d.add(t.time_s), d.add(t.protons_on_target), d.add(t.beam_on), d.add(t.veto), d.add(t.veto_mask);
    d.add(b.waveforms);
    d.add(b.segments.trigger_id), d.add(b.segments.channel), d.add(b.segments.first_sample);
    d.add(b.segments.length), d.add(b.segments.offset), d.add(b.segments.samples);
    for (const auto& x : b.interactions)
      d.add(x.trigger_id), d.add(x.time_ns), d.add(x.recoil_keVnr), d.add(x.visible_keVee), d.add(x.photoelectrons),
          d.add(x.crystal), d.add(x.source);
    for (const auto& pe : b.photoelectrons)
      d.add(pe.trigger_id), d.add(pe.time_ns), d.add(pe.charge), d.add(pe.channel), d.add(pe.source);
  }
  return d.bytes;
}
std::string read_raw(const fs::path& path) { return read_raw_with(path, false); }
std::string read_raw_direct(const fs::path& path) { return read_raw_with(path, true); }

/// Everything a ReducedFileReader gives for `path`.
std::string read_reduced(const fs::path& path) {
  const ReducedFileReader reader(path);
  Digest d;
  d.add_info(reader.info().raw);
  d.add(reader.info().raw_file), d.add(reader.info().reco_config_toml), d.add(reader.info().spe_charge);
  d.add(reader.info().crystals), d.add(reader.complete());
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) {
    const auto b = reader.read_block(i);
    d.add_record(b);
    d.add(b.events);
  }
  d.add(reader.read_all_events());
  return d.bytes;
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// One damaged copy: `length` bytes from `at`, inverted (length 1) or zeroed.
struct Damage {
  std::size_t at = 0;
  std::size_t length = 0;
  [[nodiscard]] std::string apply(std::string bytes) const {
    for (std::size_t i = at; i < std::min(bytes.size(), at + length); ++i)
      bytes[i] = length == 1 ? static_cast<char>(~bytes[i]) : '\0';
    return bytes;
  }
  [[nodiscard]] std::string describe() const {
    return length == 1 ? fmt::format("1 byte inverted at offset {}", at)
                       : fmt::format("{} bytes zeroed from offset {}", length, at);
  }
};

/// What reading one damaged copy gave: 'r' the data read, 'e' a cevns::Error's message,
/// 'x' another exception's; 'c' a crash, 'h' no answer in time.
struct Outcome {
  char kind = 'r';
  std::string text;
};

void write_all(int fd, const std::string& data) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n <= 0) _exit(2);
    done += static_cast<std::size_t>(n);
  }
}

/// Reads `n` bytes from `fd` before `stop`; false at the end of the pipe or the deadline
/// (`timed_out` tells which).
bool read_exactly(int fd, char* out, std::size_t n, std::chrono::steady_clock::time_point stop, bool& timed_out) {
  for (std::size_t done = 0; done < n;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop - std::chrono::steady_clock::now());
    if (left.count() <= 0) return !(timed_out = true);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t got = ::read(fd, out + done, n - done);
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

/// Reads copies of `intact` damaged as `damages` say, each written to `path`, with `read`
/// in forked children: one child reads one copy after the other and reports each, so a
/// crash or a hang (no answer within `deadline`) is pinned on its copy, and a new child
/// goes on with the next. The outcomes are in the order of `damages`; after 3 crashes or
/// hangs the rest are not tried.
std::vector<Outcome> read_damaged(const std::function<std::string(const fs::path&)>& read, const std::string& intact,
                                  const std::vector<Damage>& damages, const fs::path& path,
                                  std::chrono::milliseconds deadline) {
  std::vector<Outcome> outcomes;
  int failures = 0;
  while (outcomes.size() < damages.size() && failures < 3) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    const std::size_t first = outcomes.size();
    const pid_t child = fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
      close(out[0]);
      for (std::size_t i = first; i < damages.size(); ++i) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << damages[i].apply(intact);
        char kind = 'r';
        std::string text;
        try {
          text = read(path);
        } catch (const Error& e) {  // every cevns error; IoError expected
          kind = 'e';
          text = e.what();
        } catch (const std::exception& e) {  // out_of_range, invalid_argument…: not allowed
          kind = 'x';
          text = e.what();
        }
        const std::uint64_t size = text.size();
        write_all(out[1], std::string(1, kind) + std::string(reinterpret_cast<const char*>(&size), sizeof size) + text);
      }
      _exit(0);
    }
    close(out[1]);
    bool timed_out = false;
    while (outcomes.size() < damages.size()) {
      const auto stop = std::chrono::steady_clock::now() + deadline;
      Outcome o;
      std::uint64_t size = 0;
      if (!read_exactly(out[0], &o.kind, 1, stop, timed_out) ||
          !read_exactly(out[0], reinterpret_cast<char*>(&size), sizeof size, stop, timed_out))
        break;
      o.text.resize(size);
      if (!read_exactly(out[0], o.text.data(), size, stop, timed_out)) break;
      outcomes.push_back(std::move(o));
    }
    close(out[0]);
    if (timed_out) kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    if (outcomes.size() < damages.size() && (timed_out || WIFSIGNALED(status) || !WIFEXITED(status))) {
      ++failures;
      outcomes.push_back({timed_out ? 'h' : 'c',
                          timed_out ? fmt::format("no answer within {} ms", deadline.count())
                                    : fmt::format("the reader crashed (signal {})", WTERMSIG(status))});
    } else if (outcomes.size() < damages.size()) {
      throw std::runtime_error("the reading child ended early");
    }
  }
  return outcomes;
}

/// Damages copies of `original` — one byte inverted, and 4096 bytes zeroed — at every
/// 64th byte of the first 8 KiB (the superblock, the object headers, the small datasets)
/// and at 100 seeded offsets in the rest, and checks that each copy is refused with an IoError or
/// reads exactly as the intact file.
void check_damage(const fs::path& original, const std::function<std::string(const fs::path&)>& read) {
  const std::string intact = bytes_of(original);
  ASSERT_GT(intact.size(), 0u);
  const std::string expected = read(original);

  std::set<std::size_t> offsets;
  for (std::size_t at = 0; at < std::min<std::size_t>(intact.size(), 8192); at += 64) offsets.insert(at);
  std::mt19937_64 rng(20261201);
  std::uniform_int_distribution<std::size_t> anywhere(0, intact.size() - 1);
  while (offsets.size() < 128 + 100) offsets.insert(anywhere(rng));
  std::vector<Damage> damages;
  for (const std::size_t at : offsets)
    for (const std::size_t length : {std::size_t{1}, std::size_t{4096}})
      if (Damage{at, length}.apply(intact) != intact) damages.push_back({at, length});

  const auto outcomes = read_damaged(read, intact, damages, fs::path(original).replace_filename("damaged.h5"),
                                     std::chrono::seconds(5));
  if (outcomes.size() < damages.size()) ADD_FAILURE() << "stopped after 3 crashes or hangs";
  int refused = 0, same = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    const std::string what = damages[i].describe();
    if (o.kind == 'e') {
      ++refused;
      // Damage is called damage (a broken signature makes it "not an HDF5 file").
      EXPECT_TRUE(o.text.find("cannot read") != std::string::npos &&
                  (o.text.find("the file is damaged") != std::string::npos ||
                   o.text.find("(not an HDF5 file)") != std::string::npos))
          << what << ": " << o.text;
    } else if (o.kind == 'r') {
      ++same;
      EXPECT_TRUE(o.text == expected) << what << ": read without an error, but not what was written";
    } else {
      ADD_FAILURE() << what << ": " << (o.kind == 'x' ? "an exception that is no cevns::Error: " : "") << o.text;
    }
  }
  EXPECT_GT(refused, 0);
  std::printf("[          ] %s: %zu damaged copies, %d refused, %d read as written\n", original.filename().c_str(),
              damages.size(), refused, same);
}

daq::RunInfo raw_info(daq::WaveformMode mode) {
  daq::RunInfo info;
  info.cevns_version = "0.1.0-test";
  info.experiment = "CLOVERS";
  info.config_toml = "[experiment]\nname = \"CLOVERS\"\n";
  info.seed = 42;
  info.mode = mode;
  info.sampling_rate_GHz = 1.0;
  info.samples_per_waveform = 64;
  info.pretrace_samples = 32;
  info.adc_bits = 14;
  info.baseline_adc = 1000;
  info.trigger_rate_Hz = 25;
  info.triggers_per_block = 4;
  for (std::uint16_t ch = 0; ch < 4; ++ch)
    info.channels.push_back({fmt::format("crystal{}/pmt{}", ch / 2, ch % 2), static_cast<std::uint16_t>(ch / 2),
                             static_cast<std::uint16_t>(ch % 2)});
  info.sources = {"cevns", "dark counts"};
  return info;
}

/// Three blocks of four triggers; zero-suppressed: two stored triggers with a segment each.
std::vector<daq::TriggerBlock> raw_blocks(const daq::RunInfo& info) {
  std::vector<daq::TriggerBlock> blocks;
  for (std::uint64_t index = 0; index < 3; ++index) {
    daq::TriggerBlock b;
    b.index = index;
    b.first_trigger = 4 * index;
    b.trigger_count = 4;
    for (std::uint64_t k = 0; k < 4; ++k) {
      const std::uint64_t id = b.first_trigger + k;
      const bool stored = info.mode == daq::WaveformMode::full || k % 2 == 1;
      const daq::Trigger t{id, static_cast<double>(id) / 25.0, 3e12F, true, k == 3, k == 3 ? 5U : 0U};
      b.protons_on_target += t.protons_on_target;
      ++b.beam_on_triggers;
      b.vetoed_triggers += t.veto ? 1 : 0;
      if (!stored) continue;
      b.triggers.push_back(t);
      if (info.mode == daq::WaveformMode::full) {
        for (std::size_t s = 0; s < info.channels.size() * info.samples_per_waveform; ++s)
          b.waveforms.push_back(static_cast<std::int16_t>(1000 + (s * 7 + id) % 50));
      } else {
        b.segments.trigger_id.push_back(id);
        b.segments.channel.push_back(static_cast<std::uint16_t>(k));
        b.segments.first_sample.push_back(30);
        b.segments.length.push_back(10);
        b.segments.offset.push_back(b.segments.samples.size());
        for (int s = 0; s < 10; ++s) b.segments.samples.push_back(static_cast<std::int16_t>(1000 + 40 * s + id));
      }
      b.interactions.push_back({id, 12.5F, 3.0F, 0.3F, 4, static_cast<std::uint16_t>(k % 2), 0});
      b.photoelectrons.push_back({id, 14.0F, 1.1F, static_cast<std::uint16_t>(k), 1});
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

void write_raw(const fs::path& path, daq::WaveformMode mode) {
  const auto info = raw_info(mode);
  RawFileWriter writer(path, info);
  for (const auto& b : raw_blocks(info)) writer.write(b);
  writer.close();
}

TEST(FileDamage, DamagedZeroSuppressedRawFileIsAnErrorNeverACrashOrAHang) {
  const TempDir dir;
  write_raw(dir / "zs.h5", daq::WaveformMode::zero_suppressed);
  check_damage(dir / "zs.h5", read_raw);
}

TEST(FileDamage, DamagedFullModeRawFileIsAnErrorNeverACrashOrAHang) {
  const TempDir dir;
  write_raw(dir / "full.h5", daq::WaveformMode::full);
  check_damage(dir / "full.h5", read_raw);
}

TEST(FileDamage, DamagedFullModeWaveformsReadAsStoredAreAnErrorNeverACrashOrAHang) {
  // The path of cevns reconstruct: direct chunk reads, checksums compared by cevns.
  const TempDir dir;
  write_raw(dir / "full.h5", daq::WaveformMode::full);
  EXPECT_EQ(read_raw_direct(dir / "full.h5"), read_raw(dir / "full.h5"));
  check_damage(dir / "full.h5", read_raw_direct);
}

TEST(FileDamage, DamagedReducedFileIsAnErrorNeverACrashOrAHang) {
  const TempDir dir;
  reco::ReducedRunInfo info;
  info.raw = raw_info(daq::WaveformMode::zero_suppressed);
  info.raw_file = "run.h5";
  info.reco_config_toml = "[reco]\npulse_threshold_adc = 10.0\n";
  info.spe_charge = {100.0, 101.0, 102.0, 103.0};
  info.crystals = 2;
  {
    ReducedFileWriter writer(dir / "reduced.h5", info);
    for (const auto& raw : raw_blocks(info.raw)) {
      reco::ReducedBlock b;
      static_cast<daq::BlockRecord&>(b) = raw;
      for (const auto& t : raw.triggers) {
        reco::CrystalEvent e;
        e.trigger_id = t.id;
        e.time_s = t.time_s;
        e.protons_on_target = t.protons_on_target;
        e.beam_on = 1;
        e.veto = t.veto ? 1 : 0;
        e.crystal = static_cast<std::uint16_t>(t.id % 2);
        e.npe[0] = 3.5F;
        e.npe[1] = 2.0F;
        e.arrival_ns = t.id % 3 == 0 ? std::numeric_limits<float>::quiet_NaN() : 120.0F;
        e.truth_source = 0;
        e.truth_npe = 5;
        b.events.push_back(e);
      }
      writer.write(b);
    }
    writer.close();
  }
  check_damage(dir / "reduced.h5", read_reduced);
}

}  // namespace
}  // namespace cevns::io
