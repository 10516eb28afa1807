// secret.h — the cluster secret: the bytes every member of a cluster shares
// and proves it knows at each door connection (cluster/handshake.h). It is
// read once at start from the file `cluster_secret_file` names; the file
// must belong to nobody but its owner (no group or other permission bits,
// like an ssh key), and hold at least kMinSecretBytes after its trailing
// whitespace (a final newline) is trimmed.
//
// Usage:
//   auto secret = cluster::LoadSecret("/etc/roster/cluster.secret");
//   if (!secret.ok()) { /* a sentence: missing, too short, too open */ }
//
// No state: safe on any thread.
#pragma once

#include <cstddef>
#include <string>

#include "util/status.h"

namespace roster::cluster {

inline constexpr size_t kMinSecretBytes = 16;
inline constexpr size_t kMaxSecretBytes = 4096;

// The secret in `path`, trailing whitespace trimmed. invalid_params with a
// sentence naming the file when it is missing or unreadable, not a regular
// file, group- or other-accessible, shorter than kMinSecretBytes or longer
// than kMaxSecretBytes.
Result<std::string> LoadSecret(const std::string& path);

}  // namespace roster::cluster
