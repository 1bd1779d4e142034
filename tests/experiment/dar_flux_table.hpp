#pragma once
/// \file
/// The analytic π⁺ decay-at-rest model written as a flux table (source.flux = "table"), for
/// the tests that check a table against the model it tabulates (shared by the experiment
/// and daq tests).

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/constants.hpp"
#include "cevns/source/arrival_time.hpp"
#include "cevns/source/neutrino_spectrum.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns::test {

/// Energy edges from 0 with the prompt ν_μ line at the centre of a bin: Δ = E_ν_μ/(n + ½),
/// up to the Michel end point.
inline std::vector<double> line_centred_energy_edges(int bins_below_line) {
  const double step = constants::prompt_numu_energy / (bins_below_line + 0.5);
  std::vector<double> edges{0.0};
  while (edges.back() < constants::michel_endpoint) edges.push_back(edges.size() * step);
  return edges;
}

/// Time edges (ns, at the target): `step_ns` from −400 ns to 20 µs, then one bin to 1 ms
/// holding the muon decays after 20 µs (e^{−20/2.197} = 1.1·10⁻⁴ of the delayed flavours).
inline std::vector<double> dar_time_edges(double step_ns) {
  std::vector<double> edges;
  for (double t = -400.0; t < 20000.0 - 1e-9; t += step_ns) edges.push_back(t);
  edges.push_back(20000.0);
  edges.push_back(1e6);
  return edges;
}

/// The cells of `source`'s analytic model: ν per POT = yield × P(E bin) × P(t bin), with the
/// exact probabilities (tail moments of the spectra, the pulse model's CDF at the target).
/// ν̄_e, if `nubar_e_per_nu_e` > 0: that fraction of the ν_e cells (the same shapes).
inline std::shared_ptr<FluxTable> dar_flux_table(const SourceConfig& source, const std::vector<double>& energy_edges,
                                                 const std::vector<double>& time_edges, double nubar_e_per_nu_e = 0.0) {
  auto table = std::make_shared<FluxTable>();
  table->file = "analytic DAR model";
  table->energy_edges_MeV = energy_edges;
  table->time_edges_ns = time_edges;
  const ArrivalTimeModel at_target(source.pulse, 0.0);
  for (Flavor f : all_flavors) {
    const auto spectrum = NeutrinoSpectrum::decay_at_rest(f);
    auto& cells = table->nu_per_pot[static_cast<std::size_t>(f)];
    std::vector<double> p_time;
    for (std::size_t j = 0; j + 1 < time_edges.size(); ++j)
      p_time.push_back(at_target.probability(f, time_edges[j], time_edges[j + 1]));
    for (std::size_t i = 0; i + 1 < energy_edges.size(); ++i) {
      const double p_energy = spectrum.tail_moment(0, energy_edges[i]) - spectrum.tail_moment(0, energy_edges[i + 1]);
      for (double p : p_time) cells.push_back(source.beam.nu_per_proton_per_flavor * p_energy * p);
    }
  }
  if (nubar_e_per_nu_e > 0.0) {
    auto& nubar_e = table->nu_per_pot[static_cast<std::size_t>(Flavor::nubar_e)];
    nubar_e = table->nu_per_pot[static_cast<std::size_t>(Flavor::nu_e)];
    for (double& v : nubar_e) v *= nubar_e_per_nu_e;
  }
  return table;
}

/// Writes `table` in the format of source.flux_file (io::read_flux_table).
inline void write_flux_table(const FluxTable& table, const std::filesystem::path& file) {
  std::ofstream out(file);
  const bool nubar_e = table.has(Flavor::nubar_e);
  out << "# energy_low_MeV energy_high_MeV time_low_ns time_high_ns nu_mu nu_e nubar_mu" << (nubar_e ? " nubar_e" : "")
      << " (neutrinos per POT)\n";
  for (std::size_t i = 0; i < table.energy_bins(); ++i)
    for (std::size_t j = 0; j < table.time_bins(); ++j) {
      const std::size_t cell = i * table.time_bins() + j;
      out << fmt::format("{:.17g} {:.17g} {:.17g} {:.17g}", table.energy_edges_MeV[i], table.energy_edges_MeV[i + 1],
                         table.time_edges_ns[j], table.time_edges_ns[j + 1]);
      for (Flavor f : every_flavor)
        if (table.has(f)) out << fmt::format(" {:.17g}", table.nu_per_pot[static_cast<std::size_t>(f)][cell]);
      out << '\n';
    }
}

}  // namespace cevns::test
