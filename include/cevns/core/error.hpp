#pragma once
/// \file
/// The cevns error family. Messages read "problem (why) suggestion", e.g.
/// "invalid detector.mass_kg = -3 (must be positive)".
///
/// Bad input is reported by throwing one of these at the edge; the library never calls
/// exit(). Expected outcomes (a fit that does not converge) are values, not exceptions.

#include <stdexcept>
#include <string>
#include <string_view>

namespace cevns {

/// Base of every error cevns reports to its user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration value that is not allowed. Thrown by the `validate()` of the plain
/// configuration structs, which know the dotted key (`detector.mass_kg`) but not the
/// file; the configuration reader adds file and line.
class InvalidValue : public Error {
 public:
  /// \param key dotted configuration key, e.g. "detector.mass_kg"
  /// \param value the offending value as the user would write it
  /// \param requirement what is allowed, e.g. "must be positive"
  InvalidValue(std::string key, std::string value, std::string requirement)
      : Error("invalid " + key + " = " + value + " (" + requirement + ")"),
        key_(std::move(key)), value_(std::move(value)), requirement_(std::move(requirement)) {}

  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const std::string& value() const { return value_; }
  [[nodiscard]] const std::string& requirement() const { return requirement_; }

 private:
  std::string key_;
  std::string value_;
  std::string requirement_;
};

/// A configuration file that cannot be used: missing, malformed, unknown or mistyped
/// keys, impossible values. The message names the file, line and key.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A derived quantity that cannot be used: not finite, or too large to sample or compute
/// (the configuration's values are each in range, but their combination is not). The
/// message names the quantity and what it came from.
class NumericalError : public Error {
 public:
  using Error::Error;
};

/// Formats a number for an error message the way a user would type it.
std::string format_value(double value);

/// Throws InvalidValue(key, value, "must be a positive number") unless 0 < value < ∞.
void require_positive(const std::string& key, double value);

/// Throws InvalidValue(key, value, "must be in [low, high]: why") unless low ≤ value ≤ high
/// (low < value with `low_open`). `why` says where the bounds come from.
void require_range(const std::string& key, double value, double low, double high, const std::string& why,
                   bool low_open = false);

/// The largest Poisson mean the simulation samples. std::poisson_distribution never
/// returns for a mean ≥ 2⁶⁴ or ∞, and a draw of 10⁹ objects is already more than memory holds.
inline constexpr double max_poisson_mean = 1e9;

/// `mean` if it is a usable Poisson mean (finite, ≥ 0, ≤ max_poisson_mean); otherwise
/// throws NumericalError naming `what`, e.g. "expected dark counts in a block of 10000 triggers".
double checked_poisson_mean(double mean, std::string_view what);

/// Throws NumericalError("`what` is not finite (…)") unless `value` is finite: a result
/// is checked before it is printed or written.
void require_finite(std::string_view what, double value);

}  // namespace cevns
