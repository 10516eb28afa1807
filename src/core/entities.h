// entities.h — the change feed's entity set, defined once: every kind of row
// the feed carries (`changes.entity`), the table its rows live in, the view
// that spells its row JSON (the one the triggers and snapshots read), how a
// snapshot orders it and whether a snapshot that names no entities includes
// it. The dispatcher's watch validation, the snapshot reader, export and
// import, rosterctl (`watch --entity`, top) and the tests read this table;
// nothing else lists the entities.
//
// The SQL side — the table, its feed view, its triggers and its row in the
// `entities` table — is in the migrations (schema/roster.sql shows them
// together); a test checks that the two sides agree. docs/architecture.md,
// "Adding an entity", lists every file a new entity touches.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace roster {

// How a snapshot orders an entity's rows.
enum class SnapshotOrder {
  kKey,         // by key, as text
  kNumericKey,  // by key read as an integer (keys that are row ids)
  kStored,      // as the table holds them (by rowid; with a session filter, by its index)
};

struct Entity {
  std::string_view name;   // in changes.entity, watch's `entities` and events: "session"
  std::string_view table;  // the table holding its rows: "sessions"
  std::string_view view;   // its rows in the feed's shape (entity, key, session_id, data)
  SnapshotOrder order;
  bool in_default_snapshot;  // a snapshot that names no entities includes it
};

inline constexpr Entity kSessionEntity{"session", "sessions", "feed_sessions", SnapshotOrder::kKey,
                                       true};
inline constexpr Entity kPauseEntity{"pause", "pauses", "feed_pauses", SnapshotOrder::kNumericKey,
                                     true};
inline constexpr Entity kTeamEntity{"team", "teams", "feed_teams", SnapshotOrder::kKey, true};
inline constexpr Entity kTeamAgentEntity{"team_agent", "team_agents", "feed_team_agents",
                                         SnapshotOrder::kKey, true};
// Logs are the bulk of a database: a snapshot carries them only when asked.
inline constexpr Entity kLogEntity{"log", "log_entries", "feed_logs", SnapshotOrder::kStored,
                                   false};

// Every entity, parents before children (a table's foreign keys name tables
// before it): the order of a snapshot and of an export.
inline constexpr std::array kEntities = {&kSessionEntity, &kPauseEntity, &kTeamEntity,
                                         &kTeamAgentEntity, &kLogEntity};

// The entity named `name`, or nullptr.
const Entity* FindEntity(std::string_view name);

// The entities' names, in kEntities order, joined by `separator`.
std::string EntityNames(std::string_view separator);

}  // namespace roster
