// Reading experiment configurations: good files, and every kind of bad input naming the
// file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cevns/core/error.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns::io {
namespace {

const std::string configs = std::string(CEVNS_SOURCE_DIR) + "/configs/";

/// The message of the ConfigError that `f` throws (fails the test if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

std::string error_parsing(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return error_of([&] { parse_experiment_config(text, "test.toml", overrides); });
}

constexpr const char* minimal = R"(
[detector]
mass_kg = 3.0

[exposure]
calendar_days = 10.0
)";

TEST(ConfigReader, ShippedConfigsLoad) {
  for (const auto& entry : std::filesystem::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    EXPECT_NO_THROW(read_experiment_config(entry.path())) << entry.path();
  }
  const auto clovers = read_experiment_config(configs + "clovers.toml");
  EXPECT_EQ(clovers.name, "CLOVERS");
  EXPECT_DOUBLE_EQ(clovers.detector.mass_kg, 12.0);
  EXPECT_EQ(clovers.detector.crystals, 4);
  EXPECT_DOUBLE_EQ(*clovers.exposure.calendar_days, 180.0);
  EXPECT_EQ(clovers.physics.form_factor, FormFactorModel::helm);
}

TEST(ConfigReader, DefaultsFillWhatTheFileOmits) {
  const auto config = parse_experiment_config(minimal, "test.toml");
  EXPECT_DOUBLE_EQ(config.detector.mass_kg, 3.0);  // integer-valued floats and ints both read
  EXPECT_DOUBLE_EQ(config.source.beam.power_kW, 140.0);
  EXPECT_DOUBLE_EQ(config.physics.sin2_theta_w, 0.23857);
}

TEST(ConfigReader, MissingFile) {
  const auto message = error_of([] { read_experiment_config("no/such/file.toml"); });
  EXPECT_NE(message.find("no/such/file.toml"), std::string::npos) << message;
  EXPECT_NE(message.find("no such file"), std::string::npos) << message;
}

