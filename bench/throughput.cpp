// cevns-throughput: the whole commands, timed as a user runs them, each beside the limit
// it is compared with, measured in the same run on the same machine (issue 14):
//   - cevns reconstruct of a warm full-mode file, 1 and 2 threads, against the rate at
//     which HDF5 itself reads that file's waveforms (H5Dread trigger by trigger into one
//     reused buffer, with the file's Fletcher-32 checksums verified, as cevns does);
//   - cevns reconstruct of a zero-suppressed file, 2 threads against 1;
//   - cevns simulate --mode full on one thread, into the page cache, against the memory
//     bandwidth (memcpy into a reused buffer) and the 10⁹ samples/s target;
//   - cevns merge of the two part files of a full-mode run (docs/production.md), against
//     the rate at which the same bytes are copied into one file (cat, page cache);
//   - cevns predict, the whole process;
//   - each lossless compression (--compression): the bytes of the full-mode, zero-
//     suppressed and reduced files against uncompressed ones, and the write (simulate) and
//     read (HDF5, reconstruct) rates of the compressed full-mode file against the same
//     limits (the uncompressed figures above are of --compression none files).
// Every figure is the min and median over --runs runs (the median is the one compared).
// Run: scripts/dev.sh bench (or build/bin/cevns-throughput --help).
#include <hdf5.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Figure {
  double min = 0, median = 0;
};

/// Runs `f` `runs` times; f returns a rate (bigger is better) or a time.
Figure measure(int runs, const std::function<double()>& f) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) v.push_back(f());
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2]};
}

/// CPU seconds (user + system) of this process or of its finished children.
double cpu_s(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
double last_cpu_s = 0;  // of the last run_command or hdf5_read_rate

/// Wall time of a shell command (its CPU time in last_cpu_s); exits when it fails.
double run_command(const std::string& command) {
  const double c0 = cpu_s(RUSAGE_CHILDREN);
  const double t0 = now_s();
  const int status = std::system(command.c_str());
  const double t = now_s() - t0;
  last_cpu_s = cpu_s(RUSAGE_CHILDREN) - c0;
  if (status != 0) {
    std::fprintf(stderr, "cevns-throughput: command failed (status %d): %s\n", status, command.c_str());
    std::exit(1);
  }
  return t;
}

/// memcpy of 256 MiB into a reused buffer: bytes/s.
double memory_bandwidth() {
  static std::vector<char> from(std::size_t{256} << 20, 1), to(std::size_t{256} << 20, 0);
  const double t0 = now_s();
  std::memcpy(to.data(), from.data(), from.size());
  const double t = now_s() - t0;
  if (to[12345] != 1) std::abort();
  return static_cast<double>(from.size()) / t;
}

struct FileShape {
  std::uint64_t triggers = 0;
  std::uint64_t per_trigger = 0;  // samples
};

FileShape shape_of(const fs::path& file) {
  FileShape s;
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    std::fprintf(stderr, "cevns-throughput: cannot open %s\n", file.c_str());
    std::exit(1);
  }
  if (H5Lexists(f, "/waveforms/adc", H5P_DEFAULT) > 0) {
    const hid_t d = H5Dopen2(f, "/waveforms/adc", H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    hsize_t dims[3] = {0, 0, 0};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    s.triggers = dims[0];
    s.per_trigger = dims[1] * dims[2];
    H5Sclose(space);
    H5Dclose(d);
  } else {
    const hid_t d = H5Dopen2(f, "/waveforms/samples", H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    s.triggers = 1;
    s.per_trigger = dims[0];  // every stored sample
    H5Sclose(space);
    H5Dclose(d);
  }
  H5Fclose(f);
  return s;
}

/// HDF5's own read rate of a full-mode file's waveforms, samples/s: every trigger (one
/// chunk) by H5Dread into one reused buffer, checksums verified.
double hdf5_read_rate(const fs::path& file) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, "/waveforms/adc", H5P_DEFAULT);
  const hid_t space = H5Dget_space(d);
  hsize_t dims[3] = {0, 0, 0};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  const hsize_t count[3] = {1, dims[1], dims[2]};
  const hid_t memory = H5Screate_simple(3, count, nullptr);
  std::vector<std::int16_t> buffer(dims[1] * dims[2]);
  const double c0 = cpu_s(RUSAGE_SELF);
  const double t0 = now_s();
  for (hsize_t i = 0; i < dims[0]; ++i) {
    const hsize_t start[3] = {i, 0, 0};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
    if (H5Dread(d, H5T_NATIVE_INT16, memory, space, H5P_DEFAULT, buffer.data()) < 0) std::abort();
  }
  const double t = now_s() - t0;
  last_cpu_s = cpu_s(RUSAGE_SELF) - c0;
  H5Sclose(memory);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  return static_cast<double>(dims[0] * dims[1] * dims[2]) / t;
}

