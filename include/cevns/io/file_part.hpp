#pragma once
/// \file
/// Production in parts: `--part K/N` runs a deterministic share of a run's trigger blocks
/// (each block has its own random stream, so the blocks do not depend on who made them),
/// writes them to a part file — a raw or reduced file with the `part_*` root attributes —
/// and merge_parts() joins the N part files into the file a single process would have
/// written (docs/production.md).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cevns::io {

/// Which share of a run a part file holds: part `index` of `count` (1 ≤ index ≤ count),
/// blocks [first_block, end_block) of the run's `run_blocks` blocks and `run_triggers`
/// triggers.
struct FilePart {
  std::uint32_t index = 1;
  std::uint32_t count = 1;
  std::uint64_t first_block = 0, end_block = 0;
  std::uint64_t run_blocks = 0, run_triggers = 0;

  [[nodiscard]] std::uint64_t blocks() const { return end_block - first_block; }
  /// "part 2/4 (blocks 10–19 of 40)".
  [[nodiscard]] std::string describe() const;
};

/// The most parts a run may be split into.
inline constexpr std::uint32_t max_parts = 100000;

/// Part `index` of `count` of a run of `run_blocks` blocks: the contiguous blocks
/// [⌊(index−1)·B/N⌋, ⌊index·B/N⌋) — every block in exactly one part, the parts in block
/// order, shares differing by one block at most (a part may be empty when N > B).
/// Throws ConfigError for index outside 1…count or count outside 1…max_parts.
[[nodiscard]] FilePart part_of_run(std::uint32_t index, std::uint32_t count, std::uint64_t run_blocks,
                                   std::uint64_t run_triggers);

/// Parses "K/N" (--part); throws ConfigError naming `option` for anything else.
[[nodiscard]] FilePart parse_part(const std::string& text, const std::string& option = "--part");

/// A 64-bit FNV-1a hash of a configuration text, as 16 hexadecimal digits (for messages).
[[nodiscard]] std::string configuration_hash(const std::string& text);

/// What merge_parts() did.
struct MergeSummary {
  std::string format;            ///< "cevns-raw" or "cevns-reduced"
  std::uint32_t parts = 0;
  std::uint64_t blocks = 0;
  std::uint64_t bytes_read = 0;  ///< sizes of the part files
  std::uint64_t bytes_written = 0;
};

/// Joins part files (raw or reduced, given in any order) into `output`, which then reads
/// exactly as the file of one process over the whole run: the same blocks through the same
/// writer. Refuses, naming the files, parts that do not belong together — not part files,
/// different formats, configurations (hash), seeds, part counts or run sizes, a part
/// missing or given twice, an unfinished part (.part) — with an IoError or ConfigError.
/// `output` is written as `output`.part and renamed when complete.
MergeSummary merge_parts(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& output);

}  // namespace cevns::io
