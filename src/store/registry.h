// registry.h — Roster's domain rules over one SQLite connection: sessions,
// pauses, teams, logs, the change feed and the maintenance the cleanup strand
// runs. This is the only layer that speaks SQL; callers see domain values
// (core/types.h) and Status.
//
// Atomicity: every write operation is atomic. Outside a batch it runs in its
// own BEGIN IMMEDIATE transaction; inside a batch (BeginBatch .. CommitBatch,
// used by the daemon's group commit) it runs in a savepoint, so a failing
// operation leaves its neighbours in the batch untouched.
//
// Change capture is done by triggers in the schema, so every operation here
// leaves exactly the `changes` rows its row changes imply — nothing in this
// class writes to `changes` directly.
//
// Thread-safety: none. A Registry owns its connection and its prepared
// statements; use one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/host_probe.h"
#include "core/process_probe.h"
#include "core/types.h"
#include "store/feed_identity.h"
#include "store/registry_options.h"
#include "store/sql.h"
#include "util/status.h"

namespace roster::store {

// Counts reported by `status`.
struct StoreCounts {
  int64_t rev = 0;         // last rev written (0 when none)
  int64_t oldest_rev = 0;  // oldest rev still served (rev + 1 when none is)
  std::string feed_id;     // the feed incarnation (feed_identity.h)
  int64_t sessions = 0;
  int64_t live_sessions = 0;
  int64_t teams = 0;
  int64_t log_entries = 0;
};

class Registry {
 public:
  // REQUIRES: db is open and migrated. An Engine makes Registries (engine.h);
  // tests may make them on any Database.
  Registry(std::unique_ptr<Database> db, RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  static int64_t SystemNowMs();

  // ---- group commit ----
  // BEGIN IMMEDIATE, waiting at most `wait_ms` for another process's write
  // lock (-1: the connection's busy timeout).
  Status BeginBatch(int wait_ms = -1);
  Status CommitBatch();  // COMMIT
  void RollbackBatch();  // ROLLBACK (never fails)
  bool InBatch() const;

  // ---- sessions ----
  Result<Session> Register(const RegisterParams& p);
  Result<HeartbeatResult> Heartbeat(const HeartbeatParams& p);
  Result<Session> Update(const UpdateParams& p);
  Result<Session> Get(const std::string& session);
  Result<std::vector<Session>> List(const ListParams& p);
  // The same sessions as List, as a JSON array in the API's Session shape,
  // built by SQLite (no per-row objects in C++: the fast path for big lists).
  // `rev` is the feed rev of the same read snapshot, so a client can list,
  // then watch with since=rev and miss nothing.
  Result<std::string> ListJson(const ListParams& p, int64_t* rev);
  // The same, appended to *out (so a caller can frame the array without
  // copying it). A full list reserves what the previous full list took.
  Status ListJson(const ListParams& p, std::string* out, int64_t* rev);
  // The summary is `summary` when given (the agent's pane, read by the
  // caller off the writer), else built from the session's latest log entries.
  Result<PauseResult> Pause(const std::string& session, const std::optional<std::string>& note,
                            const std::optional<std::string>& summary = std::nullopt);
  Result<Session> Resume(const std::string& session);
  Result<Session> Stop(const std::string& session, const std::optional<std::string>& reason);
  Status Remove(const std::string& session);
  // session.reap, in two steps so that the probing (a /proc read per
  // session, a tmux process) runs on a reader and the writer only deletes:
  // FindReapable (read-only) finds the stopped sessions (of any host: a stop
  // needs no probe) and those of this host whose process or tmux session is
  // gone; ReapFound deletes each that is still as it was found (same status,
  // host, pid, pid start and tmux session).
  struct Reapable {
    std::string id, name, status;
    std::optional<int64_t> pid, pid_start;
    std::optional<std::string> tmux, host;
  };
  Result<std::vector<Reapable>> FindReapable();
  Result<ReapResult> ReapFound(const std::vector<Reapable>& found);
  // Both, one after the other.
  Result<ReapResult> Reap();
  Result<std::vector<roster::Pause>> Pauses(const std::string& session);

  // ---- keyed writes (request_keys) ----
  // Runs `op` (a write whose answer is JSON text) at most once per `key`:
  // the key and the answer are recorded in the same savepoint as the write,
  // and a later call with that key returns the recorded answer without
  // running `op` again — so a client that does not know whether its write
  // was applied (its answer was lost, or the engine said the outcome is
  // unknown) can send it again safely. The same key with another
  // `fingerprint` (the method and parameters, hashed by the caller) is a
  // conflict. A failed `op` records nothing. Keys are kept until
  // TrimRequestKeys removes them.
  static constexpr size_t kMaxRequestKeyBytes = 128;
  Result<std::string> ApplyOnce(const std::string& key, const std::string& fingerprint,
                                const std::function<Result<std::string>()>& op);

  // ---- teams ----
  Result<Team> TeamUp(const TeamUpParams& p);
  Result<int64_t> TeamDown(const std::string& root, const std::optional<std::string>& project);
  Result<std::vector<Team>> TeamList(const std::optional<std::string>& root);
  Result<std::vector<RosterEntry>> TeamRoster(const std::string& root);
  Result<std::vector<RosterEntry>> TeamOrphans(const OrphansParams& p);
  // The teams whose root lost its compose marker: this host's, looked at
  // now; with a host agent, those their host's agent reported (any host).
  Result<std::vector<Team>> TeamStale();
  // Records what `host`'s agent found at its teams' roots (teams.
  // root_gone_at); returns how many teams changed state.
  using TeamRootState = roster::TeamRootState;
  Result<int64_t> SetTeamRoots(const std::string& host, const std::vector<TeamRootState>& roots);

  // ---- logs ----
  Result<AppendResult> LogAppend(const std::string& session, const std::string& kind,
                                 const json::value& body);
  Result<LogReadResult> LogRead(const LogReadParams& p);
  Result<AppendResult> LogRotate(const std::string& session, const std::string& kind,
                                 const json::value& body);

  // ---- change feed ----
  // Up to `limit` changes with rev > after, in rev order.
  Result<std::vector<Change>> ReadChanges(int64_t after, int64_t limit);
  // A page of the feed with the oldest rev still kept and the last rev
  // written, read in one transaction (so a compaction cannot slip between).
  struct FeedPage {
    std::vector<Change> rows;
    int64_t oldest_rev = 0;  // the oldest rev served (above the compaction horizon)
    int64_t last_rev = 0;    // the head: the last rev handed out
    std::string feed_id;
  };
  Result<FeedPage> ReadFeed(int64_t after, int64_t limit);
  // The current rows of `entities` (names of core/entities.h, in the order
  // given; empty = those in_default_snapshot, in kEntities order) as op
  // "snapshot" changes, and the rev they reflect, read in one transaction.
  struct Snapshot {
    int64_t rev = 0;
    int64_t oldest_rev = 0;
    std::string feed_id;
    std::vector<Change> rows;
  };
  Result<Snapshot> ReadSnapshot(const std::vector<std::string>& entities,
                                const std::optional<std::string>& session_id);
  Result<StoreCounts> Counts();
  // Last rev written (0 when none).
  Result<int64_t> CurrentRev();

  // ---- the feed's identity (feed_identity.h, feed_identity.cc) ----
  Result<FeedIdentity> ReadIdentity();
  struct RunStart {
    FeedIdentity identity;
    bool new_incarnation = false;  // the previous run was sync normal and did not stop cleanly
  };
  // The start of a daemon's run, in one write transaction made durable before
  // it returns (whatever the sync mode): a new incarnation if open_run shows
  // an unclean sync-normal stop; a feed id if there is none; open_run set for
  // a sync-normal run (removed for a full one); revs reserved to head + reserve.
  Result<RunStart> BeginRun(bool sync_normal, int64_t reserve);
  // A clean stop: removes open_run (the final checkpoint makes it durable).
  Status EndRun();
  // Raises rev_reserved to `upto` (in the open batch, or its own transaction).
  Status ReserveRevs(int64_t upto);
  // Flushes every committed transaction to the disk, so that a commit made
  // with sync normal is as durable as one made with sync full.
  Status MakeCommitsDurable();

  // ---- maintenance (the cleanup strand); each does at most `batch` rows ----
  // Every probe and sweep below judges one host's sessions only: this host's
  // (options().host) by default; another host's pids, tmux and roots mean
  // nothing here. The `host` overloads serve a host agent, which probes its
  // own host and reports what it found (host.start, host.beat, host.report;
  // cluster/host_agent.h).
  //
  // Takes the active/idle sessions whose expiry check is due (at most
  // `batch`, earliest first): those with last_seen + ttl < now turn stale
  // (reason "ttl"), the others (they heartbeat since) get their next check at
  // their expiry. `checked` says how many were taken (a full batch: more may
  // be due).
  struct ExpiryPass {
    int64_t expired = 0;
    int64_t checked = 0;
  };
  Result<ExpiryPass> ExpireSessions(int64_t batch) { return ExpireSessions(options_.host, batch); }
  Result<ExpiryPass> ExpireSessions(const std::string& host, int64_t batch);
  // A session whose process was found gone, as it was when probed.
  using DeadProcess = RecordedProcess;
  // Sessions whose recorded pid is gone are found in two steps, so that the
  // probing (system calls per session) runs on a reader and the writer only
  // marks. Read-only: probes (in /proc) the pids of up to `batch` active/idle
  // sessions with ids after *cursor, and returns those that are gone; *cursor
  // moves on, back to "" after the last session.
  Result<std::vector<DeadProcess>> FindDeadProcesses(std::string* cursor, int64_t batch);
  // Read-only: the recorded processes of up to `batch` active/idle sessions
  // of `host` with a pid, ids after *cursor (moved on as above): what
  // FindDeadProcesses probes, for a host agent to probe on its own host.
  Result<std::vector<RecordedProcess>> HostProcesses(const std::string& host, std::string* cursor,
                                                     int64_t batch);
  // Marks each session of `host` stale (reason "process_exited") if it still
  // is active/idle with the same pid and pid start time as when probed.
  Result<int64_t> MarkProcessesExited(const std::vector<DeadProcess>& dead) {
    return MarkProcessesExited(options_.host, dead);
  }
  Result<int64_t> MarkProcessesExited(const std::string& host,
                                      const std::vector<DeadProcess>& dead);
  // A session's root and branch, as the branch probe reads them.
  // Records each session's pid start time where it has none (its pid was
  // registered where it could not be read: a cluster's core) and the pid
  // is still the one probed. Not a feed change.
  Result<int64_t> SetPidStarts(const std::string& host, const std::vector<RecordedProcess>& found);
  using SessionRoot = roster::SessionRoot;
  // Read-only: up to `batch` active, idle or paused sessions of `host` with a
  // root, ids after *cursor; *cursor moves on, back to "" after the last.
  Result<std::vector<SessionRoot>> SessionRoots(std::string* cursor, int64_t batch) {
    return SessionRoots(options_.host, cursor, batch);
  }
  Result<std::vector<SessionRoot>> SessionRoots(const std::string& host, std::string* cursor,
                                                int64_t batch);
  using BranchChange = roster::BranchChange;
  // Sets each session's branch (of `host`) to `to` if it still is `from`
  // (the probe's read may be older than a re-register); each one set is a
  // feed change.
  Result<int64_t> SetBranches(const std::vector<BranchChange>& changes) {
    return SetBranches(options_.host, changes);
  }
  Result<int64_t> SetBranches(const std::string& host, const std::vector<BranchChange>& changes);
  // Deletes stale/stopped sessions not updated for `retention_ms`, with their
  // logs and pauses.
  Result<int64_t> PurgeSessions(int64_t retention_ms, int64_t batch);
  // Deletes log entries older than `retention_ms`, then the oldest beyond the
  // newest `max_rows`, always keeping each session's newest entry (so seq and
  // epoch continue).
  Result<int64_t> TrimLogs(int64_t retention_ms, int64_t max_rows, int64_t batch);
  // Deletes request keys older than `retention_ms` and beyond the newest
  // `max_rows` (a retry with a key no longer kept is applied again).
  Result<int64_t> TrimRequestKeys(int64_t retention_ms, int64_t max_rows, int64_t batch);
  // Deletes changes older than `retention_ms` (and beyond the newest
  // `max_rows`), recording the horizon in meta.compacted_rev.
  Result<int64_t> CompactChanges(int64_t retention_ms, int64_t max_rows, int64_t batch);
  // Restart recovery: every active/idle session of `host` (without a pid)
  // gets one full TTL from now (another host's sessions get theirs from its
  // own rosterd or host agent).
  Result<int64_t> GrantRestartGrace() { return GrantRestartGrace(options_.host); }
  Result<int64_t> GrantRestartGrace(const std::string& host);

  // ---- hosts (hosts.cc): which machine each per-machine fact belongs to ----
  // Claims for this host every session, pause and team that has no host (rows
  // from before schema 8, or written by a sqlite3 user without one): at start
  // and at every cleanup round. Returns how many sessions it claimed.
  Result<int64_t> ClaimUnowned();
  // This host's row in `hosts`: at start (started_at, hostname, heartbeat)
  // and then every quarter of host_timeout_ms (the heartbeat alone). Not a
  // feed change.
  Status RecordHostStart(const std::string& hostname) {
    return RecordHostStart(options_.host, hostname);
  }
  Status RecordHostStart(const std::string& host, const std::string& hostname);
  Status RecordHostHeartbeat() { return RecordHostHeartbeat(options_.host); }
  Status RecordHostHeartbeat(const std::string& host);
  struct HostInfo {
    std::string host, hostname;
    int64_t started_at = 0, last_seen = 0;
    bool unreachable = false;  // as Session::unreachable
  };
  // Every host whose rosterd wrote its row in `hosts`, by name.
  Result<std::vector<HostInfo>> Hosts();

  // ---- cluster membership (the dqlite engine; membership.cc) ----
  // The node a dqlite Registry is connected to (the leader, which is the
  // primary's own node) reads and changes the Raft configuration; the file
  // engine answers invalid_state ("not a cluster"). Each call opens its own
  // membership connection, which follows the leader (a leave may hand
  // leadership over first).
  struct ClusterMember {
    uint64_t id = 0;
    std::string address;
    std::string role;  // voter, standby or spare
    bool leader = false;
    bool reachable = false;  // its node accepted a connection just now
  };
  Result<std::vector<ClusterMember>> ClusterMembers();
  // Takes node `id` at `address` into the cluster as a voter (ADD, then
  // ASSIGN: the node must be running, and is caught up first). Again for a
  // node already there with that address: made a voter if it is not one.
  Status ClusterJoin(uint64_t id, const std::string& address);
  // Removes node `id` (nullopt: the node this Registry is connected to,
  // i.e. the primary's); the leader hands leadership to another voter
  // first. Returns the removed node's id.
  Result<uint64_t> ClusterLeave(std::optional<uint64_t> id);

  const RegistryOptions& options() const { return options_; }
  // The host a write that names `host` (or none: this rosterd's) is for.
  const std::string& HostOf(const std::optional<std::string>& host) const {
    return host ? *host : options_.host;
  }
  // Whether the facts of `host` (a pid's start time, a root's compose marker)
  // are read here: only this rosterd's own host's, and none with host agents.
  bool ReadsFactsOf(const std::string& host) const {
    return !options_.host_agent && host == options_.host;
  }

 private:
  friend class Engine;  // reaches the Database behind a Registry it made

  int64_t Now() const;
  Statement& Stmt(const char* sql);
  template <typename T>
  Result<T> Write(const std::function<Result<T>()>& fn);
  template <typename T>
  Result<T> Read(const std::function<Result<T>()>& fn);
  void ResetStatements();
  // ROLLBACK, ignoring a failure (there may be nothing left to undo).
  void TryRollback();
  // Transaction control, run from statements prepared once (parsing
  // "SAVEPOINT opN" and friends on every write cost ~10 % of a log append).
  // `depth` names the savepoint (opN); depths past a few are run unprepared.
  enum class TxnStep { kBegin, kBeginRead, kCommit, kRollback, kSavepoint, kRelease, kRollbackTo };
  void Control(TxnStep step, int depth);

  // Session helpers (sessions.cc); REQUIRE a transaction.
  Result<Session> Resolve(const std::string& session);
  // Session::unreachable for a session of `host` (hosts.cc).
  bool HostUnreachable(const std::optional<std::string>& host);
  // The id of the session `session` names (id or name), unless it is stopped
  // (logs.cc).
  Result<std::string> WritableSessionId(const std::string& session);
  Result<Session> ReviveExisting(Session s, const RegisterParams& p);
  Result<Session> InsertNew(const RegisterParams& p);
  Status CheckLiveLimit();
  Status CheckNameFree(const std::string& name, const std::string& id);
  // Ends the session's open pause (if any) at `now`; ended_by is "resume" or "stop".
  Status ClosePause(const std::string& id, int64_t now, const char* ended_by);
  // Writes every column of `s`; meta only when `meta_changed`.
  Status SaveSession(const Session& s, bool meta_changed);
  // The common heartbeat in one statement: moves last_seen of the active or
  // idle session whose id is `id` (with `activity`: only if it already is in
  // that activity and the status it implies). Nothing when there is no such
  // session (a name, a stale, paused or stopped one, a new activity): the
  // caller takes the general path.
  std::optional<HeartbeatResult> TouchLive(const std::string& id,
                                           const std::optional<std::string>& activity);
  // The TTL a register gives: ttl_ms, else hook_ttl_ms for a hook, else default_ttl_ms.
  int64_t RegisterTtl(const RegisterParams& p) const;
  // Records the start time of the session's (new) pid, if it is read here
  // (ReadsFactsOf `host`, the session's); else none.
  void SetPidStart(const std::string& id, std::optional<int64_t> pid, const std::string& host);
  // Checks the fields RegisterParams and UpdateParams share.
  template <typename P>
  Status ValidateCommon(const P& p) const;
  int64_t LastRev();
  // LastRev will be read right after the next statement (Database::Prefetch).
  void PrefetchLastRev();
  Statement& LastRevStmt();
  size_t SessionCount();  // from session_counts; 0 if it cannot be read
  Result<std::vector<LogEntry>> LatestLogs(const std::string& id, int limit);
  Result<AppendResult> AppendLog(const std::string& session, const std::string& kind,
                                 const json::value& body, bool rotate);
  Result<Team> LoadTeam(const std::string& project, const std::string& root);

  std::unique_ptr<Database> conn_;
  RegistryOptions options_;
  // Size of the last unfiltered ListJson (a first one guesses from the
  // session count at kListRowGuessBytes per row: a row without meta is ~250).
  static constexpr size_t kListRowGuessBytes = 320;
  size_t full_list_bytes_ = 0;
  std::unordered_map<const char*, std::unique_ptr<Statement>> stmts_;
  int savepoint_depth_ = 0;
};

}  // namespace roster::store
