#pragma once
/// \file
/// Reads experiment configurations from TOML. The only place that knows the file format:
/// every error names the file and line (or the --set override) and the key, and says
/// what is allowed.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/daq/simulation.hpp"
#include "cevns/reco/reco_config.hpp"
#include "cevns/experiment/experiment_config.hpp"

namespace cevns::io {

/// Reads `file`, applies `overrides` ("physics.form_factor=klein-nystrand", in order;
/// values are TOML — a bare word counts as a string), validates, and returns the
/// resolved configuration. Throws ConfigError.
ExperimentConfig read_experiment_config(const std::filesystem::path& file,
                                        const std::vector<std::string>& overrides = {});

/// The same from TOML text; `source_name` stands for the file name in messages.
ExperimentConfig parse_experiment_config(std::string_view toml_text, const std::string& source_name,
                                         const std::vector<std::string>& overrides = {});

/// Everything an experiment file configures: the experiment, its data acquisition
/// ([daq], [detector.scintillation]) and the reconstruction ([reco]).
struct Configuration {
  daq::SimulationConfig simulation;
  reco::RecoConfig reco;
};

Configuration read_configuration(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});
Configuration parse_configuration(std::string_view toml_text, const std::string& source_name,
                                  const std::vector<std::string>& overrides = {});
/// The experiment and its data acquisition only.
daq::SimulationConfig read_simulation_config(const std::filesystem::path& file,
                                             const std::vector<std::string>& overrides = {});
daq::SimulationConfig parse_simulation_config(std::string_view toml_text, const std::string& source_name,
                                              const std::vector<std::string>& overrides = {});

/// The configuration as TOML that reads back to the same configuration.
std::string to_toml(const ExperimentConfig& config);
/// The same with the data acquisition and the reconstruction.
std::string to_toml(const Configuration& config);

/// Every key the reader knows, dotted ("detector.quenching.model"); the keys of each
/// [[backgrounds]] table as "backgrounds.name".
std::vector<std::string> configuration_keys();

}  // namespace cevns::io
