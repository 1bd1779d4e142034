// Reading experiment configurations: good files, and every kind of bad input naming the
// file, line and key.
#include <gtest/gtest.h>

#include <ctime>
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
  EXPECT_NE(error_parsing(minimal, {"detector.mass_kg=1e6"}).find("must be in [0.001, 100000]: 1 g to 100 t"),
            std::string::npos);
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
    EXPECT_EQ(again.exposure.protons_on_target, config.exposure.protons_on_target);
    EXPECT_EQ(again.source.pulse.bunch_times_ns, config.source.pulse.bunch_times_ns);
    // The whole configuration (with the DAQ, which COHERENT's recorded window needs) too.
    const auto everything = read_configuration(configs + name);
    EXPECT_EQ(to_toml(parse_configuration(to_toml(everything), "resolved.toml")), to_toml(everything)) << name;
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
  EXPECT_EQ(clovers.backgrounds[1].model, BackgroundKind::pmt_dark_counts);
  EXPECT_EQ(clovers.backgrounds[0].model, BackgroundKind::beam);
  EXPECT_EQ(clovers.backgrounds[0].time_profile, TimeProfile::beam_pulse);
  EXPECT_EQ(clovers.backgrounds[0].spectrum.x.size(), 120u);  // data/clovers-brn-recoil-keVnr.csv, read
  EXPECT_EQ(clovers.backgrounds[2].model, BackgroundKind::radioactivity);
  const auto cicenns = read_experiment_config(configs + "cicenns.toml");
  // The dark-count model reads the Monte Carlo's PMTs: daq.pmt, with --set applied.
  EXPECT_EQ(cicenns.dark_counts.dark_rate_Hz, 2900.0);
  EXPECT_EQ(read_experiment_config(configs + "clovers.toml", {"daq.pmt.dark_rate_Hz=500"}).dark_counts.dark_rate_Hz, 500.0);
  EXPECT_EQ(clovers.dark_counts.pretrace_ns, 40000.0);
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
  EXPECT_NE(error_parsing(minimal, {"selection.afterglow_efficiency=1.3"}).find("must be in [0.01, 1]"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.roi_npe_max=2"}).find("selection.roi_npe_max"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.two_pmt_coincidence=1"}).find("must be true or false"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.acceptance.model=sigmoid"}).find("none, logistic"), std::string::npos);
  const auto background = error_parsing(std::string(minimal) +
                                        "\n[[backgrounds]]\nname = \"x\"\nmodel = \"radioactivity\"\n"
                                        "rate_per_kg_keVee_day = -3\n");
  EXPECT_NE(background.find("test.toml:11"), std::string::npos) << background;
  EXPECT_NE(background.find("backgrounds[0].rate_per_kg_keVee_day = -3"), std::string::npos) << background;
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
                .find("bad.txt:2: 'oops' is not a finite number"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_experiment_config(dir / "study.toml", {"detector.quenching.table_file=\"none.txt\""}); })
                .find("detector.quenching.table_file: cannot read"),
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
    EXPECT_NE(text.find("dark_rate_Hz = [123.0]"), std::string::npos) << name;
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

