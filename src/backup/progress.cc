// progress.cc — the progress line (see progress.h).
#include "backup/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace roster::backup {

bool ProgressWanted(bool quiet) { return !quiet && isatty(2); }

ProgressLine::ProgressLine(std::string what, std::string noun, Unit unit, bool enabled)
    : what_(std::move(what)), noun_(std::move(noun)), unit_(unit), enabled_(enabled) {}

ProgressLine::~ProgressLine() {
  if (drawn_) std::cerr << "\n" << std::flush;
}

store::Progress ProgressLine::Callback() {
  if (!enabled_) return {};
  return [this](int64_t done, int64_t total) { Update(done, total); };
}

// 1,234,567 rows, or 12.3 MB.
std::string ProgressLine::Amount(int64_t n) const {
  char buf[32];
  if (unit_ == Unit::kBytes) {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
    return buf;
  }
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void ProgressLine::Update(int64_t done, int64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  const bool last = total > 0 && done >= total;
  if (!last && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done, total);
}

void ProgressLine::Draw(int64_t done, int64_t total) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string line = what_ + "  ";
  if (total > 0) {
    const int width = 24;
    const int filled = static_cast<int>(width * std::min(done, total) / total);
    line += "[" + std::string(filled, '#') + std::string(width - filled, ' ') + "]  ";
    line += Amount(done) + "/" + Amount(total);
  } else {
    line += Amount(done);
  }
  if (unit_ == Unit::kCount) line += " " + noun_;
  if (total > 0) line += "  " + std::to_string(100 * std::min(done, total) / total) + "%";
  if (secs > 0) {
    line += "  " + Amount(static_cast<int64_t>(rate)) + (unit_ == Unit::kCount ? " " + noun_ : "") +
            "/s";
    if (total > 0 && rate > 0 && done < total) {
      line += "  " + std::to_string(static_cast<int64_t>((total - done) / rate + 0.999)) + "s left";
    }
  }
  std::cerr << "\r" << line << "\x1b[K" << std::flush;  // \e[K: clear what a longer line left
  drawn_ = true;
}

}  // namespace roster::backup
