// watch_set.cc — one connection's watches (see watch_set.h).
#include "daemon/watch_set.h"

namespace roster::daemon {

void WatchSet::Open(WatchFilter filter, Subscriber::Start how, int64_t since,
                    std::optional<std::string> feed_id, std::weak_ptr<LineSink> sink,
                    Subscriber::Started started) {
  auto added = hub_.Add(std::move(filter), std::move(sink));
  if (!added.ok()) return started(added.status());
  std::shared_ptr<Subscriber> sub = std::move(added).value();
  const int64_t id = sub->id();
  watches_[id] = sub;
  sub->Begin(
      how, since, std::move(feed_id),
      [set = weak_from_this(), id, started = std::move(started)](Result<boost::json::value> r) {
        if (auto self = set.lock(); self && !r.ok()) {
          if (auto it = self->watches_.find(id); it != self->watches_.end()) {
            self->Release(it);
          }
        }
        started(std::move(r));
      });
}

Status WatchSet::Close(int64_t watch_id) {
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) {
    return Status::NotFound("no watch " + std::to_string(watch_id) + " on this connection");
  }
  Release(it);
  return Status::Ok();
}

void WatchSet::CloseAll() {
  for (auto it = watches_.begin(); it != watches_.end();) it = Release(it);
}

WatchSet::Map::iterator WatchSet::Release(Map::iterator it) {
  it->second->Detach();
  hub_.Remove(it->first);
  return watches_.erase(it);
}

bool WatchSet::HasLine() const {
  for (const auto& [id, sub] : watches_) {
    if (sub->HasLine()) return true;
  }
  return false;
}

void WatchSet::PopLinesInto(std::string* out, size_t limit) {
  for (auto& [id, sub] : watches_) {
    while (sub->HasLine() && out->size() < limit) {
      sub->PopLineInto(out);
      *out += '\n';
    }
    if (out->size() >= limit) return;
  }
}

}  // namespace roster::daemon
