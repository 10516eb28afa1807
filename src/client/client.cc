// client.cc — requests, responses and notifications over a Connection.
#include "client/client.h"

#include "util/error_table.h"

namespace roster::client {

namespace json = boost::json;

Result<std::unique_ptr<Client>> Client::Connect(const std::string& socket, int timeout_ms,
                                                WhenFull when_full) {
  auto conn = Connection::Open(socket, when_full);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<Client>(new Client(std::move(conn).value(), timeout_ms));
}

json::object RequestObject(json::value id, std::string_view method, json::object params) {
  json::object req{{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}};
  if (!params.empty()) req["params"] = std::move(params);
  return req;
}

Status StatusFromError(const json::value& error) {
  std::string message = "error";
  std::string_view reason;
  const json::object* data = nullptr;
  if (const auto* o = error.if_object()) {
    if (auto* m = o->if_contains("message"); m && m->is_string()) message = m->as_string();
    if (auto* d = o->if_contains("data"); d && d->is_object()) {
      data = &d->as_object();
      if (auto* r = data->if_contains("reason"); r && r->is_string()) reason = r->as_string();
    }
  }
  const Code code = CodeFromReason(reason).value_or(Code::kInternal);
  Status s(code == Code::kOk ? Code::kInternal : code, std::move(message));
  // The rest of data (cause, rev, ...) as details, for callers that branch on them.
  for (const auto& [key, value] : data ? *data : json::object()) {
    if (key == "reason") continue;
    if (value.is_string()) s = s.With(std::string(key), std::string(value.as_string()));
    if (value.is_int64()) s = s.With(std::string(key), value.as_int64());
  }
  return s;
}

Result<std::optional<json::value>> Client::ReadMessage(int timeout_ms) {
  auto line = conn_.ReadLine(WaitUntil(timeout_ms));
  if (!line.ok()) return line.status();
  if (!line->has_value()) return std::optional<json::value>();
  boost::system::error_code ec;
  json::value v = json::parse(**line, ec);
  if (ec) return Status::Internal("rosterd sent a line that is not JSON");
  return std::optional<json::value>(std::move(v));
}

Result<json::value> Client::AwaitResponse() { return AwaitResponse(timeout_ms_); }

Result<json::value> Client::AwaitResponse(int timeout_ms) {
  for (;;) {
    auto msg = ReadMessage(timeout_ms);
    if (!msg.ok()) return msg.status();
    if (!msg->has_value()) return Status::Unavailable("rosterd did not answer in time");
    json::value v = std::move(**msg);
    if (v.is_object() && v.as_object().contains("method")) {
      notes_.push_back(std::move(v));
      continue;
    }
    return v;
  }
}

Status Client::SendRaw(std::string_view bytes) { return conn_.Send(bytes, WaitUntil(timeout_ms_)); }

Status Client::Post(const json::value& message) { return SendRaw(json::serialize(message) + "\n"); }

Result<json::value> Client::Request(const std::string& method, json::object params) {
  ROSTER_RETURN_IF_ERROR(
      SendRaw(json::serialize(RequestObject(++next_id_, method, std::move(params))) + "\n"));
  return AwaitResponse();
}

Result<json::value> Client::Call(const std::string& method, json::object params) {
  auto resp = Request(method, std::move(params));
  if (!resp.ok()) return resp.status();
  const json::object* o = resp->if_object();
  if (!o) return Status::Internal("unexpected response from rosterd");
  if (auto* e = o->if_contains("error")) return StatusFromError(*e);
  if (auto* r = o->if_contains("result")) return *r;
  return Status::Internal("response without result");
}

Result<json::value> Client::Batch(const json::array& requests) {
  ROSTER_RETURN_IF_ERROR(SendRaw(json::serialize(requests) + "\n"));
  return AwaitResponse();
}

Result<std::optional<json::value>> Client::Next(int timeout_ms) {
  if (!notes_.empty()) {
    json::value v = std::move(notes_.front());
    notes_.pop_front();
    return std::optional<json::value>(std::move(v));
  }
  return ReadMessage(timeout_ms);
}

}  // namespace roster::client
