// relay_answers.cc — what a relay (see relay.h) does with each line from
// the core: responses clear their pending request (a watch's answer files
// the watch, under an id the client does not already hold; our own resume
// requests' answers are kept from the client), notifications advance their
// watch's last delivered rev and get the client's watch_id, and a stopping
// core's watch.error unavailable resumes the watch instead of ending it.
#include <algorithm>

#include "client/client.h"
#include "cluster/relay.h"

namespace roster::cluster {

namespace json = boost::json;

namespace {
constexpr int kMaxUnavailable = 3;  // watch.error unavailable in a row before it is passed on
}  // namespace

void Relay::OnUpstreamLine(std::string_view line) {
  const CoreLine read = ReadCoreLine(line);
  if (read.kind == CoreLine::Kind::kNotification) return OnNotification(line, read);
  if (read.kind == CoreLine::Kind::kResponse) {
    if (auto r = resumes_.find(read.id_key); r != resumes_.end()) {
      const int64_t client_id = r->second;
      resumes_.erase(r);
      return OnResumeAnswer(line, client_id);
    }
    for (auto p = pending_.begin(); p != pending_.end(); ++p) {
      if (!p->batch && p->keys.front() == read.id_key) {
        pending_.erase(p);
        break;
      }
    }
    if (pending_watch_.count(read.id_key)) {
      json::value v = json::parse(line);
      bool rewritten = false;
      OnWatchAnswer(v, read.id_key, &rewritten);
      ToClient(rewritten ? json::serialize(v) : std::string(line));
    } else {
      ToClient(std::string(line));
    }
  } else if (read.kind == CoreLine::Kind::kBatch) {
    json::value v = json::parse(line);
    bool rewritten = false;
    std::string first;
    for (json::value& element : v.as_array()) {
      if (!element.is_object()) continue;
      const std::string key = IdKey(element.as_object().if_contains("id"));
      if (first.empty()) first = key;
      if (pending_watch_.count(key)) OnWatchAnswer(element, key, &rewritten);
    }
    auto match = pending_.end();
    for (auto p = pending_.begin(); p != pending_.end(); ++p) {
      if (!p->batch) continue;
      if (match == pending_.end()) match = p;
      if (std::find(p->keys.begin(), p->keys.end(), first) != p->keys.end()) {
        match = p;
        break;
      }
    }
    if (match != pending_.end()) pending_.erase(match);
    ToClient(rewritten ? json::serialize(v) : std::string(line));
  } else {
    ToClient(std::string(line));
  }
  MaybeClose();
}

void Relay::OnWatchAnswer(json::value& response, const std::string& key, bool* rewritten) {
  auto filed = pending_watch_.extract(key);
  json::object* result = nullptr;
  if (auto* o = response.if_object()) {
    if (auto* r = o->if_contains("result")) result = r->if_object();
  }
  const json::value* up = result ? result->if_contains("watch_id") : nullptr;
  if (!up || !up->is_int64()) return;  // an error: no watch
  Watch w;
  w.params = std::move(filed.mapped());
  w.up_id = up->as_int64();
  if (auto* f = result->if_contains("feed_id"); f && f->is_string()) w.feed_id = f->as_string();
  const json::value* since = w.params.if_contains("since");
  const json::value* rev = result->if_contains("rev");
  w.last_rev = since && since->is_int64() ? since->as_int64()
               : rev && rev->is_int64()   ? rev->as_int64()
                                          : 0;
  const json::value* snapshot = w.params.if_contains("snapshot");
  w.snapshot = snapshot && snapshot->is_bool() && snapshot->as_bool();
  int64_t client_id = w.up_id;
  if (watches_.count(client_id)) {  // the client holds that id for a resumed watch
    client_id = std::max(watches_.rbegin()->first, w.up_id) + 1;
    (*result)["watch_id"] = client_id;
    *rewritten = true;
  }
  up_to_client_[w.up_id] = client_id;
  watches_[client_id] = std::move(w);
}

void Relay::OnResumeAnswer(std::string_view line, int64_t client_id) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* result = o ? o->if_contains("result") : nullptr;
  const json::value* up =
      result && result->is_object() ? result->as_object().if_contains("watch_id") : nullptr;
  auto w = watches_.find(client_id);
  if (w == watches_.end()) {  // unwatched meanwhile: end the core's new watch too
    if (up && up->is_int64())
      Send(json::serialize(json::object{{"jsonrpc", "2.0"},  // a notification: no answer
                                        {"method", "unwatch"},
                                        {"params", {{"watch_id", *up}}}}),
           std::nullopt);
    return;
  }
  w->second.resuming = false;
  if (!up || !up->is_int64()) {
    const Status why = o && o->contains("error") ? client::StatusFromError(o->at("error"))
                                                 : Status::Internal("unexpected answer");
    return EndWatch(client_id, why.reason(), why.message());
  }
  w->second.up_id = up->as_int64();
  up_to_client_[w->second.up_id] = client_id;
}

void Relay::OnNotification(std::string_view line, const CoreLine& read) {
  if (read.watch_id < 0) return ToClient(std::string(line));
  const int64_t client_id = ClientWatchId(read.watch_id);
  auto it = watches_.find(client_id);
  if (it != watches_.end() && it->second.up_id == read.watch_id) {
    Watch& w = it->second;
    if (read.method == "watch.error") {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      const json::value* reason = ec ? nullptr : v.find_pointer("/params/reason", ec);
      if (reason && *reason == "unavailable" && !w.snapshot && w.unavailable < kMaxUnavailable) {
        ++w.unavailable;  // the core is stopping: resume where the client is
        up_to_client_.erase(read.watch_id);
        w.up_id = -1;
        return Resume(client_id, w);
      }
      watches_.erase(it);
    } else if (read.rev >= 0) {
      if (read.method == "watch.synced") w.snapshot = false;
      if (!w.snapshot) w.last_rev = std::max(w.last_rev, read.rev);
      if (read.method == "watch.event") w.unavailable = 0;
    }
  }
  ToClient(client_id != read.watch_id ? WithWatchId(line, read, client_id) : std::string(line));
}

}  // namespace roster::cluster
