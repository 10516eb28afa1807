// progress.h — roster-backup's progress display on stderr, for operations
// that report (done, total) through store::Progress: one line redrawn in
// place, at most ten times a second, with the amount done of the total, the
// rate and the time left, e.g.
//   export  [########                ]  45,056/120,000 rows  37%  52,114 rows/s  1s left
// It draws only when enabled (stderr is a terminal and --quiet was not
// given), so pipes and scripts see nothing but the result.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "store/file_tools.h"

namespace roster::backup {

// Whether to draw: stderr is a terminal and the user did not ask for quiet.
bool ProgressWanted(bool quiet);

class ProgressLine {
 public:
  enum class Unit { kCount, kBytes };
  // `what` starts the line ("export"), `noun` follows counts ("rows").
  ProgressLine(std::string what, std::string noun, Unit unit, bool enabled);
  ~ProgressLine();  // ends the line if one was drawn
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // The callback for the store operation (empty when disabled, so the
  // operation skips the work of counting).
  store::Progress Callback();
  void Update(int64_t done, int64_t total);

 private:
  std::string Amount(int64_t n) const;
  void Draw(int64_t done, int64_t total);

  std::string what_, noun_;
  Unit unit_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace roster::backup
