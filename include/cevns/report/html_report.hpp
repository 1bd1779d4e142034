#pragma once
/// \file
/// The report of a `cevns run` study: one self-contained HTML page (figures inline as PNG
/// data, the style in the page, no script, nothing fetched) made from the files the study
/// wrote into its directory (docs/output.md, "report.html").

#include <filesystem>
#include <string>

namespace cevns::report {

/// The page of the study in `directory`: experiment and exposure, expected events by
/// flavour and isotope, backgrounds by source, sensitivity, the paper's figures, the
/// Monte Carlo's cut flow, the fit and its figures, the closure, the stages with their
/// times, seeds and fingerprints, and the resolved configuration. Reads study.json (throws
/// IoError without it) and whatever of the stages' files there are; a stage not run is
/// said to be missing, not an error.
std::string html_report(const std::filesystem::path& directory);

/// Writes html_report(directory) to directory/report.html (atomically); returns its path.
std::filesystem::path write_html_report(const std::filesystem::path& directory);

/// `bytes` in base 64 (RFC 4648, with padding), for data: URLs.
std::string base64(const std::string& bytes);

/// `text` with &, <, >, " and ' as HTML character references.
std::string html_escape(const std::string& text);

}  // namespace cevns::report