namespace cevns::io {
namespace {

TEST(ConfigReader, NonFiniteNumbersAreRejectedForEveryKey) {
  // Checked once in the reader: every floating-point key, scalar, optional or list.
  for (const char* key : {"selection.roi_time_min_us", "detector.mass_kg", "source.distance_m",
                          "selection.muon_veto_efficiency", "daq.pmt.dark_rate_Hz",
                          "detector.light_yield_PE_per_keVee"})
    for (const char* value : {"nan", "inf", "-inf", "+nan"}) {
      const auto message = error_parsing(minimal, {std::string(key) + "=" + value});
      EXPECT_NE(message.find("must be a finite number"), std::string::npos) << key << "=" << value << ": " << message;
      EXPECT_NE(message.find(key), std::string::npos) << message;
    }
  const auto listed = error_parsing(minimal, {"spectra.thresholds_keVnr=[1.0, nan]"});
  EXPECT_NE(listed.find("spectra.thresholds_keVnr = nan (must be a finite number)"), std::string::npos) << listed;
  const auto in_file = error_parsing("[detector]\nmass_kg = inf\n[exposure]\ncalendar_days = 1\n");
  EXPECT_NE(in_file.find("test.toml:2"), std::string::npos) << in_file;
}

TEST(ConfigReader, TextMustBePrintableUtf8) {
  const auto invalid = error_parsing(minimal, {"experiment.name=\xff\xfe"});
  EXPECT_NE(invalid.find("experiment.name is not valid UTF-8"), std::string::npos) << invalid;
  EXPECT_NE(invalid.find("--set experiment.name=\\xFF\\xFE:"), std::string::npos) << invalid;  // the message is UTF-8
  EXPECT_NE(error_parsing(minimal, {"experiment.name=\xc0\xaf"}).find("not valid UTF-8"), std::string::npos);  // overlong
  EXPECT_NE(error_parsing(minimal, {"experiment.name=\xed\xa0\x80"}).find("not valid UTF-8"), std::string::npos);
  const auto control = error_parsing(minimal, {"experiment.description=\"a\\u0007b\""});
  EXPECT_NE(control.find("control character U+0007"), std::string::npos) << control;
  EXPECT_NE(error_parsing(minimal, {"experiment.name=\"a\\nb\""}).find("control character"), std::string::npos);
  EXPECT_EQ(parse_experiment_config(minimal, "t", {"experiment.name=\"Ünïcode ν_μ\""}).name, "Ünïcode ν_μ");
}

TEST(ConfigReader, HugeAndDeepInputIsRefusedQuickly) {
  // 50 000 dotted parts overflowed toml++'s stack; refuse before it parses.
  std::string deep = "[a";
  for (int i = 0; i < 50000; ++i) deep += ".a";
  deep += "]\nx = 1\n";
  EXPECT_NE(error_parsing(deep).find("nested more than 16 deep"), std::string::npos);
  EXPECT_NE(error_parsing("x = " + std::string(100000, '[') + std::string(100000, ']') + "\n").find("nested"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"a" + std::string(40, '.') + "=1"}).find("no key has more than"), std::string::npos);
  // Strings, comments and floats do not count.
  EXPECT_NO_THROW(parse_experiment_config(std::string(minimal) + "# [[[[[[[[[[[[[[[[[[[[[[ ...........\n"
                                                                 "[experiment]\nname = \"[[[[[[[[[[[[[[[[[[[[[[[[[\"\n"
                                                                 "[spectra]\nthresholds_keVnr = [1.5, 2.5, 3.5, 4.5, 5.5, "
                                                                 "6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, "
                                                                 "16.5, 17.5, 18.5]\n",
                                                                 "t"));
  EXPECT_NE(error_parsing(std::string(2 << 20, ' ')).find("larger than 1048576 bytes"), std::string::npos);

  // A 20 MB unknown key took 12 s to reject (the "did you mean" edit distance).
  const std::clock_t started = std::clock();  // CPU time: a hang guard, not a speed target
  const auto message = error_parsing(minimal, {"detector." + std::string(1 << 20, 'm') + "=1"});
  EXPECT_LT(static_cast<double>(std::clock() - started) / CLOCKS_PER_SEC, 3.0);
  EXPECT_NE(message.find("unknown key"), std::string::npos);
  EXPECT_LT(message.size(), 2000u);

