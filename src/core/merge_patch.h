// merge_patch.h — JSON Merge Patch (RFC 7386), used for session `meta`.
#pragma once

#include <boost/json.hpp>

namespace roster {

// Applies `patch` to `target` in place: object members are merged
// recursively, a null member removes the key, any other value replaces.
void ApplyMergePatch(boost::json::object& target, const boost::json::object& patch);

}  // namespace roster
