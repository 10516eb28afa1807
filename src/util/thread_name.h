// thread_name.h — names a thread (what top -H, perf and
// /proc/PID/task/TID/comm show), so each of rosterd's threads can be told
// apart when profiling. Named by the thread that starts it, so the name is
// in place before the start returns. Linux truncates names to 15 bytes.
#pragma once

#include <pthread.h>

#include <thread>

namespace roster {

inline void NameThread(std::thread& thread, const char* name) {
  pthread_setname_np(thread.native_handle(), name);
}

}  // namespace roster
