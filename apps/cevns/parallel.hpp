#pragma once
/// \file
/// Production beyond one process (docs/production.md): MPI when cevns runs under
/// `mpirun` (and was built with it, CEVNS_MPI), `--part K/N` for job arrays without MPI.
/// Without MPI every function here is the single-process case: rank 0 of 1.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cevns/io/file_part.hpp"
#include "progress.hpp"

namespace cevns::app {

/// The MPI job this process belongs to, set up for the lifetime of the object (one, in
/// main): MPI_Init_thread when started by mpirun and built with MPI, MPI_Finalize at the
/// end. Only the thread that made it calls MPI (MPI_THREAD_FUNNELED).
class Job {
 public:
  Job(int& argc, char**& argv);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  /// After an error on this rank: ends every rank of a job of more than one (MPI_Abort
  /// with `code`), so that none waits for ever for this one. Returns `code` otherwise.
  static int abort_others(int code);
};

/// This process's rank in the job and the number of ranks (0 and 1 without MPI).
[[nodiscard]] int job_rank();
[[nodiscard]] int job_size();
/// More than one rank.
[[nodiscard]] inline bool in_parallel_job() { return job_size() > 1; }
/// Whether this build can run under MPI (CEVNS_MPI).
[[nodiscard]] bool built_with_mpi();

/// Ranks other than 0 log only errors and print nothing on stdout; call after the log
/// level is set.
void quiet_other_ranks();

/// Waits for every rank.
void job_barrier();
/// Sums `values` over the ranks, element by element, on every rank.
void job_sum(std::vector<double>& values);
/// The largest `value` of any rank, on every rank.
[[nodiscard]] double job_max(double value);
/// Every rank's `values` one after the other in rank order, on every rank.
[[nodiscard]] std::vector<double> job_gather(const std::vector<double>& values);

/// What this process writes of a run of `run_blocks` blocks: the whole run (one process),
/// its `--part K/N`, or under MPI the part of its rank, rank r writing part r+1 of N into
/// a part file beside the output (run.h5 → run.part1of2.h5) that rank 0 merges.
struct Share {
  std::optional<io::FilePart> part;  ///< std::nullopt: the whole run
  std::filesystem::path file;        ///< the file this process writes
  std::filesystem::path output;      ///< the file the user asked for
  bool mpi = false;                  ///< the parts of an MPI job, merged by rank 0
  std::vector<std::filesystem::path> rank_files;  ///< MPI: every rank's part file

  /// Blocks of this share: [first, end).
  [[nodiscard]] std::uint64_t first_block() const { return part ? part->first_block : 0; }
  [[nodiscard]] std::uint64_t end_block(std::uint64_t run_blocks) const { return part ? part->end_block : run_blocks; }
  /// Rank 0, or the only process: the one that claims the output and reports.
  [[nodiscard]] bool root() const { return job_rank() == 0; }
};

/// The share of this process. `part_option` is the text of --part ("" when not given);
/// it and an MPI job of more than one rank exclude each other (ConfigError).
[[nodiscard]] Share share_of_run(const std::string& part_option, const std::filesystem::path& output,
                                 std::uint64_t run_blocks, std::uint64_t run_triggers);

/// Under MPI, once this rank's part file is closed: rank 0 waits for every rank's, merges
/// them into the output (logging the merge) and removes them; the others wait for that.
/// Nothing for a single process.
void finish_share(const Share& share);

/// One progress line for the whole job: every rank reports the work it has done; rank 0
/// shows the sum over the ranks against the job's total, the others show nothing.
class JobProgress {
 public:
  /// `total`: the job's work in `unit`s (e.g. triggers); `this_rank`: this rank's share.
  JobProgress(std::string component, std::uint64_t total, std::string unit);
  ~JobProgress();
  JobProgress(const JobProgress&) = delete;
  JobProgress& operator=(const JobProgress&) = delete;

  /// This rank has done `done` units of its share. `what`: the text of a single process's
  /// line (default "D of T units, R units/s"); a job of several ranks always shows that.
  void update(std::uint64_t done, const std::string& what = {});
  /// This rank is done (with `done` units); rank 0 then shows the others' progress until
  /// every rank is done.
  void finish(std::uint64_t done);
  [[nodiscard]] double elapsed_s() const { return bar_.elapsed_s(); }

 private:
  void show(const std::string& what = {});
  void poll();
  ProgressBar bar_;
  std::string unit_;
  std::uint64_t total_;
  std::vector<std::uint64_t> done_;  // rank 0: per rank
  std::vector<bool> finished_;
  std::uint64_t mine_ = 0;
  double last_sent_s_ = -1.0;
  void* request_ = nullptr;  // a rank's send in flight (MPI_Request)
  std::uint64_t message_[2] = {0, 0};
};

}  // namespace cevns::app
