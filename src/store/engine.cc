// engine.cc — the engine factory and what every engine shares.
#include "store/engine.h"

#include "store/dqlite_engine.h"
#include "store/file_engine.h"

namespace roster::store {

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.engine == "file") return OpenFileEngine(options);
  if (options.engine == "dqlite") return OpenDqliteEngine(options);
  return Status::InvalidParams("unknown engine '" + options.engine + "' (file or dqlite)");
}

Database& Engine::DatabaseOf(Registry& registry) { return *registry.conn_; }

}  // namespace roster::store
