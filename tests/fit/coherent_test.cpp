// The COHERENT CsI[Na] 2017 release fitted with the likelihood of docs/statistics.md.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "cevns/fit/fit.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/io/config_reader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cevns::fit;

const fs::path release = fs::path(CEVNS_SHARED_DATA_DIR) / "coherent-csi-2017";
const fs::path config_file = fs::path(CEVNS_SOURCE_DIR) / "configs" / "coherent-csi-2017.toml";

TEST(Coherent2017, Explore) {
  if (!is_coherent_2017_release(release)) GTEST_SKIP() << "the COHERENT 2017 release is not in " << release;
  const bool off = getenv("OFF") != nullptr;
  const auto data = read_coherent_2017(release, off);
  const auto prediction = cevns::predict(cevns::io::read_experiment_config(config_file));
  auto cfg = default_fit_config(data);
  if (off) cfg.free_live_time_regions = {"on-beam-beam-off", "off-beam-beam-off"};
  if (getenv("REL")) cfg.cevns_time = "release";
  if (getenv("FLAT")) cfg.steady_state = "per-npe-bin";
  const auto built = build_model(prediction, data, cfg);
  const Fitter fitter(built.model, Dataset{data.flat_counts(), {}});
  const auto r = fitter.fit();
  const auto poi = built.model.index("cevns");
  const double per = built.events_per_unit.at("cevns");
  fmt::print("status {} conv {} hess {} t {} evals {}\n", r.minimum.status, r.minimum.converged, r.hessian_ok, r.minimum.deviance,
             r.minimum.evaluations);
  fmt::print("cevns {} ± {} events (per unit {})\n", r.minimum.values[poi] * per, r.errors[poi] * per, per);
  fmt::print("brn {} ± {} (events {})\n", r.minimum.values[built.model.index("brn")], r.errors[built.model.index("brn")],
             built.events_per_unit.at("brn"));
  const auto iv = fitter.interval(poi, r);
  fmt::print("minos {} {} \n", iv.lower * per, iv.upper * per);
  const double q0 = fitter.q0(poi, r);
  fmt::print("q0 {} Z {}\n", q0, std::sqrt(q0));
  fmt::print("gof dev {} bins {} free {} p {}\n", r.poisson_deviance, r.bins, r.free_parameters, r.gof_p_value);
}

}  // namespace
