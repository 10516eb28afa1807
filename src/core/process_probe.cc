// process_probe.cc — the real probe: /proc/PID/stat (core/proc_stat.h) and
// `tmux list-sessions` (core/tmux.h).
#include "core/process_probe.h"

#include "core/proc_stat.h"
#include "core/tmux.h"

namespace roster {
namespace {

class SystemProbe final : public ProcessProbe {
 public:
  std::optional<int64_t> StartTime(int64_t pid) override {
    auto st = ReadProcStat(pid);
    if (!st) return std::nullopt;
    return st->start_time;
  }

  std::optional<std::set<std::string>> TmuxSessions() override { return TmuxSessionNames(); }
};

}  // namespace

std::shared_ptr<ProcessProbe> SystemProcessProbe() { return std::make_shared<SystemProbe>(); }

}  // namespace roster
