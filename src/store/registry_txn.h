// registry_txn.h — internal to the store layer: the Registry's Write/Read
// wrappers. Write runs an operation in its own BEGIN IMMEDIATE transaction, or
// in a savepoint inside an open batch; Read runs it in one read transaction.
// Both turn any SQLite exception into a Status, so none escapes the layer.
#pragma once

#include "store/registry.h"

namespace roster::store {

template <typename T>
Result<T> Registry::Write(const std::function<Result<T>()>& fn) {
  const bool own = !InBatch();
  const int depth = savepoint_depth_;
  try {
    Control(own ? TxnStep::kBegin : TxnStep::kSavepoint, depth);
  } catch (const std::exception& e) {
    return FromDbError(e);
  }
  ++savepoint_depth_;
  Result<T> r = [&]() -> Result<T> {
    try {
      return fn();
    } catch (const std::exception& e) {
      return FromDbError(e);
    }
  }();
  --savepoint_depth_;
  ResetStatements();
  try {
    if (r.ok()) {
      Control(own ? TxnStep::kCommit : TxnStep::kRelease, depth);
    } else {
      Control(own ? TxnStep::kRollback : TxnStep::kRollbackTo, depth);
      if (!own) Control(TxnStep::kRelease, depth);
    }
  } catch (const std::exception& e) {
    if (own) TryRollback();
    return FromDbError(e);
  }
  return r;
}

template <typename T>
Result<T> Registry::Read(const std::function<Result<T>()>& fn) {
  const bool own = !InBatch();
  Result<T> r = [&]() -> Result<T> {
    try {
      if (own) Control(TxnStep::kBeginRead, 0);
      return fn();
    } catch (const std::exception& e) {
      return FromDbError(e);
    }
  }();
  ResetStatements();
  if (own && InBatch()) {
    try {
      Control(TxnStep::kCommit, 0);
    } catch (const std::exception&) {
      TryRollback();  // a read has nothing to lose
    }
  }
  return r;
}

}  // namespace roster::store