/// 'text', for the shell (built piece by piece: "'" + string trips GCC 12's -Wrestrict).
std::string fmt_quoted(const std::string& text) {
  std::string out(1, '\'');
  out += text;
  out += '\'';
  return out;
}

void print_header() {
  std::printf("%-44s %11s %11s %11s %7s  %s\n", "figure", "min", "median", "limit", "ratio", "limit measured / target");
}

void print_rate(const char* name, Figure f, double limit, const char* what, const char* unit = "samples/s") {
  std::printf("%-44s %11.3g %11.3g %11.3g %6.1f%%  %s (%s)\n", name, f.min, f.median, limit, 100.0 * f.median / limit,
              what, unit);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path cevns = fs::path(argv[0]).parent_path() / "cevns";
  fs::path dir = fs::temp_directory_path() / "cevns-throughput";
  int runs = 5;
  std::uint64_t full_triggers = 1000, zs_triggers = 100000;
  std::string zs_config = "cicenns.toml";  // 30 channels, 2.9 kHz dark counts: a segment in nearly every trigger
  std::string reconstruct_options;  // e.g. "--set reco.spe_charge_adc_samples=508" for a cevns that cannot fall back
  std::vector<std::string> compressions = {"deflate", "lz4", "zstd"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--cevns") cevns = value();
    else if (a == "--dir") dir = value();
    else if (a == "--runs") runs = std::max(1, std::atoi(value().c_str()));
    else if (a == "--full-triggers") full_triggers = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--zs-triggers") zs_triggers = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--reconstruct-options") reconstruct_options = value();
    else if (a == "--zs-config") zs_config = value();
    else if (a == "--compressions") {
      compressions.clear();
      std::string list = value();
      for (std::size_t at = 0; at <= list.size();) {
        const std::size_t comma = std::min(list.find(',', at), list.size());
        if (comma > at) compressions.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    }
    else {
      std::printf("usage: cevns-throughput [--cevns PATH] [--dir DIR] [--runs N] [--full-triggers N] [--zs-triggers N]\n"
                  "                        [--zs-config cicenns.toml] [--compressions deflate,lz4,zstd]\n"
                  "                        [--reconstruct-options 'OPTIONS']\n"
                  "Times whole cevns commands (CLOVERS) beside the limits measured in the same run.\n");
      return a == "--help" ? 0 : 2;
    }
  }
  fs::create_directories(dir);
  const std::string c = fmt_quoted(cevns.string());
  const fs::path full = dir / "full.h5", zs = dir / "zs.h5", out = dir / "reduced.h5";
  std::printf("cevns-throughput: %s, %d runs per figure, files in %s\n", cevns.c_str(), runs, dir.c_str());
  std::fflush(stdout);

  // Full mode: simulate (timed, one thread), then read and reconstruct the warm file.
  const std::string simulate_full =
      c + " simulate -q -n " + std::to_string(full_triggers) + " --mode full --compression none -t 1 --force -o '" +
      full.string() + "'";
  run_command(simulate_full);  // the file, and a warm-up
  const FileShape fs_full = shape_of(full);
  const double full_samples = static_cast<double>(fs_full.triggers * fs_full.per_trigger);
  const Figure sim_rate = measure(runs, [&] { return full_samples / run_command(simulate_full); });
  const Figure memory = measure(runs, memory_bandwidth);

  // Each figure also per CPU second (user + system of the process): what the machine's
  // other jobs do not change, where wall times on a shared machine vary by 2×.
  std::vector<double> cpu_hdf5, cpu_full1, cpu_full2, cpu_zs1, cpu_zs2;
  const auto cpu_rate = [](std::vector<double>& into, double samples) { into.push_back(samples / last_cpu_s); };
  const Figure hdf5 = measure(runs, [&] {
    const double r = hdf5_read_rate(full);
    cpu_rate(cpu_hdf5, full_samples);
    return r;
  });
  const auto reconstruct = [&](const fs::path& in, int threads) {
    return c + " reconstruct -q --compression none " + reconstruct_options + " -t " + std::to_string(threads) +
           " --force -o '" + out.string() + "' '" + in.string() + "' 2>/dev/null";
  };
  const auto timed = [&](std::vector<double>& cpu, const std::string& command, double samples) {
    const double r = samples / run_command(command);
    cpu_rate(cpu, samples);
    return r;
  };
  const Figure full1 = measure(runs, [&] { return timed(cpu_full1, reconstruct(full, 1), full_samples); });
  const Figure full2 = measure(runs, [&] { return timed(cpu_full2, reconstruct(full, 2), full_samples); });

  // Zero-suppressed.
  const std::string simulate_zs = c + " simulate -q -c " + zs_config + " -n " + std::to_string(zs_triggers) +
                                  " --compression none --force -o '" + zs.string() + "'";
  const Figure zs_sim = measure(1, [&] { return run_command(simulate_zs); });
  const double zs_samples = static_cast<double>(shape_of(zs).per_trigger);
  const Figure zs1 = measure(runs, [&] { return timed(cpu_zs1, reconstruct(zs, 1), zs_samples); });
  const Figure zs2 = measure(runs, [&] { return timed(cpu_zs2, reconstruct(zs, 2), zs_samples); });

  // cevns merge of a full-mode run in two parts against copying the parts into one file.
  const fs::path part1 = dir / "part1.h5", part2 = dir / "part2.h5", merged = dir / "merged.h5", copied = dir / "copy.h5";
  for (const auto& [k, file] : {std::pair{"1", part1}, std::pair{"2", part2}})
    run_command(c + " simulate -q -n " + std::to_string(full_triggers) + " --mode full -t 1 --part " + k +
                "/2 --force -o '" + file.string() + "'");
  const double part_bytes = static_cast<double>(fs::file_size(part1) + fs::file_size(part2));
  const Figure merge = measure(runs, [&] {
    return part_bytes / run_command(c + " merge -q '" + part1.string() + "' '" + part2.string() + "' --force -o '" +
                                    merged.string() + "'");
  });
  const Figure copy = measure(runs, [&] {
    return part_bytes / run_command("cat '" + part1.string() + "' '" + part2.string() + "' > '" + copied.string() + "'");
  });
  for (const auto& f : {part1, part2, merged, copied}) fs::remove(f);

  // The whole process of cevns predict, ms.
  const Figure predict = measure(std::max(runs, 10), [&] { return 1e3 * run_command(c + " predict -q >/dev/null"); });

  std::printf("\nfull mode: %llu triggers × %llu samples = %.3g samples (%.0f MB); zero-suppressed (%s): %llu "
              "triggers, %.3g stored samples (simulated in %.1f s)\n\n",
              static_cast<unsigned long long>(fs_full.triggers), static_cast<unsigned long long>(fs_full.per_trigger),
              full_samples, full_samples * 2e-6, zs_config.c_str(), static_cast<unsigned long long>(zs_triggers), zs_samples, zs_sim.median);
  print_header();
  print_rate("HDF5 read of the full-mode file (the limit)", hdf5, hdf5.median, "itself");
  print_rate("memory bandwidth, memcpy (bytes/s)", memory, memory.median, "itself", "bytes/s");
  print_rate("cevns reconstruct full, 1 thread", full1, hdf5.median, "HDF5 read, target ≥ 50 %");
  print_rate("cevns reconstruct full, 2 threads", full2, hdf5.median, "HDF5 read");
  print_rate("cevns reconstruct full, 2 threads / 1", {full2.min / full1.median, full2.median / full1.median}, 1.0,
             "1 thread, target ≥ 170 %", "ratio");
  print_rate("cevns reconstruct zero-suppressed, 1 thread", zs1, zs1.median, "itself");
  print_rate("cevns reconstruct zero-suppressed, 2 threads / 1", {zs2.min / zs1.median, zs2.median / zs1.median}, 1.0,
             "1 thread, target ≥ 170 %", "ratio");
  print_rate("cevns simulate --mode full, 1 thread", {sim_rate.min, sim_rate.median}, 1e9, "target 1e9 samples/s");
  print_rate("  … as bytes/s against memcpy", {2 * sim_rate.min, 2 * sim_rate.median}, memory.median, "memory bandwidth",
             "bytes/s");
  const auto summarise = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return Figure{v.front(), v[v.size() / 2]};
  };
  const Figure ch = summarise(cpu_hdf5), cf1 = summarise(cpu_full1), cf2 = summarise(cpu_full2);
  const Figure cz1 = summarise(cpu_zs1), cz2 = summarise(cpu_zs2);
  print_rate("  per CPU second: HDF5 read (the limit)", ch, ch.median, "itself");
  print_rate("  per CPU second: reconstruct full, 1 thread", cf1, ch.median, "HDF5 read per CPU second");
  print_rate("  per CPU second: reconstruct full, 2 threads", cf2, ch.median, "HDF5 read per CPU second");
  print_rate("  per CPU second: reconstruct zero-supp., 1 thr.", cz1, cz1.median, "itself");
  print_rate("  per CPU second: reconstruct zero-supp., 2 thr.", cz2, cz1.median, "1 thread (100 %: no overhead)");
  print_rate("cevns merge, full mode, 2 parts (bytes/s)", merge, copy.median, "copying the parts: cat", "bytes/s");
  std::printf("%-44s %11.1f %11.1f %11.1f %6.0f%%  %s\n", "cevns predict, whole process (ms)", predict.min,
              predict.median, 20.0, 100.0 * predict.median / 20.0, "target ≤ 20 ms");

  // Compression: the same runs (same seeds) written with each filter.
  const auto bytes_of = [](const fs::path& p) { return static_cast<double>(fs::file_size(p)); };
  run_command(reconstruct(zs, 1));
  const double full_bytes = bytes_of(full), zs_bytes = bytes_of(zs), reduced_bytes = bytes_of(out);
  const fs::path cfull = dir / "full-c.h5", czs = dir / "zs-c.h5", cout = dir / "reduced-c.h5";
  for (const std::string& name : compressions) {
    const std::string simulate_c = c + " simulate -q -n " + std::to_string(full_triggers) + " --mode full -t 1 --compression " +
                                   name + " --force -o '" + cfull.string() + "'";
    const Figure write = measure(runs, [&] { return full_samples / run_command(simulate_c); });
    const Figure read = measure(runs, [&] { return hdf5_read_rate(cfull); });
    const auto reconstruct_c = [&](const fs::path& in, int threads) {
      return c + " reconstruct -q --compression " + name + " " + reconstruct_options + " -t " + std::to_string(threads) +
             " --force -o '" + cout.string() + "' '" + in.string() + "' 2>/dev/null";
    };
    const Figure reco1 = measure(runs, [&] { return full_samples / run_command(reconstruct_c(cfull, 1)); });
    const Figure reco2 = measure(runs, [&] { return full_samples / run_command(reconstruct_c(cfull, 2)); });
    const double cfull_bytes = bytes_of(cfull);
    run_command(c + " simulate -q -c " + zs_config + " -n " + std::to_string(zs_triggers) + " --compression " + name +
                " --force -o '" + czs.string() + "'");
    run_command(reconstruct_c(czs, 1));
    std::printf("\n--compression %s: full-mode file %.4g bytes (%.2f× smaller), zero-suppressed %.4g (%.2f×), "
                "its reduced file %.4g (%.2f×)\n",
                name.c_str(), cfull_bytes, full_bytes / cfull_bytes, bytes_of(czs), zs_bytes / bytes_of(czs),
                bytes_of(cout), reduced_bytes / bytes_of(cout));
    print_rate("  cevns simulate --mode full, 1 thread", write, sim_rate.median, "uncompressed simulate");
    print_rate("  HDF5 read of the compressed file", read, hdf5.median, "HDF5 read, uncompressed file");
    print_rate("  cevns reconstruct full, 1 thread", reco1, read.median, "HDF5 read of this file, target ≥ 50 %");
    print_rate("  cevns reconstruct full, 2 threads", reco2, read.median, "HDF5 read of this file");
  }
  for (const fs::path& p : {cfull, czs, cout}) fs::remove(p);
  fs::remove(out);
  return 0;
}
