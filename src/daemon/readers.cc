// readers.cc — the read pool.
#include "daemon/readers.h"

#include "util/thread_name.h"

namespace roster::daemon {

ReaderPool::~ReaderPool() { Stop(); }

Status ReaderPool::Start(const std::string& db, int threads,
                         const store::RegistryOptions& options) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    auto conn = store::Connection::Open({.path = db, .migrate = false});
    if (!conn.ok()) return conn.status();
    registries_.push_back(std::make_unique<store::Registry>(std::move(conn).value(), options));
  }
  for (auto& r : registries_) {
    threads_.emplace_back([this, reg = r.get()] { Loop(reg); });
    NameThread(threads_.back(), "roster-reader");
  }
  return Status::Ok();
}

void ReaderPool::Submit(ReadOp op) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(op));
  }
  cv_.notify_one();
}

void ReaderPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  registries_.clear();
}

void ReaderPool::Loop(store::Registry* registry) {
  for (;;) {
    ReadOp op;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      op = std::move(queue_.front());
      queue_.pop_front();
    }
    op(*registry);
  }
}

}  // namespace roster::daemon
