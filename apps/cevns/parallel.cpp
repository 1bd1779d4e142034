#include "parallel.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/io/output_guard.hpp"

#ifdef CEVNS_HAVE_MPI
// The C API only: OpenMPI's and MPICH's deprecated C++ bindings need libraries of their own.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace cevns::app {

namespace fs = std::filesystem;

namespace {

int rank_ = 0;
int size_ = 1;
[[maybe_unused]] bool initialised_ = false;

/// Progress messages of the ranks to rank 0: {units done, finished}.
[[maybe_unused]] constexpr int progress_tag = 4242;

/// Started by a process manager that expects MPI: mpirun of OpenMPI (OMPI_COMM_WORLD_SIZE),
/// PMI (MPICH, Slurm's srun) or PMIx. A cevns run by hand does not initialise MPI, which
/// would cost OpenMPI's singleton start-up.
[[maybe_unused]] bool launched_by_mpirun() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(variable) != nullptr) return true;
  return false;
}

#ifdef CEVNS_HAVE_MPI
/// Waits for a non-blocking operation without spinning: OpenMPI's blocking collectives
/// poll at full speed, so a rank that finished first would take a core from the ranks
/// still working (measured: 2 ranks on 2 cores ran at the speed of one). Sleeping 1 ms
/// between tests costs at most that much per collective.
void wait_gently(MPI_Request& request) {
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}
#endif

[[maybe_unused]] double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Job::Job([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#ifdef CEVNS_HAVE_MPI
  if (!launched_by_mpirun()) return;
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    std::fprintf(stderr, "cevns: error: MPI_Init_thread failed under mpirun\n");
    std::exit(1);
  }
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#endif
}

Job::~Job() {
#ifdef CEVNS_HAVE_MPI
  if (initialised_) MPI_Finalize();
#endif
}

int Job::abort_others(int code) {
#ifdef CEVNS_HAVE_MPI
  if (initialised_ && size_ > 1) {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
  }
#endif
  return code;
}

int job_rank() { return rank_; }
int job_size() { return size_; }
bool built_with_mpi() {
#ifdef CEVNS_HAVE_MPI
  return true;
#else
  return false;
#endif
}

void quiet_other_ranks() {
  if (rank_ == 0) return;
  set_log_level(LogLevel::error);
  if (std::freopen("/dev/null", "w", stdout) == nullptr) std::fclose(stdout);
}

void job_barrier() {
#ifdef CEVNS_HAVE_MPI
  if (size_ > 1) {
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    wait_gently(request);
  }
#endif
}

void job_sum([[maybe_unused]] std::vector<double>& values) {
#ifdef CEVNS_HAVE_MPI
  if (size_ > 1) {
    MPI_Request request;
    MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD,
                   &request);
    wait_gently(request);
  }
#endif
}

double job_max(double value) {
#ifdef CEVNS_HAVE_MPI
  if (size_ > 1) {
    MPI_Request request;
    MPI_Iallreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &request);
    wait_gently(request);
  }
#endif
  return value;
}

std::vector<double> job_gather(const std::vector<double>& values) {
#ifdef CEVNS_HAVE_MPI
  if (size_ > 1) {
    int mine = static_cast<int>(values.size());
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_), 0);
    MPI_Request request;
    MPI_Iallgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD, &request);
    wait_gently(request);
    for (std::size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
    std::vector<double> all(static_cast<std::size_t>(offsets.back() + counts.back()));
    MPI_Iallgatherv(values.data(), mine, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE,
                    MPI_COMM_WORLD, &request);
    wait_gently(request);
    return all;
  }
#endif
  return values;
}

// ---------------------------------------------------------------------------------------

namespace {

/// Rank r's part file beside `output`: run.h5 → run.part1of2.h5 (not run.h5.part, the name
/// of an unfinished file).
fs::path rank_file(const fs::path& output, int rank, int size) {
  return output.parent_path() /
         fmt::format("{}.part{}of{}{}", output.stem().string(), rank + 1, size, output.extension().string());
}

}  // namespace

Share share_of_run(const std::string& part_option, const fs::path& output, std::uint64_t run_blocks,
                   std::uint64_t run_triggers) {
  Share share;
  share.output = share.file = output;
  if (!part_option.empty()) {
    if (in_parallel_job())
      throw ConfigError(fmt::format("--part {} under mpirun with {} ranks: the ranks share the run out themselves; "
                                    "give --part (job arrays) or mpirun -np N, not both",
                                    part_option, job_size()));
    const io::FilePart wanted = io::parse_part(part_option);
    share.part = io::part_of_run(wanted.index, wanted.count, run_blocks, run_triggers);
    return share;
  }
  if (!in_parallel_job()) return share;
  share.mpi = true;
  for (int r = 0; r < job_size(); ++r) share.rank_files.push_back(rank_file(output, r, job_size()));
  share.part = io::part_of_run(static_cast<std::uint32_t>(job_rank() + 1), static_cast<std::uint32_t>(job_size()),
                               run_blocks, run_triggers);
  share.file = share.rank_files[static_cast<std::size_t>(job_rank())];
  return share;
}

