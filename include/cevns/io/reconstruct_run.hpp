#pragma once
/// \file
/// `cevns reconstruct` as a library call: every block of a raw file through a
/// reco::Reconstruction in one pass, in parallel, with the single-PE calibration collected
/// on the way (docs/reconstruction.md "Speed").

#include <cstddef>
#include <cstdint>
#include <functional>

#include "cevns/io/raw_file.hpp"
#include "cevns/reco/reconstruction.hpp"

namespace cevns::io {

/// What reconstruct_run did.
struct ReconstructRunSummary {
  std::uint64_t blocks = 0, triggers = 0, rows = 0;
  std::uint64_t samples = 0;             ///< ADC samples reconstructed (full waveforms or segments)
  std::uint64_t calibration_blocks = 0;  ///< blocks whose pretrace pulses calibrated the single-PE charge
  bool nominal_spe_charge = false;       ///< too few pulses: the acquisition's nominal charge was taken
};

/// Reconstructs every block of `reader` with `reco` on `threads` workers. Reading (HDF5)
/// and `consume` stay on the calling thread; checking and reconstructing run on the
/// workers. Full-mode blocks go through in slices of 8 MB (about 10 CLOVERS triggers):
/// each trigger's chunk is read as stored into a buffer the workers reuse, then its
/// checksum, ADC range and reconstruction follow while it is in the cache.
///
/// When `reco` still has to calibrate, the pretrace pulses of the first blocks are
/// collected in the same pass, block by block in file order until every channel has
/// enough (the blocks collect_calibration would read); rows wait, with their charges
/// in ADC counts, until the charges are fixed. With too few pulses in the whole file,
/// the nominal single-PE charge is taken (finish_calibration(true)). `calibrated()` is
/// called once the charges are fixed, before the first `consume`; `consume` receives the
/// reduced blocks in order; `progress` is called after each block with what was done so
/// far (`blocks` reconstructed and written; while calibrating, `calibration_blocks`). `slice_triggers`:
/// triggers per full-mode slice (0: as many as fill 8 MB).
///
/// [first_block, end_block): the blocks to reconstruct and hand to `consume` (a part of
/// the run, `--part`); the calibration is still collected from the first blocks of the
/// file as for the whole run, so that every part gets the whole run's single-PE charges
/// and its rows are bit for bit those of a single process.
ReconstructRunSummary reconstruct_run(const RawFileReader& reader, reco::Reconstruction& reco, int threads,
                                      const std::function<void()>& calibrated,
                                      const std::function<void(reco::ReducedBlock&&)>& consume,
                                      const std::function<void(const ReconstructRunSummary&)>& progress = {},
                                      std::size_t slice_triggers = 0, std::uint64_t first_block = 0,
                                      std::uint64_t end_block = UINT64_MAX);

}  // namespace cevns::io
