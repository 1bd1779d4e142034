#pragma once
/// \file
/// Reproducible random streams. Every independent piece of work (a block of triggers, a
/// test) draws from its own PCG stream selected by (seed, stream): the same seed gives
/// the same numbers whatever the thread count or the order the blocks run in.

#include <cstdint>

#include <pcg_random.hpp>

namespace cevns {

/// PCG-XSL-RR 128/64 (M.E. O'Neill, pcg-random.org; Debian libpcg-cpp-dev).
using Rng = pcg64;

/// The generator of stream `stream` for run seed `seed`.
inline Rng random_stream(std::uint64_t seed, std::uint64_t stream) { return Rng(seed, stream); }

}  // namespace cevns