void finish_share(const Share& share) {
  if (!share.mpi) return;
  job_barrier();  // every rank's part file is closed
  if (share.root()) {
    const auto started = std::chrono::steady_clock::now();
    const auto merged = io::merge_parts(share.rank_files, share.output);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const auto& file : share.rank_files) {
      std::error_code error;
      fs::remove(file, error);
    }
    logger("merge")->info("merged the parts of {} ranks, {} blocks, into {} ({}, {} in {})", merged.parts,
                          merged.blocks, share.output.string(), io::format_bytes(static_cast<double>(merged.bytes_written)),
                          seconds > 0 ? io::format_bytes(static_cast<double>(merged.bytes_read) / seconds) + "/s" : "–",
                          format_duration(seconds));
  }
  job_barrier();  // the merged file is there for every rank
}

// ---------------------------------------------------------------------------------------

JobProgress::JobProgress(std::string component, std::uint64_t total, std::string unit)
    : bar_(std::move(component)),
      unit_(std::move(unit)),
      total_(total),
      done_(static_cast<std::size_t>(job_size()), 0),
      finished_(static_cast<std::size_t>(job_size()), false) {}

JobProgress::~JobProgress() {
#ifdef CEVNS_HAVE_MPI
  if (request_ != nullptr) {
    auto* request = static_cast<MPI_Request*>(request_);
    if (*request != MPI_REQUEST_NULL) MPI_Request_free(request);
    delete request;
  }
#endif
}

void JobProgress::show(const std::string& given) {
  if (job_rank() != 0) return;
  const std::uint64_t done = std::accumulate(done_.begin(), done_.end(), std::uint64_t{0});
  const double elapsed = bar_.elapsed_s();
  const std::string rate = elapsed > 0 ? fmt::format("{:.0f} {}/s", double(done) / elapsed, unit_) : "";
  std::string what = fmt::format("{} of {} {}", done, total_, unit_);
  if (in_parallel_job()) what += fmt::format(" on {} ranks", job_size());
  if (!rate.empty()) what += ", " + rate;
  if (!given.empty() && !in_parallel_job()) what = given;
  // Not "done" before every rank has said so.
  const bool all = std::all_of(finished_.begin(), finished_.end(), [](bool f) { return f; });
  const double fraction = total_ > 0 ? double(done) / double(total_) : 1.0;
  bar_.update(all ? fraction : std::min(fraction, 0.999), what);
}

void JobProgress::poll() {
#ifdef CEVNS_HAVE_MPI
  if (!in_parallel_job() || job_rank() != 0) return;
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, progress_tag, MPI_COMM_WORLD, &arrived, &status);
    if (!arrived) return;
    std::uint64_t message[2] = {0, 0};
    MPI_Recv(message, 2, MPI_UINT64_T, status.MPI_SOURCE, progress_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    done_[static_cast<std::size_t>(status.MPI_SOURCE)] = message[0];
    if (message[1] != 0) finished_[static_cast<std::size_t>(status.MPI_SOURCE)] = true;
  }
#endif
}

void JobProgress::update(std::uint64_t done, const std::string& what) {
  mine_ = done;
  if (job_rank() == 0) {
    done_[0] = done;
    poll();
    show(what);
    return;
  }
#ifdef CEVNS_HAVE_MPI
  // At most 5 messages a second, one in flight.
  const double t = now_s();
  if (t - last_sent_s_ < 0.2) return;
  if (request_ == nullptr) request_ = new MPI_Request(MPI_REQUEST_NULL);
  auto* request = static_cast<MPI_Request*>(request_);
  if (*request != MPI_REQUEST_NULL) {
    int complete = 0;
    MPI_Test(request, &complete, MPI_STATUS_IGNORE);
    if (!complete) return;
  }
  message_[0] = done;
  message_[1] = 0;
  MPI_Isend(message_, 2, MPI_UINT64_T, 0, progress_tag, MPI_COMM_WORLD, request);
  last_sent_s_ = t;
#endif
}

void JobProgress::finish(std::uint64_t done) {
  mine_ = done;
  if (job_rank() != 0) {
#ifdef CEVNS_HAVE_MPI
    if (request_ == nullptr) request_ = new MPI_Request(MPI_REQUEST_NULL);
    auto* request = static_cast<MPI_Request*>(request_);
    if (*request != MPI_REQUEST_NULL) wait_gently(*request);
    message_[0] = done;
    message_[1] = 1;
    MPI_Isend(message_, 2, MPI_UINT64_T, 0, progress_tag, MPI_COMM_WORLD, request);
    wait_gently(*request);
#endif
    return;
  }
  done_[0] = done;
  finished_[0] = true;
  // Rank 0: the others' progress until every rank is done.
  for (;;) {
    poll();
    show();
    if (std::all_of(finished_.begin(), finished_.end(), [](bool f) { return f; })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace cevns::app
