#pragma once
/// \file
/// Logging with levels and component names, on top of spdlog. Messages go to stderr so
/// that stdout carries only results (tables, JSON).

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace cevns {

enum class LogLevel { debug, info, warning, error };

/// Sets the level of every cevns logger (the CLI maps -v to debug, -q to warning).
void set_log_level(LogLevel level);

/// The logger of one component, e.g. `logger("source")`; created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace cevns
