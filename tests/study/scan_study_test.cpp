// study::ScanStudy, the core of `cevns scan` and cevns.scan: the cached detector response
// against a full prediction per point, Asimov at the reference, stopping, bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/study/scan.hpp"

namespace {

using cevns::study::ScanRequest;
using cevns::study::ScanStudy;

const std::string clovers = std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml";
// The CEvNS rate known to ±5 % apart from the cross section: sin²θ_W is then measured.
const std::string projection = std::string(CEVNS_SOURCE_DIR) + "/configs/fit/projection.toml";

cevns::fit::PredictWith predict_clovers() {
  return [](const std::vector<std::string>& more) {
    return cevns::predict(cevns::io::read_experiment_config(clovers, more));
  };
}

ScanRequest asimov(std::vector<std::string> params) {
  ScanRequest r;
  r.params = std::move(params);
  r.asimov = true;
  r.fit_config = projection;
  r.config_name = clovers;
  return r;
}

// The cached detector response (physics.* keys) and a whole prediction per point are two
// independent ways to the templates: the same Δχ² to 1e-6 relative. On the Asimov data of
// the nominal model the profile is 0 at the configuration's sin²θ_W (a grid point here).
TEST(ScanStudy, CachedResponseEqualsFullPredictionAndAsimovIsZeroAtTheReference) {
  auto request = asimov({"physics.sin2_theta_w=0.2:0.23857:3"});
  const ScanStudy cached(request, predict_clovers());
  request.full_predict = true;
  const ScanStudy full(request, predict_clovers());
  EXPECT_TRUE(cached.cached_response());
  EXPECT_FALSE(full.cached_response());
  cevns::fit::ScanOptions options;
  options.threads = 2;
  const auto a = cached.run(options), b = full.run(options);
  ASSERT_EQ(a.delta.size(), 3u);
  ASSERT_DOUBLE_EQ(a.reference.at(0), 0.23857) << "clovers.toml's physics.sin2_theta_w changed";
  EXPECT_NEAR(a.reference_delta, 0.0, 1e-6);
  EXPECT_NEAR(a.delta[2], 0.0, 1e-6);
  EXPECT_GT(a.delta[0], 0.1);  // 0.2 is away from 0.23857
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(a.delta[i], b.delta[i], 1e-6 * std::max(1.0, b.delta[i])) << i;
  const auto j = cached.to_json(a);
  EXPECT_EQ(j["templates"], "cached detector response");
  EXPECT_EQ(j["data"], "Asimov data of the nominal model");
  EXPECT_EQ(full.to_json(b)["templates"], "full prediction per point");
}

TEST(ScanStudy, StopsWhenAsked) {
  const ScanStudy scan(asimov({"physics.sin2_theta_w=0.2:0.3:200"}), predict_clovers());
  std::atomic<bool> stop{true};
  cevns::fit::ScanOptions options;
  options.stop = &stop;
  EXPECT_THROW((void)scan.run(options), cevns::Cancelled);
}

TEST(ScanStudy, BadInputIsAConfigError) {
  EXPECT_THROW(ScanStudy(asimov({}), predict_clovers()), cevns::ConfigError);
  EXPECT_THROW(ScanStudy(asimov({"physics.sin2_theta_w=0.3:0.2:3"}), predict_clovers()), cevns::ConfigError);
  EXPECT_THROW(ScanStudy(asimov({"a=0:1:2", "b=0:1:2", "c=0:1:2"}), predict_clovers()), cevns::ConfigError);
  auto no_data = asimov({"physics.sin2_theta_w=0.2:0.3:3"});
  no_data.asimov = false;
  EXPECT_THROW(ScanStudy(no_data, predict_clovers()), cevns::ConfigError);
  auto fixed = asimov({"physics.sin2_theta_w=0.2:0.3:3"});
  fixed.fix = {{"nope", 1.0}};
  EXPECT_THROW(ScanStudy(fixed, predict_clovers()), cevns::ConfigError);
}

}  // namespace
