#pragma once
/// \file
/// `cevns merge`: joins the part files of `--part K/N` runs into one file
/// (docs/production.md).

#include <memory>

#include <CLI/CLI.hpp>

namespace cevns::app {

/// The registered `cevns merge` command: `selected()` after parsing, then `run()`.
class MergeCommand {
 public:
  virtual ~MergeCommand() = default;
  [[nodiscard]] virtual bool selected() const = 0;
  /// Runs the command; throws cevns::Error on bad input.
  virtual void run() const = 0;
};

/// Adds `merge` to `app`.
std::unique_ptr<MergeCommand> add_merge_command(CLI::App& app);

}  // namespace cevns::app
