#pragma once
/// \file
/// How the plotting module (libcevns_plots.so, plots.cpp) and its loader (plots_loader.cpp)
/// meet: each figure function F of the module is published as the C symbol cevns_plot_F,
/// a pointer to it; the loader finds it with dlsym and calls it with F's own signature.
/// A new figure: declare it in a header, define it in a source of the cevns_plots module
/// with CEVNS_PLOT_ENTRY(F) after it, and forward to it from the loader side with
/// plotting_function<decltype(&F)>("cevns_plot_F") (see plots_loader.cpp).

#define CEVNS_PLOT_ENTRY(function)                                         \
  extern "C" __attribute__((visibility("default"))) const auto cevns_plot_##function = \
      &cevns::report::function;

namespace cevns::report {

/// The address of symbol `name` of the plotting module, which is opened on the first call
/// (CEVNS_PLOTS_MODULE in the environment names it; else beside the program, then where
/// it was built and installed). Throws cevns::Error when the module cannot be opened or
/// lacks the symbol.
void* plotting_symbol(const char* name);

/// The figure function published as `name` (CEVNS_PLOT_ENTRY), of type F (a function pointer).
template <class F>
F plotting_function(const char* name) {
  return *static_cast<const F*>(plotting_symbol(name));
}

}  // namespace cevns::report
