// thread_name.h — names the calling thread (what top -H, perf and
// /proc/PID/task/TID/comm show), so each of rosterd's threads can be told
// apart when profiling. Linux truncates names to 15 bytes.
#pragma once

#include <pthread.h>

namespace roster {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace roster
