// big_buffer.h — growing the multi-megabyte strings that carry big replies
// (a session.list of 100,000 sessions is ~28 MB).
//
// On the paravirtualised VMs Roster is measured on, a first touch of a 4 KiB
// page costs ~11 µs, so filling a fresh 28 MB buffer cost ~80 ms in page
// faults alone. Buffers of 4 MiB and more are therefore advised to use
// transparent huge pages (one fault per 2 MiB; ~8 ms for the same buffer)
// when the kernel allows it (THP "madvise" or "always"); otherwise the advice
// is a no-op. Freed, such a buffer goes back to rosterd's allocator
// (mimalloc), which keeps little of it: with 100,000 sessions the daemon's RSS
// is 19 MiB before the first full list and 41 MiB after it and after any
// number of further lists (the serving reader's 8 MiB page cache included).
#pragma once

#include <string>

namespace roster {

// Ensures s->capacity() >= need, at least doubling, so appending row by row
// stays linear. Thread-safe for distinct strings.
void ReserveBig(std::string* s, size_t need);

}  // namespace roster
