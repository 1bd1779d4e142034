// The loader side of the plotting module (plots_module.hpp): report::write_* open
// libcevns_plots.so on first use and call the function it publishes.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/report/fit_plots.hpp"
#include "cevns/report/materials_plots.hpp"
#include "cevns/report/plots.hpp"
#include "plots_module.hpp"

namespace cevns::report {
namespace {

namespace fs = std::filesystem;

/// Where to look for the module, in order.
std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  if (const char* explicit_path = std::getenv("CEVNS_PLOTS_MODULE"); explicit_path != nullptr && *explicit_path)
    return {explicit_path};
  // Beside the binary that holds this code (the program, or the Python module), and in
  // the install layout (bin/ → lib/cevns/).
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&plotting_symbol), &self) != 0 && self.dli_fname != nullptr) {
    std::error_code error;
    const fs::path binary = fs::canonical(fs::path(self.dli_fname), error);
    if (!error) {
      out.push_back(binary.parent_path() / "libcevns_plots.so");
      out.push_back(binary.parent_path() / CEVNS_PLOTS_FROM_BIN / "libcevns_plots.so");
    }
  }
  out.emplace_back(CEVNS_PLOTS_BUILD_PATH);
  out.emplace_back(CEVNS_PLOTS_INSTALL_PATH);
  return out;
}

void* open_module() {
  std::string tried;
  for (const auto& path : candidates()) {
    std::error_code error;
    if (!fs::exists(path, error)) {
      tried += fmt::format("{}{} (missing)", tried.empty() ? "" : ", ", path.string());
      continue;
    }
    if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    tried += fmt::format("{}{} ({})", tried.empty() ? "" : ", ", path.string(), dlerror());
  }
  throw Error(fmt::format("cannot load the plotting module libcevns_plots.so (tried {}); reinstall cevns, or set "
                          "CEVNS_PLOTS_MODULE to its path",
                          tried));
}

}  // namespace

void* plotting_symbol(const char* name) {
  static std::mutex mutex;
  static void* handle = nullptr;
  const std::lock_guard lock(mutex);
  if (handle == nullptr) handle = open_module();  // a failure is retried, and reported, on the next figure
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr)
    throw Error(fmt::format("the plotting module has no {} (a libcevns_plots.so of another cevns version?)", name));
  return symbol;
}

std::vector<fs::path> write_figures(const Prediction& prediction, const Sensitivity& sensitivity,
                                    const fs::path& directory) {
  return plotting_function<decltype(&write_figures)>("cevns_plot_write_figures")(prediction, sensitivity, directory);
}

std::vector<fs::path> write_dark_count_figure(const selection::EventSelection& selection, const std::string& title,
                                              const fs::path& directory) {
  return plotting_function<decltype(&write_dark_count_figure)>("cevns_plot_write_dark_count_figure")(selection, title,
                                                                                                      directory);
}

std::vector<fs::path> write_npe_response_figure(const selection::EventSelection& selection, const std::string& title,
                                                const fs::path& directory) {
  return plotting_function<decltype(&write_npe_response_figure)>("cevns_plot_write_npe_response_figure")(
      selection, title, directory);
}

std::vector<fs::path> write_background_figures(const Prediction& prediction, const fs::path& directory) {
  return plotting_function<decltype(&write_background_figures)>("cevns_plot_write_background_figures")(prediction,
                                                                                                      directory);
}

std::vector<fs::path> write_likelihood_significance_map(const Prediction& prediction, const Sensitivity& map,
                                                        const fs::path& directory) {
  return plotting_function<decltype(&write_likelihood_significance_map)>(
      "cevns_plot_write_likelihood_significance_map")(prediction, map, directory);
}

std::vector<fs::path> write_materials_figure(const std::vector<MaterialSpectrum>& spectra, const std::string& title,
                                             const fs::path& directory) {
  return plotting_function<decltype(&write_materials_figure)>("cevns_plot_write_materials_figure")(spectra, title,
                                                                                                    directory);
}

std::vector<fs::path> write_fit_figures(const fit::Analysis& analysis, const std::string& title,
                                        const fs::path& directory) {
  return plotting_function<decltype(&write_fit_figures)>("cevns_plot_write_fit_figures")(analysis, title, directory);
}

std::vector<fs::path> write_scan_figures(const fit::ScanResult& scan, const std::string& title, const fs::path& directory) {
  return plotting_function<decltype(&write_scan_figures)>("cevns_plot_write_scan_figures")(scan, title, directory);
}

}  // namespace cevns::report
