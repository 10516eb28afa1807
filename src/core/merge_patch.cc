// merge_patch.cc — RFC 7386 merge patch on Boost.JSON objects.
#include "core/merge_patch.h"

namespace roster {

void ApplyMergePatch(boost::json::object& target, const boost::json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object()) {
      boost::json::value& slot = target[key];
      if (!slot.is_object()) slot = boost::json::object();
      ApplyMergePatch(slot.as_object(), value.as_object());
    } else {
      target[key] = value;
    }
  }
}

}  // namespace roster