  const auto dir = std::filesystem::temp_directory_path() / "cevns_big_config";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "big.toml") << std::string(3 << 20, '#');
  EXPECT_NE(error_of([&] { read_experiment_config(dir / "big.toml"); }).find("larger than"), std::string::npos);
  EXPECT_NE(error_of([&] { read_experiment_config(dir); }).find("not a regular file"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ConfigReader, QuenchingTableIsReadOnlyForTheTableModelAndBounded) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_qf_bounds";
  std::filesystem::create_directories(dir);
  {
    // COHERENT's layout: keVnr, its error, QF, its error.
    std::ofstream(dir / "coherent.txt") << "# keVnr dkeVnr QF dQF\n5.0 0.5 0.07 0.01\n20.0 1.0 0.09 0.01\n";
    std::ofstream(dir / "big.txt") << std::string(2 << 20, '#');
  }
  const auto table = [&](const std::string& file) {
    return std::vector<std::string>{"detector.quenching.model=table", "detector.quenching.table_file=\"" +
                                                                          (dir / file).string() + "\""};
  };
  // /dev/zero was read (without end) even for another model.
  EXPECT_NO_THROW(parse_experiment_config(minimal, "t", {"detector.quenching.table_file=\"/dev/zero\""}));
  EXPECT_NE(error_parsing(minimal, table("../../../../../../dev/zero")).find("not a regular file"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, table("big.txt")).find("larger than"), std::string::npos);
  const auto hint = error_parsing(minimal, table("coherent.txt"));
  EXPECT_NE(hint.find("has 4 columns"), std::string::npos) << hint;
  EXPECT_NE(hint.find("table_columns = [0, 2, 3]"), std::string::npos) << hint;
  auto columns = table("coherent.txt");
  columns.push_back("detector.quenching.table_columns=[0, 2, 3]");
  EXPECT_EQ(parse_experiment_config(minimal, "t", columns).detector.quenching.table_qf, (std::vector<double>{0.07, 0.09}));
  std::filesystem::remove_all(dir);
}

TEST(ConfigReader, NumbersAreWrittenInTheirShortestForm) {
  const auto config = read_configuration(configs + "annotated.toml");
  const std::string text = to_toml(config);
  EXPECT_NE(text.find("dark_multi_pe_fraction = 0.05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rate_per_bar_Hz = 221.2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("polynomial_coefficients = [0.0554628, 4.30681, -111.707, 840.384]\n"), std::string::npos);
  EXPECT_NE(text.find("beam_power_kW = 140.0\n"), std::string::npos);  // a float stays a float
  EXPECT_NE(text.find("crystals = 4\n"), std::string::npos);
  EXPECT_EQ(text.find("0000000"), std::string::npos) << text;
  EXPECT_EQ(text.find("9999999"), std::string::npos) << text;
  // Every shipped configuration, and awkward values, read back exactly.
  for (const auto& entry : std::filesystem::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    const auto original = read_configuration(entry.path(), {"experiment.description=\"quote \\\" back\\\\slash ü\"",
                                                            "detector.quenching.polynomial_coefficients=[0.1, 1e-300, "
                                                            "-0.3, 1e5, 5e-324]",
                                                            "source.distance_m=10.000000000000002"});
    const auto again = parse_configuration(to_toml(original), "resolved.toml");
    EXPECT_EQ(to_toml(again), to_toml(original)) << entry.path();
    EXPECT_EQ(again.simulation.experiment.description, "quote \" back\\slash ü");
    EXPECT_EQ(again.simulation.experiment.detector.quenching.polynomial_coefficients,
              (std::vector<double>{0.1, 1e-300, -0.3, 1e5, 5e-324}));
    EXPECT_EQ(again.simulation.experiment.source.distance_m, 10.000000000000002);
  }
}

}  // namespace
}  // namespace cevns::io

namespace cevns::io {
namespace {

/// The text to put `key = value` in: [[backgrounds]] keys in a table of their own, the
/// other exposure forms instead of calendar_days.
std::pair<std::string, std::vector<std::string>> setting(const std::string& key, const std::string& value) {
  if (key.starts_with("backgrounds."))
    return {std::string(minimal) + "\n[[backgrounds]]\nname = \"b\"\n" + key.substr(12) + " = " + value + "\n", {}};
  if (key.starts_with("systematics."))
    return {std::string(minimal) + "\n[[systematics]]\nname = \"s\"\n" + key.substr(12) + " = " + value + "\n", {}};
  if (key == "exposure.beam_hours" || key == "exposure.beam_energy_GWh" || key == "exposure.protons_on_target")
    return {"[exposure]\n" + key.substr(9) + " = " + value + "\n", {}};
  return {minimal, {key + "=" + value}};
}

TEST(ConfigReader, EveryNumberKeyHasABoundedRange) {
  // 10^300 and −10^300 are outside every physical range: each number key must refuse both,
  // naming itself (mass_kg = 1e300 printed inf and −nan; dark_rate_Hz = 1e15 hung simulate).
  int numbers = 0;
  for (const auto& key : configuration_keys()) {
    const std::string leaf = key.substr(key.rfind('.') + 1);
    for (const char* sign : {"", "-"}) {
      std::string value = std::string(sign) + "1e300";
      auto set = setting(key, value);  // (text, overrides); no structured binding: clang 14 cannot capture one
      const auto parse = [&set] { parse_configuration(set.first, "test.toml", set.second); };
      std::string message = error_of(parse);
      if (message.find("must be an integer") != std::string::npos) {
        set = setting(key, value = std::string(sign) + "999999999");
        message = error_of(parse);
      } else if (message.find("must be an array") != std::string::npos) {
        set = setting(key, value = "[" + value + "]");
        message = error_of(parse);
      } else if (message.find("must be a string") != std::string::npos ||
                 message.find("must be true or false") != std::string::npos) {
        continue;
      }
      ++numbers;
      EXPECT_NE(message.find(leaf), std::string::npos) << key << " = " << value << ": " << message;
    }
  }
  EXPECT_GT(numbers, 2 * 80);
}

TEST(ConfigReader, ValuesThatHungOrCrashedTheSimulationAreRejected) {
  for (const char* assignment :
       {"detector.mass_kg=1e15", "detector.mass_kg=1e300", "source.distance_m=5e-324", "daq.pmt.dark_rate_Hz=1e15",
        "selection.muon_veto_efficiency=5e-324", "selection.afterglow_efficiency=1e-300", "daq.pmt.pulse_decay_ns=1e15",
        "source.repetition_rate_Hz=5e-324", "exposure.beam_on_fraction=5e-324", "daq.beam.beam_off_period_s=1e-300",
        "daq.afterglow.deposit_photoelectrons=1e300", "source.beam_power_kW=1e300"}) {
    const std::clock_t started = std::clock();  // CPU time: a hang guard, not a speed target
    const auto message = error_of([&] { parse_configuration(minimal, "test.toml", {assignment}); });
    EXPECT_NE(message.find("must be in"), std::string::npos) << assignment << ": " << message;
    EXPECT_LT(static_cast<double>(std::clock() - started) / CLOCKS_PER_SEC, 3.0);
  }
}

TEST(ConfigReader, BinningsNeedAtLeastOneBin) {
  // These failed inside Binning::uniform: exit 3, "internal error".
  EXPECT_NE(error_parsing(minimal, {"spectra.recoil_max_keVnr=0.2"}).find("spectra.recoil_bin_keVnr = 0.5 (must be in "
                                                                          "(0, 0.2]: at least one bin"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"spectra.recoil_bin_keVnr=101"}).find("spectra.recoil_bin_keVnr = 101"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"spectra.time_bin_us=25"}).find("spectra.time_bin_us = 25 (must be in (0, 11]"),
            std::string::npos);
}

TEST(ConfigReader, TimeRegionOfInterestMustLieInTheSpectra) {
  // An ROI outside the spectra counted nothing: 0 σ without a word.
  EXPECT_NE(error_parsing(minimal, {"selection.roi_time_min_us=20", "selection.roi_time_max_us=30"})
                .find("selection.roi_time_min_us = 20 (must lie in the spectra's time window"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.roi_time_max_us=-5"}).find("selection.roi_time_max_us = -5"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.roi_time_min_us=10"}).find("must be below spectra.time_max_us"),
            std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"selection.roi_npe_max=300"}).find("must not exceed spectra.npe_max = 200"),
            std::string::npos);
  EXPECT_NO_THROW(parse_experiment_config(minimal, "t", {"selection.roi_time_min_us=-1", "selection.roi_time_max_us=10"}));
}

