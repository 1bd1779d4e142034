#pragma once
/// \file
/// Cancelled: a long computation stopped because its caller asked it to.

#include <stdexcept>

namespace cevns {

/// A long computation stopped because its caller asked it to (Ctrl-C in Python, through a
/// stop flag the computation polls). Not an Error: the input was fine.
class Cancelled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cevns
