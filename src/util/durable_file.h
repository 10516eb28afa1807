// durable_file.h — small files that must survive a crash whole: written to a
// temporary file beside the target, fsynced, renamed into place, and the
// directory fsynced, so a reader finds the old content or the new one,
// never a part (the clean-shutdown marker, a cluster member's record).
#pragma once

#include <string>

#include "util/status.h"

namespace roster {

// Replaces `path` with `text` as the header says (mode 0600). On failure the
// old file is left as it was; the Status names the path and the reason.
Status WriteFileDurably(const std::string& path, const std::string& text);

// fsyncs the directory holding `path` (after a rename or an unlink in it).
void SyncDirectoryOf(const std::string& path);

}  // namespace roster
