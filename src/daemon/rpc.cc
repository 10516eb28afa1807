// rpc.cc — JSON-RPC 2.0 validation, routing, batches, watch/unwatch/status.
#include "daemon/rpc.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>

#include "core/entities.h"
#include "daemon/jsonrpc.h"
#include "daemon/methods.h"
#include "daemon/params.h"
#include "store/migrations.h"

namespace roster::daemon {

namespace json = boost::json;
using Done = std::function<void(Result<std::string>)>;

namespace {

// The text of a JSON value, for results built on the io thread (small ones).
Result<std::string> Text(Result<json::value> r) {
  if (!r.ok()) return r.status();
  return json::serialize(r.value());
}

}  // namespace

Dispatcher::Dispatcher(boost::asio::io_context& io, const store::Engine& engine, Writer& writer,
                       ReaderPool& readers, Hub& hub, const DaemonConfig& config)
    : io_(io), engine_(engine), writer_(writer), readers_(readers), hub_(hub), config_(config) {}

void Dispatcher::Post(std::function<void()> fn) {
  boost::asio::post(io_, [guard = boost::asio::make_work_guard(io_), fn = std::move(fn)] { fn(); });
}

void Dispatcher::Handle(const json::value& message, const std::shared_ptr<LineSink>& sink,
                        const std::shared_ptr<ClientState>& state, Reply reply) {
  if (!message.is_array()) {
    if (!state->Waits()) return HandleOne(message, sink, state, std::move(reply));
    return Hold(state, message,
                [this, sink, state, reply = std::move(reply)](const json::value& m) {
                  HandleOne(m, sink, state, reply);
                });
  }
  const json::array& batch = message.as_array();
  if (batch.empty()) return reply(jsonrpc::EmptyBatchResponse());
  struct Gather {
    std::vector<std::optional<std::string>> slots;
    size_t remaining;
    Reply reply;
  };
  auto g = std::make_shared<Gather>(Gather{std::vector<std::optional<std::string>>(batch.size()),
                                           batch.size(), std::move(reply)});
  for (size_t i = 0; i < batch.size(); ++i) {
    auto answered = [g, i](std::optional<std::string> r) {
      g->slots[i] = std::move(r);
      if (--g->remaining == 0) g->reply(jsonrpc::BatchResponse(g->slots));
    };
    if (!state->Waits()) {
      HandleOne(batch[i], sink, state, std::move(answered));
    } else {
      Hold(state, batch[i], [this, sink, state, answered](const json::value& m) {
        HandleOne(m, sink, state, answered);
      });
    }
  }
}

void Dispatcher::Hold(const std::shared_ptr<ClientState>& state, const json::value& message,
                      std::function<void(const json::value&)> fn) {
  state->held.push_back([m = message, fn = std::move(fn)] { fn(m); });
}

void Dispatcher::ProbeDone(const std::shared_ptr<ClientState>& state) {
  --state->probing;
  while (state->probing == 0 && !state->held.empty()) {
    auto next = std::move(state->held.front());
    state->held.pop_front();
    next();
  }
}

void Dispatcher::HandleOne(const json::value& message, const std::shared_ptr<LineSink>& sink,
                           const std::shared_ptr<ClientState>& state,
                           std::function<void(std::optional<std::string>)> done) {
  auto request = jsonrpc::ReadRequest(message, IsKnownMethod);
  if (!request.ok()) return done(request.error());
  jsonrpc::Request& req = request.value();
  Dispatch(req.method, *req.params, sink, state,
           [done, id = std::move(req.id), notification = req.notification](Result<std::string> r) {
             if (notification) return done(std::nullopt);
             if (!r.ok()) return done(jsonrpc::ErrorResponse(id, r.status()));
             std::string line = std::move(r.value());
             jsonrpc::FrameResult(id, &line);
             done(std::move(line));
           });
}

void Dispatcher::Dispatch(const std::string& method, const json::object& params,
                          const std::shared_ptr<LineSink>& sink,
                          const std::shared_ptr<ClientState>& state, Done done) {
  if (auto call = DecodeCall(method, params)) {
    if (!call->ok()) return done(call->status());
    Call c = std::move(*call).value();
    // The result is serialized where it was produced, off the io thread.
    // The work guard keeps the io loop running until the reply is handed over,
    // so a shutdown still answers requests that were in flight.
    auto guard = std::make_shared<decltype(boost::asio::make_work_guard(io_))>(
        boost::asio::make_work_guard(io_));
    // The writer runs completions on the io thread (after publishing the feed).
    if (c.write && !c.probe) {
      writer_.Submit(std::move(c.op), [guard, done = std::move(done)](Result<std::string> r) {
        done(std::move(r));
      });
      return;
    }
    auto finish = [this, done](Result<std::string> r) {
      auto shared = std::make_shared<Result<std::string>>(std::move(r));
      Post([done, shared] { done(std::move(*shared)); });
    };
    if (c.probe) {
      auto write = [this, guard, done](Op op) {
        writer_.Submit(std::move(op), [guard, done](Result<std::string> r) { done(std::move(r)); });
      };
      // The connection's later requests wait until this one's operation is
      // queued (or it is answered), so they still follow it.
      ++state->probing;
      auto done_probing = [this, state] { Post([this, state] { ProbeDone(state); }); };
      readers_.Submit([probe = std::move(c.probe), is_write = c.write, write, finish, guard,
                       done_probing](store::Registry& reg) {
        auto found = probe(reg);
        if (!found.ok()) {
          done_probing();
          return finish(found.status());
        }
        if (auto* result = std::get_if<std::string>(&found.value())) {
          done_probing();
          return finish(std::move(*result));
        }
        Op next = std::get<Op>(std::move(found.value()));
        if (is_write) {
          write(std::move(next));
          return done_probing();
        }
        finish(next(reg));  // a read: here, on the reader it is on
        done_probing();
      });
    } else {
      readers_.Submit(
          [op = std::move(c.op), finish, guard](store::Registry& reg) { finish(op(reg)); });
    }
    return;
  }
  if (method == "watch") return Watch(params, sink, state, std::move(done));
  if (method == "unwatch") {
    ParamReader r(params);
    auto id = r.Required<int64_t>("watch_id");
    if (Status s = r.Finish(); !s.ok()) return done(s);
    if (Status s = state->watches->Close(id); !s.ok()) return done(s);
    return done(std::string("{}"));
  }
  if (method == "status") {
    ParamReader r(params);
    if (Status s = r.Finish(); !s.ok()) return done(s);
    return ServeStatus(std::move(done));
  }
  if (method == "cluster.status") {
    ParamReader r(params);
    if (Status s = r.Finish(); !s.ok()) return done(s);
    if (!cluster_status_) {
      return done(Status::InvalidState(
          "this rosterd runs the file engine, which is not a cluster (start it with --engine "
          "dqlite to have one)"));
    }
    auto guard = std::make_shared<decltype(boost::asio::make_work_guard(io_))>(
        boost::asio::make_work_guard(io_));
    readers_.Submit([this, guard, done, fn = cluster_status_](store::Registry&) {
      auto answer = std::make_shared<Result<std::string>>(fn());
      Post([done, answer] { done(std::move(*answer)); });
    });
    return;
  }
  done(Status::Internal("unhandled method " + method));
}

void Dispatcher::Watch(const json::object& params, const std::shared_ptr<LineSink>& sink,
                       const std::shared_ptr<ClientState>& state, Done done) {
  ParamReader r(params);
  auto since = r.Optional<int64_t>("since");
  bool snapshot = r.Optional<bool>("snapshot").value_or(false);
  WatchFilter filter;
  for (auto& e :
       r.Optional<std::vector<std::string>>("entities").value_or(std::vector<std::string>{})) {
    filter.entities.insert(e);
  }
  auto session = r.Optional<std::string>("session");
  filter.key = r.Optional<std::string>("key");
  auto feed_id = r.Optional<std::string>("feed_id");
  if (Status s = r.Finish(); !s.ok()) return done(s);
  for (const auto& e : filter.entities) {
    if (!FindEntity(e)) {
      return done(Status::InvalidParams("params.entities: unknown entity \"" + e + "\" (" +
                                        EntityNames(", ") + ")"));
    }
  }
  if (since && snapshot) return done(Status::InvalidParams("choose either since or snapshot"));
  if (since && *since < 0) return done(Status::InvalidParams("params.since must not be negative"));
  auto how = snapshot ? Subscriber::Start::kSnapshot
             : since  ? Subscriber::Start::kSince
                      : Subscriber::Start::kLive;
  if (!session) {
    return StartWatch(std::move(filter), how, since.value_or(0), feed_id, sink, state, done);
  }
  // A session filter may name the session: resolve it to its id (an unknown
  // one is taken as the id of a session still to come).
  readers_.Submit([this, filter, how, since, feed_id, sink, state, done,
                   session = *session](store::Registry& reg) mutable {
    auto s = reg.Get(session);
    filter.session_id = s.ok() ? s->id : session;
    Post([this, filter, how, since, feed_id, sink, state, done] {
      StartWatch(filter, how, since.value_or(0), feed_id, sink, state, done);
    });
  });
}

void Dispatcher::StartWatch(WatchFilter filter, Subscriber::Start how, int64_t since,
                            std::optional<std::string> feed_id,
                            const std::shared_ptr<LineSink>& sink,
                            const std::shared_ptr<ClientState>& state, Done done) {
  state->watches->Open(
      std::move(filter), how, since, std::move(feed_id), sink,
      [done = std::move(done)](Result<json::value> r) { done(Text(std::move(r))); });
}

void Dispatcher::ServeStatus(Done done) {
  readers_.Submit([this, done](store::Registry& reg) {
    auto counts = std::make_shared<Result<store::StoreCounts>>(reg.Counts());
    auto hosts = std::make_shared<Result<std::vector<store::Registry::HostInfo>>>(reg.Hosts());
    Post([this, done, counts, hosts] {
      if (!counts->ok()) return done(counts->status());
      if (!hosts->ok()) return done(hosts->status());
      const auto& c = counts->value();
      json::array host_list;
      for (const auto& h : hosts->value()) {
        host_list.push_back(json::object{{"host", h.host},
                                         {"hostname", h.hostname},
                                         {"started_at", h.started_at},
                                         {"last_seen", h.last_seen},
                                         {"unreachable", h.unreachable}});
      }
      using namespace std::chrono;
      // The engine's own facts (file: engine, db, sync, wal_bytes) come first.
      json::object status = engine_.Describe();
      for (auto& [key, value] : json::object{
               {"version", ROSTER_VERSION},
               {"schema_version", store::LatestSchemaVersion()},
               {"socket", config_.socket_path},
               {"host", config_.registry.host},
               {"hosts", std::move(host_list)},
               {"feed_id", c.feed_id},
               {"rev", c.rev},
               {"oldest_rev", c.oldest_rev},
               {"published_rev", hub_.published_rev()},
               {"sessions", c.sessions},
               {"live_sessions", c.live_sessions},
               {"teams", c.teams},
               {"log_entries", c.log_entries},
               {"connections", connections_},
               {"subscribers", hub_.Stats()},
               {"write_batches", writer_.batches()},
               {"writes", writer_.ops()},
               {"uptime_ms", duration_cast<milliseconds>(steady_clock::now() - started_).count()},
               {"startup_check", engine_.startup().check},
               {"limits", LimitsJson(config_)}}) {
        status[key] = std::move(value);
      }
      done(Text(json::value(std::move(status))));
    });
  });
}

}  // namespace roster::daemon
