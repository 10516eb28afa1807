// jsonrpc.cc — the JSON-RPC 2.0 codec: parse, envelope, error encoding and
// framing (see jsonrpc.h).
#include "daemon/jsonrpc.h"

#include <variant>

namespace roster::daemon::jsonrpc {

namespace json = boost::json;

int ErrorCode(Code code) { return RowOf(code).rpc_code; }

Error Error::From(Status status) {
  const int code = ErrorCode(status.code());
  return {code, std::move(status)};
}

Error Error::ParseError(std::string what) {
  return {kParseError, Status::InvalidParams("parse error: " + what)};
}

Error Error::InvalidRequest(std::string message) {
  return {kInvalidRequest, Status::InvalidParams(std::move(message))};
}

Error Error::MethodNotFound(std::string_view method) {
  return {kMethodNotFound, Status::NotFound("method not found: " + std::string(method) +
                                            " (see the API reference)")};
}

Result<json::value, Error> Parse(std::string_view line, size_t max_depth) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  json::value message = json::parse(line, ec, {}, opts);
  if (!ec) return message;
  if (ec == json::error::too_deep) {
    return Error::From(Status::LimitExceeded("JSON nested deeper than max_json_depth (" +
                                             std::to_string(max_depth) + ")"));
  }
  return Error::ParseError(ec.message());
}

Result<Request, std::optional<std::string>> ReadRequest(const json::value& message,
                                                        bool (*known)(const std::string&)) {
  const json::object* req = message.if_object();
  const json::value* id = req ? req->if_contains("id") : nullptr;
  json::value idv = id ? *id : json::value(nullptr);
  auto invalid = [&](const std::string& why) {
    return std::optional<std::string>(
        ErrorResponse(idv, Error::InvalidRequest("invalid request: " + why)));
  };
  if (!req) return invalid("a request must be a JSON object");
  if (id && !id->is_string() && !id->is_int64() && !id->is_uint64() && !id->is_null()) {
    idv = nullptr;
    return invalid("id must be a string, an integer or null");
  }
  const json::value* version = req->if_contains("jsonrpc");
  if (!version || !version->is_string() || version->as_string() != "2.0") {
    return invalid("jsonrpc must be \"2.0\"");
  }
  const json::value* method = req->if_contains("method");
  if (!method || !method->is_string()) return invalid("method must be a string");
  for (const auto& [k, v] : *req) {
    if (k != "jsonrpc" && k != "id" && k != "method" && k != "params") {
      return invalid("unknown member \"" + std::string(k) + "\"");
    }
  }
  std::string name(method->as_string());
  if (!known(name)) {
    if (!id) return std::optional<std::string>();
    return std::optional<std::string>(ErrorResponse(idv, Error::MethodNotFound(name)));
  }
  static const json::object kNoParams;
  const json::value* params = req->if_contains("params");
  if (params && !params->is_object() && !params->is_null()) {
    return std::optional<std::string>(
        ErrorResponse(idv, Status::InvalidParams("params must be an object")));
  }
  return Request{std::move(idv), !id, std::move(name),
                 params && params->is_object() ? &params->as_object() : &kNoParams};
}

std::string EmptyBatchResponse() {
  return ErrorResponse(nullptr, Error::InvalidRequest("an empty batch is not a request"));
}

std::string ErrorResponse(const json::value& id, const Error& error) {
  json::object data{{"reason", error.status.reason()}};
  for (const auto& [key, value] : error.status.details()) {
    std::visit([&, &key = key](const auto& v) { data[key] = v; }, value);
  }
  json::object err{
      {"code", error.code}, {"message", error.status.message()}, {"data", std::move(data)}};
  return json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}});
}

std::string ErrorResponse(const json::value& id, const Status& status) {
  return ErrorResponse(id, Error::From(status));
}

void FrameResult(const json::value& id, std::string* result) {
  result->insert(0, R"({"jsonrpc":"2.0","id":)" + json::serialize(id) + R"(,"result":)");
  *result += '}';
}

std::optional<std::string> BatchResponse(std::vector<std::optional<std::string>>& responses) {
  std::string out;
  for (auto& r : responses) {
    if (!r) continue;
    out += out.empty() ? "[" : ",";
    out += *r;
  }
  if (out.empty()) return std::nullopt;
  out += ']';
  return out;
}

std::string Notification(std::string_view method, const json::object& params) {
  std::string line = NotificationPrefix(method);
  line += json::serialize(params);
  line += '}';
  return line;
}

std::string NotificationPrefix(std::string_view method) {
  std::string prefix = R"({"jsonrpc":"2.0","method":)";
  prefix += json::serialize(json::string(method));
  prefix += R"(,"params":)";
  return prefix;
}

}  // namespace roster::daemon::jsonrpc
