// file_engine.h — the file engine: one SQLite file in WAL mode, owned by one
// rosterd (DB.lock beside it).
//
// Open: take DB.lock (a second daemon is refused, naming the holder), take
// the clean-shutdown marker (clean_shutdown.h), open the writer connection
// (migrations; its automatic checkpoints off, so no commit pays for one), and
// run PRAGMA quick_check plus a foreign-key check unless the marker vouches
// for the file and the feed still ends at its rev.
//
// Maintenance is the WAL's checkpoint, in two parts per cleanup round: PASSIVE
// passes on a reader beside the writes, repeated while each still finds much
// new (up to eight, until under 1 MiB was written during the one before),
// then a sync of the database file (a pass that stops short of the WAL's end
// never syncs it); a last PASSIVE pass on the writer between batches copies
// the rest, so the next write restarts the WAL from its beginning and
// journal_size_limit cuts the file back to wal_truncate_bytes.
//
// Stop: a TRUNCATE checkpoint on the writer after its last batch empties the
// WAL; once every connection is closed, Close() writes DB.clean so the next
// start may skip the integrity check. The readers must be closed before the
// final checkpoint: one still inside a checkpoint pass holds SQLite's
// checkpoint lock, and TRUNCATE then fails at once (no busy wait).
//
// Thread-safety: as Engine (engine.h).
#pragma once

#include "store/engine.h"

namespace roster::store {

Result<std::unique_ptr<Engine>> OpenFileEngine(const EngineOptions& options);

}  // namespace roster::store
