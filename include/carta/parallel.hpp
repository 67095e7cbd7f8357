#pragma once
// Independent tasks on all cores. Each task writes its own result slot, so what a caller computes
// does not depend on how many threads ran it: the batch of meta-analyses, the permutation test
// and the figure renderer give the same output on one core and on many.

#include <cstddef>
#include <functional>

namespace carta {

// The number of threads to use for a request: `requested`, or one per core when it is 0.
unsigned thread_count(unsigned requested) noexcept;

// Runs task(i) for every i in [0, n) on up to `threads` threads (0 = one per core), the calling
// thread included. After the first task that throws, no new task starts; once every thread has
// stopped, the exception of the lowest failing index is rethrown (the one a sequential loop would
// have met first, among those that ran).
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& task);

}  // namespace carta
