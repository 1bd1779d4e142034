#pragma once
/// \file
/// An ordered parallel pipeline: items 0 … n − 1 are produced on the calling thread,
/// transformed on `threads` workers, and consumed on the calling thread in item order,
/// with at most 2 × threads items in flight (bounded memory). Producing and consuming on
/// the caller suits libraries that are not thread-safe (HDF5).

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace cevns {

/// The most worker threads a pipeline may be given: 4 per core. More do not run faster,
/// they only hold more items in memory (two per thread, up to 256 MB each for full-mode
/// trigger blocks).
[[nodiscard]] inline int max_pipeline_threads() {
  return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

/// Runs produce(i) → In on the caller, transform(In&&) → Out on the workers, and
/// consume(i, Out&&) on the caller in order. The first exception thrown anywhere stops
/// the pipeline and is rethrown.
template <class Produce, class Transform, class Consume>
void ordered_pipeline(std::uint64_t items, int threads, Produce produce, Transform transform, Consume consume) {
  using In = decltype(produce(std::uint64_t{}));
  using Out = decltype(transform(std::declval<In&&>()));
  const auto workers = static_cast<std::uint64_t>(threads < 1 ? 1 : threads);
  const std::uint64_t in_flight = 2 * workers;

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::uint64_t, In> waiting;  // produced, not yet taken by a worker
  std::map<std::uint64_t, Out> done;    // transformed, not yet consumed
  std::uint64_t produced = 0, consumed = 0;
  std::exception_ptr failure;

  const auto work = [&] {
    for (;;) {
      std::optional<std::pair<std::uint64_t, In>> job;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return failure || !waiting.empty() || (produced == items && waiting.empty()); });
        if (failure || waiting.empty()) return;
        auto node = waiting.extract(waiting.begin());
        job.emplace(node.key(), std::move(node.mapped()));
      }
      try {
        Out out = transform(std::move(job->second));
        std::lock_guard lock(mutex);
        done.emplace(job->first, std::move(out));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      changed.notify_all();
    }
  };

  std::vector<std::thread> pool;
  for (std::uint64_t t = 0; t < workers; ++t) pool.emplace_back(work);
  try {
    while (consumed < items) {
      // Produce while there is room, then consume what is ready in order.
      bool can_produce = false;
      {
        std::lock_guard lock(mutex);
        if (failure) break;
        can_produce = produced < items && produced < consumed + in_flight;
      }
      if (can_produce) {
        In in = produce(produced);
        {
          std::lock_guard lock(mutex);
          waiting.emplace(produced, std::move(in));
          ++produced;
        }
        changed.notify_all();
        continue;
      }
      std::optional<Out> out;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return failure || done.count(consumed) > 0; });
        if (failure) break;
        auto node = done.extract(consumed);
        out.emplace(std::move(node.mapped()));
      }
      consume(consumed, std::move(*out));
      {
        std::lock_guard lock(mutex);
        ++consumed;
      }
      changed.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mutex);
    if (!failure) failure = std::current_exception();
  }
  {
    std::lock_guard lock(mutex);
    if (!failure && consumed < items) failure = std::make_exception_ptr(std::runtime_error("pipeline stopped early"));
    produced = items;  // let idle workers leave
  }
  changed.notify_all();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cevns
