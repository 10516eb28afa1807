// readers.cc — the read pool.
#include "daemon/readers.h"

namespace roster::daemon {

ReaderPool::~ReaderPool() { Stop(); }

Status ReaderPool::Start(store::Engine& engine, int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    auto reg = engine.OpenReader();
    if (!reg.ok()) return reg.status();
    registries_.push_back(std::move(reg).value());
  }
  for (auto& r : registries_) {
    threads_.push_back(std::make_unique<WorkerThread>());
    threads_.back()->Start("roster-reader", [this, reg = r.get()] { Loop(reg); });
  }
  return Status::Ok();
}

bool ReaderPool::Submit(ReadOp op) { return queue_.Push(op); }

void ReaderPool::Stop() {
  queue_.Close();
  for (auto& t : threads_) t->Join();
  threads_.clear();
  registries_.clear();
}

void ReaderPool::Loop(store::Registry* registry) {
  std::deque<ReadOp> ops;
  while (queue_.Take(&ops, 1)) {
    ops.front()(*registry);
    ops.clear();
  }
}

}  // namespace roster::daemon