TEST(ConfigReader, SyntaxErrorNamesLineAndColumn) {
  const auto message = error_parsing("[detector]\nmass_kg = = 3\n");
  EXPECT_NE(message.find("test.toml:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("TOML syntax error"), std::string::npos) << message;
}

TEST(ConfigReader, TypoedKeySuggestsTheRightOne) {
  const auto message = error_parsing(std::string(minimal) + "\n[physics]\nform_facter = \"helm\"\n");
  EXPECT_NE(message.find("test.toml:9"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'physics.form_facter'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'form_factor'"), std::string::npos) << message;
  EXPECT_NE(error_parsing(std::string(minimal) + "\n[detectr]\nmass_kg = 1\n").find("unknown key 'detectr'"),
            std::string::npos);
}

TEST(ConfigReader, NegativeMassNamesKeyLineAndRule) {
  const auto message = error_parsing("[detector]\nmass_kg = -3.0\n[exposure]\ncalendar_days = 1\n");
  EXPECT_NE(message.find("test.toml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("detector.mass_kg = -3"), std::string::npos) << message;
  EXPECT_NE(message.find("must be a positive number"), std::string::npos) << message;
}

TEST(ConfigReader, NonNumberNamesTheType) {
  const auto message = error_parsing("[detector]\nmass_kg = \"twelve\"\n[exposure]\ncalendar_days = 1\n");
  EXPECT_NE(message.find("test.toml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("detector.mass_kg must be a number, not string"), std::string::npos) << message;
}

TEST(ConfigReader, ImpossibleValues) {
  EXPECT_NE(error_parsing(minimal, {"source.distance_m=0"}).find("source.distance_m = 0"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"physics.sin2_theta_w=1.2"}).find("must be in (0, 1)"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.crystals=0"}).find("detector.crystals"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.crystals=2.5"}).find("must be an integer"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.material=CsQ"}).find("unknown element 'Q"), std::string::npos);
  // Two exposure forms at once.
  EXPECT_NE(error_parsing(minimal, {"exposure.beam_hours=10"}).find("exactly one of"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"spectra.time_max_us=-5"}).find("spectra.time_max_us"), std::string::npos);
}

TEST(ConfigReader, UnknownChoiceListsTheAllowedOnes) {
  const auto message = error_parsing(minimal, {"physics.form_factor=helmm"});
  EXPECT_NE(message.find("--set physics.form_factor=helmm"), std::string::npos) << message;
  EXPECT_NE(message.find("helm, klein-nystrand, symmetrized-fermi, none"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'helm'"), std::string::npos) << message;
}

TEST(ConfigReader, OverridesApplyInOrderAndAreValidated) {
  const auto config = parse_experiment_config(
      minimal, "test.toml",
      {"physics.form_factor=klein-nystrand", "physics.sin2_theta_w=0.2312", "spectra.thresholds_keVnr=[1, 2.5]",
       "experiment.name=\"my study\"", "detector.mass_kg=5", "detector.mass_kg=6"});
  EXPECT_EQ(config.physics.form_factor, FormFactorModel::klein_nystrand);
  EXPECT_DOUBLE_EQ(config.physics.sin2_theta_w, 0.2312);
  EXPECT_EQ(config.spectra.thresholds_keVnr, (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(config.name, "my study");
  EXPECT_DOUBLE_EQ(config.detector.mass_kg, 6.0);

  const auto negative = error_parsing(minimal, {"detector.mass_kg=-1"});
  EXPECT_NE(negative.find("--set detector.mass_kg=-1: invalid detector.mass_kg = -1"), std::string::npos) << negative;
  EXPECT_NE(error_parsing(minimal, {"novalue"}).find("expected key=value"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.mass_kg.x=1"}).find("is a value, not a section"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.mass=1"}).find("did you mean 'mass_kg'"), std::string::npos);
}

TEST(ConfigReader, ResolvedConfigRoundTrips) {
  for (const char* name : {"clovers.toml", "cicenns.toml", "coherent-csi-2017.toml"}) {
    const auto config = read_experiment_config(configs + name);
    const auto again = parse_experiment_config(to_toml(config), "resolved.toml");
    EXPECT_EQ(to_toml(again), to_toml(config)) << name;
    EXPECT_EQ(again.exposure.beam_energy_GWh, config.exposure.beam_energy_GWh);
    EXPECT_EQ(again.source.pulse.bunch_times_ns, config.source.pulse.bunch_times_ns);
  }
}

}  // namespace
}  // namespace cevns::io

namespace cevns::io {
namespace {

TEST(ConfigReader, DetectorSelectionAndBackgroundKeys) {
  const auto clovers = read_experiment_config(configs + "clovers.toml");
  EXPECT_EQ(clovers.detector.light_yield_PE_per_keVee, std::vector<double>{33.5});
  EXPECT_EQ(clovers.selection.roi_npe_min, 4);
  ASSERT_EQ(clovers.backgrounds.size(), 3u);
  EXPECT_EQ(clovers.backgrounds[1].name, "PMT dark counts");
  EXPECT_EQ(clovers.backgrounds[0].time_shape, TimeShape::prompt);
  const auto cicenns = read_experiment_config(configs + "cicenns.toml");
  EXPECT_EQ(cicenns.detector.light_yield_PE_per_keVee.size(), 15u);
  const auto coherent = read_experiment_config(configs + "coherent-csi-2017.toml");
  EXPECT_EQ(coherent.selection.acceptance.model, AcceptanceModel::logistic);
  EXPECT_EQ(coherent.detector.quenching.model, QuenchingModel::constant);
}

TEST(ConfigReader, BadDetectorAndSelectionValues) {
  EXPECT_NE(error_parsing(minimal, {"detector.light_yield_PE_per_keVee=[1, 2]"}).find("one per crystal (4)"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.pmt_share=1"}).find("detector.pmt_share"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.quenching.model=birks"}).find("coherent-polynomial, constant"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.afterglow_efficiency=1.3"}).find("must be in (0, 1]"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.roi_npe_max=2"}).find("selection.roi_npe_max"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.two_pmt_coincidence=1"}).find("must be true or false"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.acceptance.model=sigmoid"}).find("none, logistic"), std::string::npos);
  const auto background = error_parsing(std::string(minimal) + "\n[[backgrounds]]\nname = \"x\"\nroi_events = -3\n");
  EXPECT_NE(background.find("test.toml:10"), std::string::npos) << background;
  EXPECT_NE(background.find("backgrounds[0].roi_events = -3"), std::string::npos) << background;
  EXPECT_NE(error_parsing(std::string(minimal) + "\n[[backgrounds]]\nname = \"x\"\nshape = \"flat\"\n")
                .find("unknown key 'backgrounds[0].shape'"),
            std::string::npos);
}

TEST(ConfigReader, QuenchingTableFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_qf_table";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "good.txt") << "# keVnr, dE, QF, dQF\n2.0, 0.5, 0.05, 0.01\n10.0 1.0 0.08 0.005\n";
    std::ofstream(dir / "bad.txt") << "2.0, 0.05\n3.0, oops\n";
    std::ofstream(dir / "study.toml") << minimal << "\n[detector.quenching]\nmodel = \"table\"\n"
                                      << "table_file = \"good.txt\"\ntable_columns = [0, 2, 3]\n";
  }
  const auto config = read_experiment_config(dir / "study.toml");  // path relative to the config file
  EXPECT_EQ(config.detector.quenching.table_qf, (std::vector<double>{0.05, 0.08}));
  EXPECT_EQ(config.detector.quenching.table_qf_uncertainty, (std::vector<double>{0.01, 0.005}));
  EXPECT_NE(error_of([&] { read_experiment_config(dir / "study.toml", {"detector.quenching.table_file=\"bad.txt\"", "detector.quenching.table_columns=[0,1]"}); })
                .find("bad.txt:2: 'oops' is not a number"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_experiment_config(dir / "study.toml", {"detector.quenching.table_file=\"none.txt\""}); })
                .find("cannot read detector.quenching.table_file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_experiment_config(dir / "study.toml", {"detector.quenching.table_columns=[0, 7]"}); })
                .find("reads column 7"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cevns::io

namespace cevns::io {
namespace {

TEST(ConfigReader, WholeConfigurationRoundTrips) {
  // The reader and the writer share one description of the keys: what is written reads
  // back to the same text, [daq], [detector.scintillation] and [reco] included.
  for (const char* name : {"clovers.toml", "cicenns.toml", "coherent-csi-2017.toml", "annotated.toml"}) {
    const auto config = read_configuration(configs + name, {"daq.pmt.dark_rate_Hz=123", "reco.pulse_threshold_adc=7"});
    const std::string text = to_toml(config);
    EXPECT_NE(text.find("dark_rate_Hz = 123"), std::string::npos) << name;
    EXPECT_NE(text.find("pulse_threshold_adc = 7"), std::string::npos) << name;
    EXPECT_EQ(to_toml(parse_configuration(text, "resolved.toml")), text) << name;
  }
  EXPECT_NE(error_parsing(minimal, {"daq.zero_suppression.pre_samples=-2"}).find("must be zero or positive"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"reco.pulse_threshold=3"}).find("did you mean 'pulse_threshold_adc'"),
            std::string::npos);
}

}  // namespace
}  // namespace cevns::io
