// big_buffer.cc — see big_buffer.h.
#include "util/big_buffer.h"

#include <sys/mman.h>

#include <cstdint>

namespace roster {

namespace {

constexpr size_t kHugePage = 2 << 20;
constexpr size_t kAdviseFrom = 4 << 20;

// Advises the whole 2 MiB pages inside [p, p + n) to use huge pages.
void AdviseHugePages(char* p, size_t n) {
  const auto begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHugePage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

void ReserveBig(std::string* s, size_t need) {
  if (s->capacity() >= need) return;
  const size_t cap = std::max(need, s->capacity() * 2);
  if (cap < kAdviseFrom) {
    s->reserve(cap);
    return;
  }
  // Advise before the copy, so the copy's first touches already take huge pages.
  std::string bigger;
  bigger.reserve(cap);
  AdviseHugePages(bigger.data(), cap);
  bigger.append(*s);
  s->swap(bigger);
}

}  // namespace roster
