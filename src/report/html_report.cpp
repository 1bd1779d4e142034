#include "cevns/report/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cevns/core/error.hpp"
#include "cevns/io/prediction_writer.hpp"

namespace cevns::report {

std::string base64(const std::string& bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                            std::uint8_t(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A JSON file of the study, or null when it is not there (a stage not run).
json read_json(const fs::path& file) {
  const auto text = read_file(file);
  if (!text) return nullptr;
  try {
    return json::parse(*text);
  } catch (const json::exception& e) {
    throw IoError(fmt::format("{}: not JSON ({})", file.string(), e.what()));
  }
}

double number(const json& j, const char* key, double otherwise = std::nan("")) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return otherwise;
  return j[key].get<double>();
}

/// `digits` significant digits; large and small numbers as a × 10ⁿ.
std::string sig(double v, int digits = 4) {
  if (!std::isfinite(v)) return "–";
  if (v == 0.0) return "0";
  const double a = std::abs(v);
  if (a >= 1e6 || a < 1e-3) {
    const int e = static_cast<int>(std::floor(std::log10(a)));
    return fmt::format("{:.{}f}&thinsp;×&thinsp;10<sup>{}</sup>", v / std::pow(10.0, e), std::max(0, digits - 1), e);
  }
  const int decimals = std::max(0, digits - 1 - static_cast<int>(std::floor(std::log10(a))));
  return fmt::format("{:.{}f}", v, decimals);
}

/// Fixed decimals, for counts of events.
std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "–";
  return fmt::format("{:.{}f}", v, decimals);
}

/// Whole numbers with thin-space thousands separators.
std::string whole(double v) {
  if (!std::isfinite(v)) return "–";
  std::string digits = fmt::format("{:.0f}", std::abs(v));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += "&thinsp;";
    out += digits[i];
  }
  return (v < 0 ? "−" : "") + out;
}

std::string flavor_label(const std::string& name) {
  if (name == "nu_mu") return "ν<sub>μ</sub>";
  if (name == "nu_e") return "ν<sub>e</sub>";
  if (name == "nubar_mu") return "ν̄<sub>μ</sub>";
  if (name == "nubar_e") return "ν̄<sub>e</sub>";
  return html_escape(name);
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "–";
  if (s < 1.0) return fmt::format("{:.0f} ms", 1e3 * s);
  if (s < 120.0) return fmt::format("{:.1f} s", s);
  return fmt::format("{:.0f} min {:.0f} s", std::floor(s / 60.0), std::fmod(s, 60.0));
}

/// One HTML table: a header row and body rows of ready-made cells.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string caption;
  std::string html() const {
    std::string out = "<table>";
    if (!caption.empty()) out += "<caption>" + caption + "</caption>";
    out += "<thead><tr>";
    for (std::size_t i = 0; i < header.size(); ++i) out += (i == 0 ? "<th class=\"l\">" : "<th>") + header[i] + "</th>";
    out += "</tr></thead><tbody>";
    for (const auto& r : rows) {
      out += "<tr>";
      for (std::size_t i = 0; i < r.size(); ++i) {
        const bool prose = r[i].rfind("<span class=\"note\">", 0) == 0;  // explanations wrap, left-aligned
        out += (i == 0 ? "<td class=\"l\">" : prose ? "<td class=\"w\">" : "<td>") + r[i] + "</td>";
      }
      out += "</tr>";
    }
    return out + "</tbody></table>\n";
  }
};

/// Key–value rows.
std::string facts(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out = "<table class=\"facts\"><tbody>";
  for (const auto& [k, v] : rows) out += "<tr><th>" + k + "</th><td>" + v + "</td></tr>";
  return out + "</tbody></table>\n";
}

class Page {
 public:
  explicit Page(fs::path dir) : dir_(std::move(dir)) {}

