#pragma once
/// \file
/// Output safety, checked before a command does any work: an output never replaces one
/// of the command's inputs, never replaces an existing result unless --force, is written
/// by one cevns at a time (a lock), and fits on the disk.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cevns::io {

/// What a command writes: one file (simulate, reconstruct; written as FILE.part and
/// renamed) or files into a directory (predict, sensitivity, run, select).
enum class OutputKind { file, directory };

/// An exclusive lock on an output, held while the object lives: the file OUTPUT.lock next
/// to it, locked with flock(2) — released by the kernel when the process dies, so a
/// killed run never blocks the next one — and removed on destruction.
class OutputLock {
 public:
  /// Takes the lock (creating the output's parent folder if needed). Throws IoError
  /// "another cevns is writing OUTPUT (pid N)" when another process holds it.
  explicit OutputLock(const std::filesystem::path& output);
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  OutputLock& operator=(OutputLock&&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

/// The lock file of `output`: OUTPUT.lock, beside it (for "results/" and "." too).
[[nodiscard]] std::filesystem::path lock_path(const std::filesystem::path& output);

/// Checks that `output` may be written, and locks it. Throws IoError, before any work,
/// when the output is (or, for a directory, contains) one of `inputs` — same path, hard
/// link or symlink; when a file output is a directory or a directory output a file; when
/// the output exists (a file, its .part, or a non-empty directory) and `force` is false;
/// and when another cevns writes it.
[[nodiscard]] OutputLock claim_output(const std::filesystem::path& output, OutputKind kind,
                                      const std::vector<std::filesystem::path>& inputs, bool force);

/// Throws IoError when `bytes` exceed the space available where `output` will be written,
/// saying how much is needed and how much is free.
void check_free_space(const std::filesystem::path& output, double bytes);

/// "5.4 GB", "812 kB": bytes in decimal units.
[[nodiscard]] std::string format_bytes(double bytes);

}  // namespace cevns::io
