#include "merge_command.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cevns/core/log.hpp"
#include "cevns/io/file_part.hpp"
#include "cevns/io/output_guard.hpp"
#include "progress.hpp"

namespace cevns::app {
namespace {

namespace fs = std::filesystem;

class Merge final : public MergeCommand {
 public:
  explicit Merge(CLI::App& app) {
    command_ = app.add_subcommand("merge",
                                  "Join the part files of `cevns simulate|reconstruct --part K/N` into one file, "
                                  "as one process would have written it");
    command_->add_option("parts", parts_, "The part files, every K of 1…N once, in any order")->required();
    command_->add_option("-o,--output", output_, "The file to write (raw or reduced, as the parts)")->required();
    command_->add_flag("--force", force_, "Replace an existing output");
  }
  [[nodiscard]] bool selected() const override { return command_->parsed(); }

  void run() const override {
    std::vector<fs::path> inputs(parts_.begin(), parts_.end());
    const auto lock = io::claim_output(output_, io::OutputKind::file, inputs, force_);
    const auto started = std::chrono::steady_clock::now();
    const auto summary = io::merge_parts(inputs, output_);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    logger("merge")->info("merged {} parts ({} blocks, {} file) into {}: {} in {} ({}/s)", summary.parts, summary.blocks,
                          summary.format, output_, io::format_bytes(static_cast<double>(summary.bytes_written)),
                          format_duration(seconds),
                          io::format_bytes(static_cast<double>(summary.bytes_read) / std::max(seconds, 1e-9)));
  }

 private:
  CLI::App* command_ = nullptr;
  std::vector<std::string> parts_;
  std::string output_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<MergeCommand> add_merge_command(CLI::App& app) { return std::make_unique<Merge>(app); }

}  // namespace cevns::app
