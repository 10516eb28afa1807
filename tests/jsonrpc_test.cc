// jsonrpc_test.cc — the daemon's JSON-RPC codec, byte for byte: what each
// kind of bad line or message is answered, the envelope's rules in their
// order, application errors with their data, and the framing of results,
// batches and notifications. These texts are the wire clients parse.
#include "daemon/jsonrpc.h"

#include <gtest/gtest.h>

namespace roster {
namespace {

namespace json = boost::json;
namespace rpc = daemon::jsonrpc;

bool Known(const std::string& method) { return method == "status" || method == "watch"; }

// What ReadRequest answers at once for `text` (which must not be a request).
std::optional<std::string> Refused(std::string_view text) {
  auto r = rpc::ReadRequest(json::parse(text), Known);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::optional<std::string>("(a request)") : r.error();
}

TEST(JsonRpc, ALineThatIsNotJsonIsAParseError) {
  auto r = rpc::Parse("{not json", 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, -32700);
  EXPECT_EQ(rpc::ErrorResponse(nullptr, r.error()),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: )"
            R"(syntax error","data":{"reason":"invalid_params"}}})");
}

TEST(JsonRpc, NestingPastTheLimitIsLimitExceededNotAParseError) {
  const std::string deep = std::string(5, '[') + std::string(5, ']');
  EXPECT_TRUE(rpc::Parse(deep, 5).ok());
  auto r = rpc::Parse(deep, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(rpc::ErrorResponse(nullptr, r.error()),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32004,"message":"JSON nested deeper )"
            R"x(than max_json_depth (4)","data":{"reason":"limit_exceeded"}}})x");
}

TEST(JsonRpc, TheEnvelopeIsCheckedInOrderAndAnsweredWithTheIdWhenItIsValid) {
  EXPECT_EQ(Refused("42"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: )"
            R"(a request must be a JSON object","data":{"reason":"invalid_params"}}})");
  // An id of the wrong type is not echoed.
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","id":{},"method":"status"})"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: )"
            R"(id must be a string, an integer or null","data":{"reason":"invalid_params"}}})");
  EXPECT_EQ(Refused(R"({"jsonrpc":"1.0","id":"a","method":"status"})"),
            R"({"jsonrpc":"2.0","id":"a","error":{"code":-32600,"message":"invalid request: )"
            R"(jsonrpc must be \"2.0\"","data":{"reason":"invalid_params"}}})");
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","id":7,"method":1})"),
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32600,"message":"invalid request: )"
            R"(method must be a string","data":{"reason":"invalid_params"}}})");
  // Unknown members are refused before the method is looked at.
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","id":7,"method":"nope","x":1})"),
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32600,"message":"invalid request: )"
            R"(unknown member \"x\"","data":{"reason":"invalid_params"}}})");
  // The method is looked at before the params.
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","id":7,"method":"nope","params":5})"),
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"method not found: )"
            R"x(nope (see the API reference)","data":{"reason":"not_found"}}})x");
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","id":7,"method":"status","params":[1]})"),
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"params must be an )"
            R"(object","data":{"reason":"invalid_params"}}})");
}

TEST(JsonRpc, ANotificationOfAnUnknownMethodIsAnsweredNothingButABadOneIsAnswered) {
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","method":"nope"})"), std::nullopt);
  EXPECT_EQ(Refused(R"({"jsonrpc":"2.0","method":"status","params":1})"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"params must be an )"
            R"(object","data":{"reason":"invalid_params"}}})");
}

TEST(JsonRpc, AValidRequestCarriesItsIdMethodAndParams) {
  json::value m = json::parse(R"({"jsonrpc":"2.0","id":"x","method":"watch","params":{"a":1}})");
  auto r = rpc::ReadRequest(m, Known);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, json::value("x"));
  EXPECT_FALSE(r->notification);
  EXPECT_EQ(r->method, "watch");
  EXPECT_EQ(r->params->at("a"), 1);

  for (const char* text : {R"({"jsonrpc":"2.0","method":"status"})",
                           R"({"jsonrpc":"2.0","method":"status","params":null})"}) {
    json::value n = json::parse(text);
    auto note = rpc::ReadRequest(n, Known);
    ASSERT_TRUE(note.ok()) << text;
    EXPECT_TRUE(note->notification);
    EXPECT_TRUE(note->id.is_null());
    EXPECT_TRUE(note->params->empty());
  }
  json::value null_id = json::parse(R"({"jsonrpc":"2.0","id":null,"method":"status"})");
  auto with_null_id = rpc::ReadRequest(null_id, Known);
  ASSERT_TRUE(with_null_id.ok());
  EXPECT_FALSE(with_null_id->notification);  // an id member, even null, asks for an answer
}

TEST(JsonRpc, ApplicationErrorsTakeTheirCodeFromTheTableAndCarryTheirDetails) {
  const std::pair<Status, int> cases[] = {
      {Status::NotFound("m"), -32001},      {Status::Conflict("m"), -32002},
      {Status::InvalidState("m"), -32003},  {Status::InvalidParams("m"), -32602},
      {Status::LimitExceeded("m"), -32004}, {Status::Compacted("m"), -32005},
      {Status::Unavailable("m"), -32006},   {Status::PermissionDenied("m"), -32007},
      {Status::Internal("m"), -32603},
  };
  for (const auto& [status, code] : cases) {
    EXPECT_EQ(rpc::Error::From(status).code, code) << status.ToString();
  }
  Status busy = Status::Unavailable("the database is busy").With("cause", "busy").With("rev", 9);
  EXPECT_EQ(rpc::ErrorResponse(3, busy),
            R"({"jsonrpc":"2.0","id":3,"error":{"code":-32006,"message":"the database is busy",)"
            R"("data":{"reason":"unavailable","cause":"busy","rev":9}}})");
}

TEST(JsonRpc, AResultIsFramedInPlace) {
  std::string line = R"({"ok":true})";
  rpc::FrameResult("req-1", &line);
  EXPECT_EQ(line, R"({"jsonrpc":"2.0","id":"req-1","result":{"ok":true}})");
}

TEST(JsonRpc, ABatchResponseHoldsTheAnswersInOrderAndNothingForNotifications) {
  std::vector<std::optional<std::string>> none = {std::nullopt, std::nullopt};
  EXPECT_EQ(rpc::BatchResponse(none), std::nullopt);
  std::vector<std::optional<std::string>> some = {"1", std::nullopt, "3"};
  EXPECT_EQ(rpc::BatchResponse(some), "[1,3]");
  EXPECT_EQ(rpc::EmptyBatchResponse(),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"an empty batch is )"
            R"(not a request","data":{"reason":"invalid_params"}}})");
}

TEST(JsonRpc, ANotificationAndItsPrefixSpellTheSameLine) {
  json::object params{{"watch_id", 4}, {"rev", 10}};
  const std::string line = rpc::Notification("watch.progress", params);
  EXPECT_EQ(line,
            R"({"jsonrpc":"2.0","method":"watch.progress","params":{"watch_id":4,"rev":10}})");
  EXPECT_EQ(rpc::NotificationPrefix("watch.progress") + json::serialize(params) + "}", line);
  EXPECT_EQ(json::parse(line).at("params").at("rev"), 10);
}

}  // namespace
}  // namespace roster
