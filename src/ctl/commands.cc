// commands.cc — running one call, and `watch`.
#include "ctl/commands.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

namespace roster::ctl {

namespace json = boost::json;

int ExitFor(const Status& s) { return RowOf(s.code()).exit; }

int Fail(const Status& s) {
  std::cerr << "rosterctl: " << s.message() << " (" << s.reason() << ")\n";
  return ExitFor(s);
}

int RunCall(Context& ctx, const std::string& method, json::object params,
            const std::function<std::string(const json::value&)>& human) {
  auto client = Client::Connect(ctx.socket);
  if (!client.ok()) return Fail(client.status());
  auto r = client.value()->Call(method, std::move(params));
  if (!r.ok()) return Fail(r.status());
  ctx.style.now_ms = NowMs();  // relative times against the moment of the reply
  std::cout << (ctx.json ? json::serialize(*r) + "\n" : human(*r)) << std::flush;
  return kExitOk;
}

int RunKeyedCall(Context& ctx, const std::string& method, json::object params,
                 const std::function<std::string(const json::value&)>& human) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kKeyedRetryMs);
  Status last;
  for (int attempt = 0;; ++attempt) {
    auto client = Client::Connect(ctx.socket);
    Result<json::value> r = client.ok() ? client.value()->Call(method, params) : client.status();
    if (r.ok()) {
      ctx.style.now_ms = NowMs();
      std::cout << (ctx.json ? json::serialize(*r) + "\n" : human(*r)) << std::flush;
      return kExitOk;
    }
    // Sent again only when the write may still be owed: not for an answer
    // that it cannot be applied (not_found, a conflict, bad params).
    last = r.status();
    if (last.code() != Code::kUnavailable || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100 << attempt, 1000)));
  }
  if (last.code() != Code::kUnavailable) return Fail(last);
  const std::string key(params.at("request_key").as_string());
  return Fail(Status(last.code(), last.message() +
                                      " (to send it again, and have it applied at "
                                      "most once, add --request-key " +
                                      key + ")"));
}

int CompleteSessions(const std::string& socket) {
  auto client = Client::Connect(socket, /*timeout_ms=*/500);
  if (!client.ok()) return kExitOk;
  auto r = client.value()->Call("session.list");
  if (!r.ok() || !r->is_object()) return kExitOk;
  const json::value* sessions = r->as_object().if_contains("sessions");
  if (!sessions || !sessions->is_array()) return kExitOk;
  for (const auto& s : sessions->as_array()) {
    const json::value* name = s.is_object() ? s.as_object().if_contains("name") : nullptr;
    if (name && name->is_string()) std::cout << std::string_view(name->as_string()) << "\n";
  }
  return kExitOk;
}

int RunWatch(const Context& ctx, json::object params) {
  auto client = Client::Connect(ctx.socket);
  if (!client.ok()) return Fail(client.status());
  auto started = client.value()->Call("watch", std::move(params));
  if (!started.ok()) return Fail(started.status());
  std::cerr << "rosterctl: watching from rev " << json::serialize(started->at("rev")) << "\n";
  for (;;) {
    auto n = client.value()->Next(-1);
    if (!n.ok()) return Fail(n.status());
    if (!n->has_value()) continue;
    const json::value& note = **n;
    const json::value& p = note.at("params");
    if (note.at("method") == "watch.error") {
      std::cout << json::serialize(p) << std::endl;
      return Fail(Status(p.at("reason") == "compacted" ? Code::kCompacted : Code::kUnavailable,
                         std::string(p.at("message").as_string())));
    }
    if (note.at("method") == "watch.event") {
      std::cout << json::serialize(p) << std::endl;
    } else if (note.at("method") == "watch.synced" || ctx.json) {
      const char* op = note.at("method") == "watch.synced" ? "synced" : "progress";
      std::cout << json::serialize(json::object{{"op", op}, {"rev", p.at("rev")}}) << std::endl;
    }
  }
}

}  // namespace roster::ctl
