#include "cevns/io/output_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns::io {

namespace fs = std::filesystem;

fs::path lock_path(const fs::path& output) {
  // Beside the output even for "dir/", "." or "dir/..": never inside a directory output.
  fs::path lock = fs::absolute(output).lexically_normal();
  if (!lock.has_filename()) lock = lock.parent_path();
  lock += ".lock";
  return lock;
}

OutputLock::OutputLock(const fs::path& output) : path_(lock_path(output)) {
  std::error_code error;
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), error);
  if (error)
    throw IoError(fmt::format("cannot create directory {}: {}", path_.parent_path().string(), error.message()));
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(fmt::format("cannot create the lock file {}: {}", path_.string(), std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int why = errno;
      char pid[32] = {};
      const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
      ::close(fd_);
      fd_ = -1;
      if (why != EWOULDBLOCK)
        throw IoError(fmt::format("cannot lock {}: {}", path_.string(), std::strerror(why)));
      std::string holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      throw IoError(fmt::format("another cevns is writing {} (pid {}); wait for it to finish or choose another --output",
                                output.string(), holder.empty() ? "unknown" : holder));
    }
    // The holder may have removed the file between our open and flock: then lock the new one.
    struct stat locked {}, current {};
    if (::fstat(fd_, &locked) == 0 && ::stat(path_.c_str(), &current) == 0 && locked.st_ino == current.st_ino &&
        locked.st_dev == current.st_dev)
      break;
    ::close(fd_);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; the message of a second writer then says "unknown".
  }
}

OutputLock::OutputLock(OutputLock&& other) noexcept : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked, so nobody takes a file about to vanish
  ::close(fd_);
}

namespace {

/// True when `a` and `b` are the same file (path, hard link or symlink); false when
/// either does not exist.
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::exists(a, error) && fs::exists(b, error) && fs::equivalent(a, b, error) && !error;
}

/// True when `file` lies inside `dir` (after resolving symlinks).
bool inside(const fs::path& file, const fs::path& dir) {
  std::error_code error;
  const fs::path f = fs::weakly_canonical(file, error);
  const fs::path d = fs::weakly_canonical(dir, error);
  if (error) return false;
  const auto [d_end, f_end] = std::mismatch(d.begin(), d.end(), f.begin(), f.end());
  return d_end == d.end();
}

}  // namespace

OutputLock claim_output(const fs::path& output, OutputKind kind, const std::vector<fs::path>& inputs, bool force) {
  std::error_code error;
  fs::path part = output;
  part += ".part";
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    if (kind == OutputKind::file) {
      for (const auto& written : {output, part, lock_path(output)})
        if (same_file(input, written))
          throw IoError(fmt::format("--output {} would overwrite the input {}: choose another output", output.string(),
                                    input.string()));
    } else if (same_file(input, output) || (fs::is_directory(output, error) && inside(input, output))) {
      throw IoError(fmt::format("the input {} is inside the output directory {}, whose files this command replaces: "
                                "choose another output directory",
                                input.string(), output.string()));
    }
  }
  const bool is_directory = fs::is_directory(output, error);
  if (kind == OutputKind::file && is_directory)
    throw IoError(fmt::format("--output {} is a directory: give the file to write, e.g. {}", output.string(),
                              (output / "run.h5").string()));
  if (kind == OutputKind::directory && fs::exists(output, error) && !is_directory)
    throw IoError(fmt::format("--output {} is a file, not a directory", output.string()));

  OutputLock lock(output);
  if (!force) {
    if (kind == OutputKind::file && fs::exists(output, error))
      throw IoError(fmt::format("{} exists: use --force to replace it, or choose another --output", output.string()));
    if (kind == OutputKind::file && fs::exists(part, error))
      throw IoError(fmt::format("{} exists, left by a run that was killed (its finished blocks can be read): "
                                "use --force to replace it, or choose another --output",
                                part.string()));
    if (kind == OutputKind::directory && is_directory && !fs::is_empty(output, error))
      throw IoError(fmt::format("the directory {} exists and is not empty: use --force to replace the files in it, "
                                "or choose another --output",
                                output.string()));
  }
  return lock;
}

void check_free_space(const fs::path& output, double bytes) {
  // The nearest folder that exists: where the output's folders will be created.
  fs::path dir = fs::absolute(output).parent_path();
  std::error_code error;
  while (!dir.empty() && !fs::is_directory(dir, error) && dir != dir.root_path()) dir = dir.parent_path();
  const fs::space_info space = fs::space(dir, error);
  if (error) return;  // nothing to compare with: the write itself will report a full disk
  if (bytes > static_cast<double>(space.available))
    throw IoError(fmt::format("{} would take about {}, but only {} are free in {}: free some space, write elsewhere, "
                              "or ask for less data",
                              output.string(), format_bytes(bytes), format_bytes(static_cast<double>(space.available)),
                              dir.string()));
}

std::string format_bytes(double bytes) {
  static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  std::size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < std::size(units)) bytes /= 1000.0, ++unit;
  if (unit == 0) return fmt::format("{:.0f} bytes", bytes);
  return fmt::format("{:.3g} {}", bytes, units[unit]);
}

}  // namespace cevns::io
