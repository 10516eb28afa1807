// entities.cc — lookups over the entity table (entities.h).
#include "core/entities.h"

namespace roster {

const Entity* FindEntity(std::string_view name) {
  for (const Entity* e : kEntities) {
    if (e->name == name) return e;
  }
  return nullptr;
}

std::string EntityNames(std::string_view separator) {
  std::string out;
  for (const Entity* e : kEntities) {
    if (!out.empty()) out += separator;
    out += e->name;
  }
  return out;
}

}  // namespace roster
