// The materials background: cevns::materials' deposited-energy spectra per (volume,
// isotope), cached on disk, through the detector response and the selection.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/materials/transport.hpp"
#include "detail.hpp"

namespace cevns {

struct MaterialsBackground::Spectra {
  std::vector<materials::SourceSpectrum> sources;
  int crystals = 0;
};

namespace {

/// Bumped whenever the transport or the decay handling changes what a cache holds.
constexpr const char* cache_version = "cevns-materials-3";  // 3: EC shell binding deposited, environmental γ

std::string file_text(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw ConfigError(what + ": cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint64_t fnv1a(const std::string& text, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

void write_row(std::ostream& out, const char* tag, const std::vector<double>& v) {
  out << tag << ' ' << v.size();
  char buffer[32];
  for (double x : v) {
    std::snprintf(buffer, sizeof buffer, " %.17g", x);
    out << buffer;
  }
  out << '\n';
}

bool read_row(std::istream& in, const char* tag, std::vector<double>& v) {
  std::string t;
  std::size_t n = 0;
  if (!(in >> t >> n) || t != tag || n > 100000) return false;
  v.resize(n);
  for (double& x : v)
    if (!(in >> x) || !std::isfinite(x) || x < 0.0) return false;
  return true;
}

}  // namespace

std::filesystem::path materials_cache_directory() {
  if (const char* d = std::getenv("CEVNS_CACHE_DIR"); d != nullptr && *d != '\0')
    return std::filesystem::path(d) / "materials";
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0')
    return std::filesystem::path(d) / "cevns" / "materials";
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0')
    return std::filesystem::path(d) / ".cache" / "cevns" / "materials";
  return std::filesystem::temp_directory_path() / "cevns-cache" / "materials";
}

MaterialsBackground::MaterialsBackground(BackgroundConfig config) : config_(std::move(config)) {}
MaterialsBackground::~MaterialsBackground() = default;

std::filesystem::path MaterialsBackground::cache_file() const {
  // The key: what the deposits depend on — the two files' contents, the statistics and the
  // seed, the code's version; not the threads (the result does not depend on them), not
  // the detector response (applied after the cache).
  std::uint64_t h = fnv1a(cache_version);
  h = fnv1a(file_text(config_.geometry_file, name() + ".geometry_file"), h);
  h = fnv1a(file_text(config_.decay_file, name() + ".decay_file"), h);
  h = fnv1a(std::to_string(static_cast<long long>(config_.decays_per_source)) + "/" + std::to_string(config_.mc_seed), h);
  h = fnv1a(std::string(chain_events_names.name(config_.chain_events)), h);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return materials_cache_directory() / (std::string(hex) + ".txt");
}

const MaterialsBackground::Spectra& MaterialsBackground::spectra() const {
  std::lock_guard lock(mutex_);
  if (spectra_) return *spectra_;
  const auto geometry = materials::read_geometry(config_.geometry_file);
  auto result = std::make_shared<Spectra>();
  result->crystals = geometry.crystals;
  const auto file = cache_file();
  {
    std::ifstream in(file);
    std::string header;
    std::size_t count = 0;
    bool ok = in && std::getline(in, header) && header.rfind(std::string("# ") + cache_version, 0) == 0 &&
              static_cast<bool>(in >> count) &&
              count == geometry.activities.size() + geometry.environment.size();
    for (std::size_t i = 0; ok && i < count; ++i) {
      materials::SourceSpectrum s;
      std::string tag;
      ok = static_cast<bool>(in >> tag >> s.volume >> s.isotope >> s.activity_Bq >> s.decays) && tag == "source" &&
           read_row(in, "fine", s.fine) && read_row(in, "fine_single", s.fine_single) && read_row(in, "coarse", s.coarse) &&
           read_row(in, "coarse_single", s.coarse_single);
      // The activities are re-read from the geometry (a cache never outlives its file).
      if (ok) result->sources.push_back(std::move(s));
    }
    if (ok) {
      logger("materials")->info("{}: materials spectra from the cache {}", name(), file.string());
      spectra_ = result;
      return *spectra_;
    }
  }
  result->sources.clear();
  const auto decays = materials::read_decay_data(config_.decay_file);
  materials::MaterialsSettings settings;
  settings.decays_per_source = static_cast<std::uint64_t>(config_.decays_per_source);
  settings.seed = static_cast<std::uint64_t>(config_.mc_seed);
  settings.threads = config_.mc_threads;
  settings.whole_chain = config_.chain_events == ChainEvents::whole_chain;
  logger("materials")->info("{}: simulating {} decays of each of {} sources (cached afterwards in {})", name(),
            settings.decays_per_source, geometry.activities.size() + geometry.environment.size(), file.string());
  result->sources = materials::simulate_materials(geometry, decays, settings);
  for (const auto& s : result->sources)
    for (const auto* v : {&s.fine, &s.fine_single, &s.coarse, &s.coarse_single})
      for (double x : *v)
        if (!std::isfinite(x) || x < 0.0)
          throw std::runtime_error("materials Monte Carlo: a non-finite deposit spectrum for " + s.volume + " " + s.isotope);
  // Written to a temporary file and renamed: a cache is whole or absent.
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  const auto temporary = file.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary);
    out << "# " << cache_version << " geometry " << config_.geometry_file << " decays " << config_.decay_file << '\n'
        << result->sources.size() << '\n';
    for (const auto& s : result->sources) {
      char activity[32];
      std::snprintf(activity, sizeof activity, "%.17g", s.activity_Bq);
      out << "source " << s.volume << ' ' << s.isotope << ' ' << activity << ' ' << s.decays << '\n';
      write_row(out, "fine", s.fine);
      write_row(out, "fine_single", s.fine_single);
      write_row(out, "coarse", s.coarse);
      write_row(out, "coarse_single", s.coarse_single);
    }
    if (!out) error = std::make_error_code(std::errc::io_error);
  }
  if (!error) std::filesystem::rename(temporary, file, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    logger("materials")->warn("{}: could not write the cache {} (computed again next time)", name(), file.string());
  }
  spectra_ = result;
  return *spectra_;
}

namespace {

/// Live seconds of a steady background: the spectra window in every trigger.
double live_seconds(const BackgroundContext& c) { return c.triggers * c.window_us * 1e-6; }

/// Single-crystal candidates (criterion 4 by the other crystals' deposits) or all of them.
struct Folded {
  std::vector<double> npe;
  double roi_all = 0.0, roi_single = 0.0;  ///< ROI-energy deposits, for the criterion-4 share
  double above_pretrace = 0.0;             ///< deposits per crystal per second failing criterion 2
};

}  // namespace

std::optional<BackgroundDeposits> MaterialsBackground::deposits(const Binning& npe, const BackgroundContext& context) const {
  if (context.detector == nullptr || context.selection == nullptr)
    throw std::logic_error("MaterialsBackground needs the detector and the selection of the context");
  const auto& sp = spectra();
  const auto shares = background_detail::light_yield_shares(*context.detector);
  double mean_yield = 0.0;
  for (const auto& [y, s] : shares) mean_yield += y * s;
  const double seconds = live_seconds(context);
  // The geometry's crystals and the detector's may differ in number: the spectra are per
  // crystal of the geometry, scaled to the detector's crystals.
  const double crystal_scale = double(context.detector->crystals) / std::max(1, sp.crystals);
  BackgroundDeposits d{Spectrum(npe), false, 0.0, {}, {}};
  std::vector<double> scratch;
  double roi_all = 0.0, roi_single = 0.0, pretrace_rate = 0.0;
  const double roi_low = context.roi_npe_min / mean_yield, roi_high = (context.roi_npe_max + 1) / mean_yield;
  // Criterion 2: a PMT's pretrace charge ≥ max_pretrace_npe; with half the light per PMT a
  // crystal deposit above 2 max_pretrace_npe / light yield in the pretrace fails it.
  const double pretrace_keV = 2.0 * context.selection->max_pretrace_npe / mean_yield;
  const bool single = context.selection->single_crystal && context.detector->crystals > 1;
  for (const auto& s : sp.sources) {
    const double scale = s.activity_Bq * seconds * crystal_scale;
    for (std::size_t i = 0; i < s.fine.size(); ++i) {
      const double e = (i + 0.5) * materials::fine_bin_keV;
      if (e >= roi_low && e < roi_high) roi_all += scale * s.fine[i], roi_single += scale * s.fine_single[i];
      if (e > pretrace_keV) pretrace_rate += s.activity_Bq * s.fine[i];
      // All candidates go in: criterion 4 is applied by the multi-crystal share below, as
      // for every deposit-based model.
      if (s.fine[i] > 0.0) background_detail::add_photostatistics(e, scale * s.fine[i], shares, d.true_npe.counts, scratch);
    }
    const auto first_coarse = static_cast<std::size_t>(materials::fine_max_keV / materials::coarse_bin_keV);
    for (std::size_t i = first_coarse; i < s.coarse.size(); ++i) {
      pretrace_rate += s.activity_Bq * s.coarse[i];
      const double e = (i + 0.5) * materials::coarse_bin_keV;
      if (s.coarse[i] > 0.0) {
        if (mean_yield * e > 20.0 * double(npe.size())) d.true_npe.counts.back() += scale * s.coarse[i];
        else background_detail::add_photostatistics(e, scale * s.coarse[i], shares, d.true_npe.counts, scratch);
      }
    }
  }
  // Criterion 4: the share of the ROI-energy candidates with another crystal above the veto
  // energy of the Monte Carlo (materials::MaterialsSettings::veto_keV).
  d.multi_crystal_fraction = single && roi_all > 0.0 ? std::clamp(1.0 - roi_single / roi_all, 0.0, 1.0) : 0.0;
  // Criterion 2 beyond its constant efficiency: a deposit of the crystal's own activity in
  // the pretrace (rate per crystal × pretrace), Poisson.
  const double pretrace_s = context.dark_counts != nullptr ? context.dark_counts->pretrace_ns * 1e-9 : 40e-6;
  const double per_crystal_rate = pretrace_rate / std::max(1, sp.crystals);
  const double quiet = context.selection->afterglow_cut ? std::exp(-per_crystal_rate * pretrace_s) : 1.0;
  for (double& c : d.true_npe.counts) {
    c *= quiet;
    if (!std::isfinite(c) || c < 0.0) throw std::runtime_error(name() + ": a non-finite expected deposit");
  }
  return d;
}

Spectrum2D MaterialsBackground::expected(const Binning& npe, const Binning& time_us, const BackgroundContext& context) const {
  return select_deposits(*deposits(npe, context), time_us, context);
}

std::vector<MaterialsBackground::Contribution> MaterialsBackground::contributions(const Binning& npe, const Binning& time_us,
                                                                                 const BackgroundContext& context) const {
  const auto& sp = spectra();
  std::vector<Contribution> out;
  const double seconds = live_seconds(context);
  const double crystal_scale = double(context.detector->crystals) / std::max(1, sp.crystals);
  for (std::size_t k = 0; k < sp.sources.size(); ++k) {
    // One source alone: its spectra with every other's emptied.
    auto alone = std::make_shared<Spectra>(sp);
    for (std::size_t j = 0; j < alone->sources.size(); ++j) {
      if (j == k) continue;
      for (auto* v : {&alone->sources[j].fine, &alone->sources[j].fine_single, &alone->sources[j].coarse,
                      &alone->sources[j].coarse_single})
        std::fill(v->begin(), v->end(), 0.0);
    }
    MaterialsBackground one(config_);
    one.spectra_ = alone;
    const auto selected = one.expected(npe, time_us, context);
    Contribution c;
    const auto& s = sp.sources[k];
    c.volume = s.volume, c.isotope = s.isotope, c.activity_Bq = s.activity_Bq, c.decays_simulated = s.decays;
    for (int n = context.roi_npe_min; n <= context.roi_npe_max && n < static_cast<int>(npe.size()); ++n)
      for (std::size_t t = 0; t < time_us.size(); ++t) c.roi_count += selected.at(static_cast<std::size_t>(n), t);
    // No simulated decay in the ROI: 2.3 decays' worth (90 % CL Poisson) as a bound.
    const double per_decay = s.activity_Bq * seconds * crystal_scale / std::max(1.0, s.decays);
    c.roi_upper_90 = c.roi_count > 0.0 ? c.roi_count : 2.303 * per_decay;
    const double scale = s.activity_Bq * seconds * crystal_scale;
    for (std::size_t i = 0; i < s.fine_single.size(); ++i)
      c.energy_keV.push_back((i + 0.5) * materials::fine_bin_keV), c.counts.push_back(scale * s.fine_single[i]);
    for (std::size_t i = static_cast<std::size_t>(materials::fine_max_keV); i < s.coarse_single.size(); ++i)
      c.energy_keV.push_back((i + 0.5) * materials::coarse_bin_keV), c.counts.push_back(scale * s.coarse_single[i]);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace cevns