TEST(ConfigReader, SetAddressesABackgroundByName) {
  const std::string clovers = configs + "clovers.toml";
  // By the slug of its name (names have spaces; --set keys do not), or by the name itself.
  const auto set = read_experiment_config(clovers, {"backgrounds.beam-related-neutrons.single_crystal_fraction=0.5",
                                                    "backgrounds.radioactive-isotopes.rate_per_kg_keVee_day=2"});
  EXPECT_EQ(set.backgrounds[0].single_crystal_fraction, 0.5);
  EXPECT_EQ(set.backgrounds[2].rate_per_kg_keVee_day, 2.0);
  EXPECT_EQ(set.backgrounds[1].model, BackgroundKind::pmt_dark_counts);
  const auto unknown = [&](const std::vector<std::string>& overrides) {
    try {
      read_experiment_config(clovers, overrides);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // An unknown name lists the names --set knows.
  const auto message = unknown({"backgrounds.beam-neutrons.single_crystal_fraction=0.5"});
  EXPECT_NE(message.find("no background named 'beam-neutrons'"), std::string::npos) << message;
  EXPECT_NE(message.find("beam-related-neutrons, pmt-dark-counts, radioactive-isotopes"), std::string::npos) << message;
  // A bad value is reported where it came from: the --set.
  const auto range = unknown({"backgrounds.beam-related-neutrons.single_crystal_fraction=2"});
  EXPECT_NE(range.find("--set backgrounds.beam-related-neutrons.single_crystal_fraction=2"), std::string::npos) << range;
  const auto key = unknown({"backgrounds.beam-related-neutrons.roi_events=3"});
  EXPECT_NE(key.find("unknown key 'backgrounds[0].roi_events'"), std::string::npos) << key;
  EXPECT_NE(unknown({"backgrounds.pmt-dark-counts=3"}).find("expected backgrounds.<name>.<key>"), std::string::npos);
  // The whole array can still be replaced.
  EXPECT_TRUE(read_experiment_config(clovers, {"backgrounds=[]"}).backgrounds.empty());
}

TEST(ConfigReader, DuplicateBackgroundNamesAreRejected) {
  // The JSON keyed backgrounds by name and dropped one (entries summed to 167, total 833).
  const auto message = error_parsing(std::string(minimal) +
                                     "\n[[backgrounds]]\nname = \"n\"\nmodel = \"pmt-dark-counts\"\n"
                                     "\n[[backgrounds]]\nname = \"m\"\nmodel = \"pmt-dark-counts\"\n"
                                     "\n[[backgrounds]]\nname = \"n\"\nmodel = \"pmt-dark-counts\"\n");
  EXPECT_NE(message.find("test.toml:17"), std::string::npos) << message;
  EXPECT_NE(message.find("backgrounds[2].name = \"n\" (must differ from the name of backgrounds[0])"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace cevns::io

#include <regex>
#include <set>

namespace cevns::io {
namespace {

/// The dotted keys a document lists: `section` is set by the lines matching `header`
/// (first group), keys come from the lines matching `row` (every `word` of group 1).
std::set<std::string> listed_keys(const std::string& file, const std::regex& header, const std::regex& row) {
  std::ifstream in(file);
  std::set<std::string> keys;
  std::string section, line;
  const std::regex word(R"(\w+)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, header)) section = m[1];
    else if (std::regex_search(line, m, row))
      for (std::sregex_iterator it(m[1].first, m[1].second, word), end; it != end; ++it)
        keys.insert(section + "." + it->str());
  }
  return keys;
}

TEST(ConfigReader, EveryKeyIsDocumentedInBothReferences) {
  // annotated.toml claims every key, and [reco] was missing from both.
  const auto annotated = listed_keys(configs + "annotated.toml", std::regex(R"(^\[\[?([\w.]+)\]\]?)"),
                                     std::regex(R"(^#? ?(\w+) *=)"));
  const auto documented = listed_keys(std::string(CEVNS_SOURCE_DIR) + "/docs/configuration.md",
                                      std::regex(R"(^#+ `\[\[?([\w.]+)\]\]?`)"),
                                      std::regex(R"(^\| (`\w+`(?:, `\w+`)*) \|)"));
  const auto keys = configuration_keys();
  EXPECT_GT(keys.size(), 100u);
  for (const auto& key : keys) {
    EXPECT_TRUE(annotated.contains(key)) << key << " is not in configs/annotated.toml";
    EXPECT_TRUE(documented.contains(key)) << key << " is not in docs/configuration.md";
  }
  // And neither documents a key that does not exist.
  const std::set<std::string> known(keys.begin(), keys.end());
  for (const auto& key : documented) EXPECT_TRUE(known.contains(key)) << key << " in docs/configuration.md";
  for (const auto& key : annotated) EXPECT_TRUE(known.contains(key)) << key << " in configs/annotated.toml";
}

}  // namespace
}  // namespace cevns::io

namespace cevns::io {
namespace {

TEST(ConfigReader, NonAsciiOutsideStringsIsASyntaxError) {
  // toml++ 3.3 reached TOML_UNREACHABLE on some non-ASCII whitespace; TOML allows
  // non-ASCII only in strings and comments.
  for (const char* space : {"\xC2\xA0", "\xE2\x80\x83", "\xE3\x80\x80", "\xE2\x80\xA8"}) {
    const auto message = error_parsing(std::string("[detector]\nmass_kg") + space + "= 3.0\n[exposure]\ncalendar_days = 1\n");
    EXPECT_NE(message.find("test.toml:2: TOML syntax error: a non-ASCII character"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(parse_experiment_config("\xEF\xBB\xBF# ünïcode comment\n[experiment]\nname = \"ν\"\n" +
                                              std::string(minimal),
                                          "t"));
  EXPECT_EQ(parse_experiment_config(minimal, "t", {"experiment.name=Ünïcode"}).name, "Ünïcode");  // a bare word
  // Values in messages come from our formatter, not toml++'s printer (UBSan: float → size_t).
  const auto array = error_parsing(minimal, {"detector.mass_kg=[0.05, 0.3]"});
  EXPECT_NE(array.find("detector.mass_kg must be a number, not array […]"), std::string::npos) << array;
  EXPECT_NE(error_parsing(minimal, {"detector.material=0.05"}).find("not floating-point 0.05"), std::string::npos);
  EXPECT_NE(error_parsing(minimal, {"detector.mass_kg=\"it's\""}).find("not string \"it's\""), std::string::npos);
}

}  // namespace
}  // namespace cevns::io