  /// A figure of the study as inline PNG, or nothing when the stage did not draw it.
  std::string figure(const std::string& file, const std::string& caption) {
    const auto png = read_file(dir_ / (file + ".png"));
    if (!png) return "";
    ++figures_;
    return fmt::format("<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"800\" height=\"600\">"
                       "<figcaption>{}</figcaption></figure>\n",
                       base64(*png), html_escape(caption), caption);
  }
  void section(const std::string& id, const std::string& title, const std::string& body) {
    toc_ += fmt::format("<li><a href=\"#{}\">{}</a></li>", id, title);
    body_ += fmt::format("<section id=\"{}\"><h2>{}</h2>\n{}</section>\n", id, title, body);
  }
  [[nodiscard]] std::string html(const std::string& title, const std::string& header) const {
    return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0}</title>
<style>
:root {{ --ink: #1d2330; --muted: #5b6475; --line: #d8dce4; --accent: #1f5fa8; --bg: #f6f7f9; --good: #1b7f3b; --bad: #b3261e; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 15px/1.5 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); background: var(--bg); }}
header {{ background: #16324f; color: #fff; padding: 22px 40px 18px; }}
header h1 {{ margin: 0 0 4px; font-size: 26px; font-weight: 600; }}
header p {{ margin: 2px 0; color: #cfd9e6; }}
nav {{ background: #fff; border-bottom: 1px solid var(--line); padding: 8px 40px; position: sticky; top: 0; z-index: 1; }}
nav ul {{ list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }}
nav a {{ color: var(--accent); text-decoration: none; font-size: 14px; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 12px 40px 60px; }}
section {{ background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 24px 18px; margin: 18px 0; }}
h2 {{ font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }}
h3 {{ font-size: 16px; margin: 18px 0 6px; }}
table {{ border-collapse: collapse; margin: 8px 0 14px; font-variant-numeric: tabular-nums; }}
caption {{ caption-side: top; text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }}
th, td {{ padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }}
th {{ background: #eef1f5; font-weight: 600; }}
th.l, td.l {{ text-align: left; }}
td.w {{ text-align: left; white-space: normal; min-width: 260px; }}
table.facts th {{ text-align: left; background: none; color: var(--muted); font-weight: normal; }}
table.facts td {{ text-align: left; white-space: normal; }}
tr.total td {{ font-weight: 600; border-top: 2px solid var(--ink); }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }}
.card {{ flex: 1 1 190px; background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 10px 14px; }}
.card b {{ display: block; font-size: 22px; }}
.card span {{ color: var(--muted); font-size: 13px; }}
.good {{ color: var(--good); font-weight: 600; }}
.bad {{ color: var(--bad); font-weight: 600; }}
.note {{ color: var(--muted); font-size: 13px; }}
.figures {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }}
figure {{ margin: 0; border: 1px solid var(--line); border-radius: 4px; padding: 6px; background: #fff; }}
figure img {{ width: 100%; height: auto; display: block; }}
figcaption {{ font-size: 13px; color: var(--muted); padding: 4px 2px 0; }}
pre {{ background: #f2f4f7; border: 1px solid var(--line); padding: 10px 14px; overflow-x: auto; font-size: 12.5px; line-height: 1.4; }}
code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }}
</style>
</head>
<body>
<header>{1}</header>
<nav><ul>{2}</ul></nav>
<main>
{3}</main>
</body>
</html>
)",
                       html_escape(title), header, toc_, body_);
  }

 private:
  fs::path dir_;
  std::string toc_, body_;
  int figures_ = 0;
};

std::string figures_grid(Page& page, const std::vector<std::pair<std::string, std::string>>& list) {
  std::string grid;
  for (const auto& [file, caption] : list) grid += page.figure(file, caption);
  return grid.empty() ? std::string("<p class=\"note\">No figure of this stage in the directory.</p>\n")
                      : "<div class=\"figures\">\n" + grid + "</div>\n";
}

const json* stage_record(const json& study, const std::string& name) {
  if (!study.contains("stages")) return nullptr;
  for (const auto& s : study["stages"])
    if (s.value("name", "") == name) return &s;
  return nullptr;
}

}  // namespace

std::string html_report(const fs::path& dir) {
  const json study = read_json(dir / "study.json");
  if (study.is_null()) throw IoError(fmt::format("{}: no study.json (not the output of cevns run)", dir.string()));
  const json prediction = read_json(dir / "prediction.json");
  const json counting = read_json(dir / "sensitivity.json");
  const json likelihood = read_json(dir / "likelihood_sensitivity.json");
  const bool mc = study.contains("mc") && !study["mc"].is_null();
  const json selection = mc && stage_record(study, "select") ? read_json(dir / "selection" / "selection.json") : json(nullptr);
  const json fitted = mc && stage_record(study, "fit") ? read_json(dir / "fit" / "fit.json") : json(nullptr);
  const json closure = mc && stage_record(study, "fit") ? read_json(dir / "fit" / "closure.json") : json(nullptr);
  const json setup = study.value("setup", json::object());
  const std::string experiment = study.value("experiment", "?");

  Page page(dir);
  const std::string header =
      fmt::format("<h1>{} — cevns study</h1><p>{}</p><p>cevns {} · <code>{}</code> · finished {}</p>", html_escape(experiment),
                  html_escape(study.value("description", "")), html_escape(study.value("cevns_version", "?")),
                  html_escape(study.value("command", "")), html_escape(study.value("finished_utc", "(not finished)")));

  // Headline numbers.
  {
    std::string cards = "<div class=\"cards\">";
    const auto card = [&](const std::string& value, const std::string& what) {
      cards += "<div class=\"card\"><b>" + value + "</b><span>" + what + "</span></div>";
    };
    if (prediction.is_object()) {
      card(fixed(number(prediction["roi"], "signal"), 1), "CEvNS after the selection, in the region of interest");
      card(fixed(number(prediction["roi"], "background_total"), 1), "background in the region of interest");
    }
    if (counting.is_object()) card(fixed(number(counting, "significance"), 2) + " σ", "counting N<sub>sig</sub>/√(N<sub>sig</sub>+N<sub>bkg</sub>)");
    if (likelihood.is_object() && likelihood.contains("binnings") && !likelihood["binnings"].empty())
      card(fixed(number(likelihood["binnings"][0], "significance"), 2) + " σ", "likelihood, NPE × time (Asimov)");
    if (closure.is_object())
      card(fmt::format("{:+.2f}", number(closure, "pull")),
           std::string("closure pull of the Monte Carlo fit — ") +
               (closure.value("closes", false) ? "<span class=\"good\">closes</span>" : "<span class=\"bad\">does not close</span>"));
    page.section("summary", "Summary", cards + "</div>\n");
  }

  // Experiment and exposure.
  if (prediction.is_object()) {
    const auto& e = prediction["exposure"];
    std::vector<std::pair<std::string, std::string>> rows;
    const auto ly = setup.value("light_yield_PE_per_keVee", json(nullptr));
    rows.emplace_back("experiment", html_escape(experiment));
    rows.emplace_back("source", fmt::format("{}: {} kW, {} GeV protons at {} Hz, {} ν per proton per flavour",
                                            html_escape(setup.value("facility", "?")), sig(number(setup, "beam_power_kW"), 4),
                                            sig(number(setup, "proton_energy_GeV"), 3), sig(number(setup, "repetition_rate_Hz"), 3),
                                            sig(number(setup, "nu_per_proton_per_flavor"), 3)));
    rows.emplace_back("target", fmt::format("{} kg {} in {} crystal(s), {} m from the target", sig(number(setup, "mass_kg"), 4),
                                            html_escape(setup.value("material", "?")), setup.value("crystals", 0),
                                            sig(number(setup, "distance_m"), 4)));
    if (ly.is_array() && ly.size() == 2)
      rows.emplace_back("response", fmt::format("{} PE/keVee, quenching {}",
                                                ly[0] == ly[1] ? sig(ly[0].get<double>(), 3)
                                                               : sig(ly[0].get<double>(), 3) + "–" + sig(ly[1].get<double>(), 3),
                                                html_escape(setup.value("quenching", "?"))));
    rows.emplace_back("physics", fmt::format("form factor {}, weak charge {}, sin<sup>2</sup>θ<sub>W</sub> = {}",
                                             html_escape(setup.value("form_factor", "?")), html_escape(setup.value("weak_charge", "?")),
                                             sig(number(setup, "sin2_theta_w"), 5)));
    rows.emplace_back("exposure", fmt::format("{}: {} days ({} h) of beam", html_escape(setup.value("exposure", "?")),
                                              sig(number(e, "beam_on_time_s") / 86400.0, 4), sig(number(e, "beam_on_time_s") / 3600.0, 4)));
    rows.emplace_back("protons on target", sig(number(e, "protons_on_target"), 4));
    rows.emplace_back("beam energy", sig(number(e, "beam_energy_GWh"), 4) + " GW·h");
    rows.emplace_back("neutrino flux", sig(number(e, "flux_per_cm2_s_per_flavor"), 4) + " /cm²/s per flavour (beam on); " +
                                           sig(number(e, "fluence_per_cm2_per_flavor"), 4) + " /cm² per flavour over the exposure");
    if (prediction.contains("roi")) {
      const auto& r = prediction["roi"];
      rows.emplace_back("region of interest", fmt::format("{}–{} photoelectrons, {}–{} µs after the first proton bunch; "
                                                          "{} PE ≈ {} keVnr",
                                                          r.value("npe_min", 0), r.value("npe_max", 0), sig(number(r, "time_min_us"), 3),
                                                          sig(number(r, "time_max_us"), 3), r.value("npe_min", 0),
                                                          sig(number(r, "threshold_keVnr"), 3)));
    }
    page.section("experiment", "Experiment and exposure", facts(rows));
  }

  // Expected events by flavour and isotope.
  if (prediction.is_object() && prediction.contains("events")) {
    const auto& ev = prediction["events"];
    std::vector<std::string> isotopes;
    for (const auto& [iso, n] : ev["by_isotope"].items()) isotopes.push_back(iso);
    Table t;
    t.caption = "Expected CEvNS over the exposure, all recoil energies, before the selection (events)";
    t.header = {"flavour"};
    for (const auto& i : isotopes) t.header.push_back(html_escape(i));
    t.header.push_back("total");
    t.header.push_back("after selection, in ROI");
    t.header.push_back("T<sub>max</sub> (keVnr)");
    for (const char* f : {"nu_mu", "nu_e", "nubar_mu"}) {
      std::vector<std::string> row{flavor_label(f)};
      double t_max = 0.0;
      for (const auto& iso : isotopes) {
        double n = 0.0;
        for (const auto& c : ev["by_channel"])
          if (c.value("flavor", "") == f && c.value("isotope", "") == iso) {
            n += number(c, "events", 0.0);
            t_max = std::max(t_max, number(c, "max_recoil_keVnr", 0.0));
          }
        row.push_back(fixed(n, 2));
      }
      row.push_back(fixed(number(ev["by_flavor"], f), 2));
      row.push_back(fixed(number(prediction["roi"]["signal_by_flavor"], f), 2));
      row.push_back(fixed(t_max, 1));
      t.rows.push_back(row);
    }
    std::vector<std::string> total{"total"};
    for (const auto& iso : isotopes) total.push_back(fixed(number(ev["by_isotope"], iso.c_str()), 2));
    total.push_back(fixed(number(ev, "total"), 2));
    total.push_back(fixed(number(prediction["roi"], "signal"), 2));
    total.push_back("");
    t.rows.push_back(total);
    std::string body = t.html();
    body.replace(body.rfind("<tr>"), 4, "<tr class=\"total\">");
    Table thr;
    thr.caption = "Above recoil thresholds (before the selection)";
    thr.header = {"threshold (keVnr)", "events", "share"};
    for (const auto& a : ev["above_threshold"])
      thr.rows.push_back({sig(number(a, "threshold_keVnr"), 3), fixed(number(a, "events"), 2),
                          fixed(100.0 * number(a, "events") / number(ev, "total"), 1) + " %"});
    body += thr.html();
    body += fmt::format("<p class=\"note\">{} events per kg per day before the selection; {} per kg per day detected in the "
                        "region of interest.</p>\n",
                        sig(number(ev, "per_day_per_kg"), 3), sig(number(prediction["roi"], "signal_per_day_per_kg"), 3));
    page.section("events", "Expected events", body);
  }

  // Backgrounds by source.
  if (prediction.is_object() && prediction.contains("backgrounds")) {
    Table t;
    t.caption = "Backgrounds after the selection in the region of interest, over the exposure";
    t.header = {"source", "model", "scales with", "events in ROI", "per day", "origin of the rate"};
    const double days = number(prediction["exposure"], "beam_on_time_s") / 86400.0;
    for (const auto& b : prediction["backgrounds"])
      t.rows.push_back({html_escape(b.value("name", "?")), html_escape(b.value("model", "")), html_escape(b.value("drivers", "")),
                        fixed(number(b, "roi"), 2), sig(number(b, "roi") / days, 3),
                        "<span class=\"note\">" + html_escape(b.value("origin", "")) + "</span>"});
    t.rows.push_back({"total", "", "", fixed(number(prediction["roi"], "background_total"), 2),
                      sig(number(prediction["roi"], "background_total") / days, 3), ""});
    t.rows.push_back({"CEvNS signal", "", "", fixed(number(prediction["roi"], "signal"), 2),
                      sig(number(prediction["roi"], "signal") / days, 3), ""});
    std::string body = t.html();
    const auto at = body.rfind("<tr>");
    body.replace(body.rfind("<tr>", at - 1), 4, "<tr class=\"total\">");
    page.section("backgrounds", "Backgrounds by source", body);
  }

  // Sensitivity.
  if (counting.is_object()) {
    Table t;
    t.caption = "Discovery significance at the configured exposure";
    t.header = {"method", "bins", "significance", "days to 5σ"};
    t.rows.push_back({"counting, N<sub>sig</sub>/√(N<sub>sig</sub>+N<sub>bkg</sub>) (the paper's eq. 1)", "1",
                      fixed(number(counting, "significance"), 2) + " σ", fixed(number(counting, "days_to_5sigma"), 1)});
    if (counting.contains("asimov_significance") && counting["asimov_significance"].is_number())
      t.rows.push_back({"counting, Asimov √(2[(s+b)ln(1+s/b) − s])", "1", fixed(number(counting, "asimov_significance"), 2) + " σ", ""});
    if (likelihood.is_object() && likelihood.contains("binnings"))
      for (const auto& b : likelihood["binnings"])
        t.rows.push_back({"likelihood (Asimov), " + html_escape(b.value("binning", "")), fmt::format("{}", b.value("bins", 0)),
                          fixed(number(b, "significance"), 2) + " σ",
                          b.contains("days_to_5sigma") && b["days_to_5sigma"].is_number() ? fixed(number(b, "days_to_5sigma"), 1)
                                                                                          : "beyond 10<sup>4</sup> × the exposure"});
    std::string body = t.html();
    if (likelihood.is_object() && likelihood.contains("parameters")) {
      Table p;
      p.caption = "Nuisance parameters of the likelihood sensitivity";
      p.header = {"parameter", "constraint", "σ", "source"};
      for (const auto& q : likelihood["parameters"])
        p.rows.push_back({html_escape(q.value("name", "")), html_escape(q.value("constraint", "")),
                          q.contains("sigma") && q["sigma"].is_number() ? sig(number(q, "sigma"), 3) : "",
                          "<span class=\"note\">" + html_escape(q.value("source", "")) + "</span>"});
      if (p.rows.size() <= 12) body += p.html();
    }
    page.section("sensitivity", "Sensitivity", body);
  }

  page.section("figures", "Figures of the paper (prediction)",
               figures_grid(page, {{"fig05_selection_efficiency", "Figure 5 — selection efficiency over NPE (two-PMT coincidence)"},
                                   {"fig06_recoil_spectrum", "Figure 6 — CEvNS recoil spectrum per flavour and isotope"},
                                   {"fig07_npe_spectrum", "Figure 7 — photoelectron spectrum before the selection"},
                                   {"fig09_backgrounds", "Figure 9 — backgrounds after the selection over NPE"},
                                   {"fig10_dark_counts_model", "Figure 10 (model) — PMT dark counts with and without the coincidence"},
                                   {"fig_arrival_time", "Arrival time of signal and backgrounds in the NPE region of interest"},
                                   {"fig13_signal_background", "Figure 13 — signal and background after the selection"},
                                   {"fig14_significance_map", "Figure 14 — counting significance over mass × time"},
                                   {"fig14_significance_map_likelihood", "Figure 14 from the likelihood (NPE × time, Asimov)"}}));

  // The Monte Carlo.
  if (mc) {
    const auto& m = study["mc"];
    std::vector<std::pair<std::string, std::string>> rows{
        {"exposure", fmt::format("{} ({} triggers, {} waveforms), seed {}", html_escape(m.value("exposure", "")),
                                 whole(number(m, "triggers")), html_escape(m.value("mode", "")), m.value("seed", 0))},
        {"configuration", html_escape(m.value("note", ""))}};
    if (const json* s = stage_record(study, "simulate"))
      rows.emplace_back("simulated", fmt::format("{} beam-on triggers, {} protons on target", whole(number(*s, "beam_on_triggers")),
                                                 sig(number(*s, "protons_on_target"), 4)));
    if (const json* s = stage_record(study, "reconstruct"))
      rows.emplace_back("reconstructed", fmt::format("{} crystal rows from {} ADC samples{}", whole(number(*s, "crystal_rows")),
                                                     whole(number(*s, "samples")),
                                                     s->value("nominal_spe_charge", false) ? " (nominal single-PE charge: too few pulses to calibrate)" : ""));
    std::string body = facts(rows);
    if (selection.is_object() && selection.contains("cut_flow")) {
      std::vector<std::string> sources;
      for (const auto& stage : selection["cut_flow"])
        for (const auto& [src, n] : stage["by_source"].items())
          if (std::find(sources.begin(), sources.end(), src) == sources.end()) sources.push_back(src);
      Table t;
      t.caption = "Cut flow of the Monte Carlo: candidate crystals surviving each stage, in all and per true source";
      t.header = {"stage", "all", "share"};
      for (const auto& s : sources) t.header.push_back(html_escape(s));
      const double first = selection["cut_flow"].empty() ? 0.0 : number(selection["cut_flow"][0], "candidates");
      for (const auto& stage : selection["cut_flow"]) {
        std::vector<std::string> row{html_escape(stage.value("stage", "")), whole(number(stage, "candidates")),
                                     first > 0 ? sig(100.0 * number(stage, "candidates") / first, 3) + " %" : "–"};
        for (const auto& s : sources)
          row.push_back(stage["by_source"].contains(s) ? whole(stage["by_source"][s].get<double>()) : "0");
        t.rows.push_back(row);
      }
      body += t.html();
      if (selection.contains("windows")) {
        Table w;
        w.caption = "The two windows of every trigger (criteria 1–4, no region of interest)";
        w.header = {"window", "triggers kept", "live time", "selected candidates"};
        for (const auto& [name, win] : selection["windows"].items()) {
          if (win.is_null()) continue;
          const auto& flow = win["cut_flow"];
          w.rows.push_back({html_escape(name), whole(number(win, "triggers_kept")), sig(number(win, "live_time_s"), 4) + " s",
                            flow.empty() ? "–" : whole(number(flow[flow.size() - 2], "candidates"))});
        }
        body += w.html();
      }
    } else {
      body += "<p class=\"note\">The selection stage has not run (yet): no cut flow.</p>\n";
    }
    body += figures_grid(page, {{"selection/fig10_npe_before_after_coincidence",
                                 "Figure 10 from the Monte Carlo — NPE of every candidate without and with the coincidence"},
                                {"selection/fig_npe_response", "Reconstructed against true NPE of the simulated candidates"}});
    page.section("montecarlo", "Monte Carlo: simulation, reconstruction, selection", body);
  }

  // The fit and the closure.
  if (mc) {
    std::string body;
    if (fitted.is_object()) {
      const auto& poi = fitted["poi"];
      std::vector<std::pair<std::string, std::string>> rows{
          {"data", html_escape(fitted.value("data", ""))},
          {"model", html_escape(fitted.value("fit_config", ""))},
          {"CEvNS (" + html_escape(poi.value("name", "")) + ")",
           fmt::format("{} ± {} events (1σ interval {} – {}; 95 % CL upper limit {})", fixed(number(poi, "events"), 1),
                       fixed(number(poi, "events_error"), 1), fixed(poi["interval_1sigma"][0].get<double>(), 1),
                       fixed(poi["interval_1sigma"][1].get<double>(), 1), fixed(number(poi, "upper_limit_95_events"), 1))},
          {"significance", fmt::format("{} σ (q<sub>0</sub> = {}, p = {})", fixed(number(fitted["significance"], "z_wilks"), 2),
                                       sig(number(fitted["significance"], "q0"), 4), sig(number(fitted["significance"], "p_value"), 3))},
          {"goodness of fit", fmt::format("Poisson deviance {} for {} bins, {} free parameters (p = {})",
                                          sig(number(fitted["goodness_of_fit"], "deviance"), 4), fitted["goodness_of_fit"].value("bins", 0),
                                          fitted["goodness_of_fit"].value("free_parameters", 0),
                                          sig(number(fitted["goodness_of_fit"], "p_value_chi2"), 3))},
          {"minimum", fmt::format("{} ({}, {} evaluations, Hessian {}), {}",
                                  fitted["minimum"].value("converged", false) ? "<span class=\"good\">converged</span>"
                                                                              : "<span class=\"bad\">not converged</span>",
                                  html_escape(fitted["minimum"].value("status", "")), fitted["minimum"].value("evaluations", 0),
                                  fitted["minimum"].value("hessian_positive_definite", false) ? "positive definite" : "NOT positive definite",
                                  duration(number(fitted["minimum"], "seconds")))}};
      body += facts(rows);
      Table t;
      t.caption = "Fitted parameters (the per-NPE-bin steady-state rates ss_npe… are summarised below the table)";
      t.header = {"parameter", "fitted", "error", "nominal", "constraint", "pull", "events", "source"};
      int steady = 0;
      for (const auto& p : fitted["parameters"]) {
        const std::string name = p.value("name", "");
        if (name.rfind("ss_", 0) == 0) {
          ++steady;
          continue;
        }
        t.rows.push_back({html_escape(name), sig(number(p, "value"), 4), sig(number(p, "error"), 3), sig(number(p, "nominal"), 3),
                          html_escape(p.value("constraint", "")) + (p.contains("sigma") ? " (σ " + sig(number(p, "sigma"), 3) + ")" : ""),
                          p.contains("pull") ? fmt::format("{:+.2f}", number(p, "pull")) : "",
                          p.contains("events") ? fixed(number(p, "events"), 1) : "",
                          "<span class=\"note\">" + html_escape(p.value("source", "")) + "</span>"});
      }
      body += t.html();
      if (steady > 0)
        body += fmt::format("<p class=\"note\">{} free steady-state rates, one per NPE bin, measured by the off-beam window.</p>\n",
                            steady);
      if (fitted.contains("post_fit_yields")) {
        std::vector<std::string> regions;
        for (const auto& [r, n] : fitted["observed"].items()) regions.push_back(r);
        Table y;
        y.caption = "Post-fit yields per region (events) against the observed counts";
        y.header = {"sample"};
        for (const auto& r : regions) y.header.push_back(html_escape(r));
        for (const auto& [sample, per] : fitted["post_fit_yields"].items()) {
          std::vector<std::string> row{html_escape(sample)};
          for (const auto& r : regions) row.push_back(per.contains(r) ? fixed(per[r].get<double>(), 1) : "");
          y.rows.push_back(row);
        }
        std::vector<std::string> obs{"observed"};
        for (const auto& r : regions) obs.push_back(whole(fitted["observed"][r].get<double>()));
        y.rows.push_back(obs);
        std::string yt = y.html();
        yt.replace(yt.rfind("<tr>"), 4, "<tr class=\"total\">");
        body += yt;
      }
      std::vector<std::pair<std::string, std::string>> figs;
      for (const auto& [r, n] : fitted["observed"].items()) {
        figs.emplace_back("fit/fit_" + r + "_npe", "Post-fit NPE spectrum, " + html_escape(r) + " (data ± √N over the stacked components)");
        figs.emplace_back("fit/fit_" + r + "_time", "Post-fit arrival time, " + html_escape(r));
      }
      figs.emplace_back("fit/fit_profile", "Profile likelihood of the CEvNS count with its 1σ and 2σ crossings");
      figs.emplace_back("fit/fit_pulls", "Pulls of the constrained nuisance parameters");
      figs.emplace_back("fit/fit_correlation", "Correlations of the fitted parameters");
      body += figures_grid(page, figs);
    } else {
      body += "<p class=\"note\">The fit stage has not run (yet).</p>\n";
    }
    page.section("fit", "Likelihood fit of the Monte Carlo", body);

    if (closure.is_object()) {
      const bool closes = closure.value("closes", false);
      std::vector<std::pair<std::string, std::string>> rows{
          {"injected (truth)", fixed(number(closure, "injected_cevns"), 0) +
                                   " CEvNS crystals selected in the region of interest"},
          {"predicted", fixed(number(closure, "predicted_cevns"), 1) + " for the same " +
                            sig(number(closure, "protons_on_target"), 4) + " protons on target (" +
                            fmt::format("{:+.2f}", number(closure, "injected_vs_predicted_sigma")) + " √N from the truth)"},
          {"fitted", fixed(number(closure, "fitted_cevns"), 1) + " ± " + fixed(number(closure, "fitted_cevns_error"), 1)},
          {"pull", fmt::format("{:+.2f} ({})", number(closure, "pull"), html_escape(closure.value("pull_definition", "")))},
          {"verdict", std::string(closes ? "<span class=\"good\">closes</span>" : "<span class=\"bad\">does not close</span>") +
                          " — criterion: " + html_escape(closure.value("criterion", ""))}};
      page.section("closure", "Closure: fit against the injected truth", facts(rows));
    }
  }

  // The run: stages, times, seeds, fingerprints.
  {
    Table t;
    t.caption = "Stages of this study (study.json); a kept stage was done before with the same fingerprint (--resume)";
    t.header = {"stage", "status", "time", "finished", "fingerprint", "files"};
    double total = 0.0;
    for (const auto& s : study.value("stages", json::array())) {
      const bool reused = s.value("reused", false);
      total += reused ? 0.0 : number(s, "seconds", 0.0);
      t.rows.push_back({html_escape(s.value("name", "")), reused ? "kept from an earlier run" : html_escape(s.value("status", "")),
                        duration(number(s, "seconds")), html_escape(s.value("finished_utc", "")),
                        "<code>" + html_escape(s.value("hash", "")) + "</code>", fmt::format("{}", s.value("files", json::array()).size())});
    }
    for (const std::string name : {"prediction", "simulate", "reconstruct", "select", "fit"})
      if (!stage_record(study, name) && (name == "prediction" || mc))
        t.rows.push_back({name, "<span class=\"bad\">not run</span>", "", "", "", ""});
    std::vector<std::pair<std::string, std::string>> rows{
        {"program", "cevns " + html_escape(study.value("cevns_version", "?"))},
        {"command", "<code>" + html_escape(study.value("command", "")) + "</code>"},
        {"configuration file", "<code>" + html_escape(study.value("config_file", "")) + "</code>"},
        {"seed", fmt::format("{} (Monte Carlo; every trigger block has its own stream, so results do not depend on the {} thread(s))",
                             study.value("seed", 0), study.value("threads", 0))},
        {"started", html_escape(study.value("started_utc", ""))},
        {"wall time", duration(number(study, "seconds")) + " for this run (" + duration(total) + " in the stages it ran)"}};
    std::string overrides;
    for (const auto& o : study.value("overrides", json::array())) overrides += "<code>--set " + html_escape(o.get<std::string>()) + "</code> ";
    if (!overrides.empty()) rows.emplace_back("overrides", overrides);
    page.section("run", "Program, seeds and timings", facts(rows) + t.html());
  }

  if (const auto toml = read_file(dir / "config.toml"))
    page.section("configuration", "Resolved configuration",
                 "<p class=\"note\">Defaults filled in, overrides applied: <code>cevns run --config config.toml</code> "
                 "repeats the study. The Monte Carlo ran with the scaling above added.</p>\n<pre>" +
                     html_escape(*toml) + "</pre>\n");
  return page.html(experiment + " — cevns study", header);
}

fs::path write_html_report(const fs::path& dir) {
  const fs::path file = dir / "report.html";
  io::write_file_atomically(file, html_report(dir));
  return file;
}

}  // namespace cevns::report
