// engines.cc — `roster-bench SCENARIO --engine both`: the scenario on the file
// engine and on the dqlite engine, each in a child roster-bench (a fresh
// daemon, a fresh temporary directory), alternating `--rounds` times, then
// one table with the two side by side: the median of each figure over the
// rounds, and dqlite's as a multiple of the file engine's.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "common.h"
#include "scenarios.h"

namespace roster::bench {
namespace {

constexpr std::array<const char*, 2> kEngines = {"file", "dqlite"};

// Runs this program again with `args`; its stdout (one JSON line), or "" if
// it failed to run; *code gets its exit code.
std::string RunChild(const std::vector<std::string>& args, int* code) {
  int out[2];
  if (::pipe(out) != 0) return "";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return text;
}

// Every number of `v`, by its dotted path ("daemon_cpu_us_per_op.writer").
void Flatten(const json::value& v, const std::string& path, std::map<std::string, double>* nums,
             std::map<std::string, std::string>* text) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      Flatten(child, path.empty() ? std::string(k) : path + "." + std::string(k), nums, text);
    }
  } else if (v.is_number()) {
    (*nums)[path] = v.to_number<double>();
  } else if (v.is_string()) {
    (*text)[path] = std::string(v.as_string());
  } else if (v.is_bool()) {
    (*text)[path] = v.as_bool() ? "true" : "false";
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Number(double v) {
  std::ostringstream s;
  if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 1e15) {
    s << static_cast<int64_t>(v);
  } else {
    s << std::setprecision(std::abs(v) < 1 ? 3 : 4) << v;
  }
  return s.str();
}

}  // namespace

int BothEngines(const Options& o, const std::vector<std::string>& args, int rounds) {
  // Per engine, per figure: its value in each round.
  std::map<std::string, std::map<std::string, std::vector<double>>> nums;
  std::map<std::string, std::map<std::string, std::string>> text;
  int worst = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const char* engine : kEngines) {
      std::vector<std::string> child = args;
      child.insert(child.end(), {"--engine", engine, "--json"});
      int code = 0;
      const std::string out = RunChild(child, &code);
      worst = std::max(worst, code);
      boost::system::error_code ec;
      json::value v = json::parse(out, ec);
      if (ec) {
        std::cerr << "roster-bench: the " << engine << " run printed no result (exit " << code
                  << ")\n";
        return code ? code : 1;
      }
      std::map<std::string, double> n;
      Flatten(v, "", &n, &text[engine]);
      for (const auto& [k, x] : n) nums[engine][k].push_back(x);
    }
  }
  std::map<std::string, std::map<std::string, double>> medians;
  for (const auto& [engine, figures] : nums) {
    for (const auto& [k, values] : figures) medians[engine][k] = Median(values);
  }
  if (o.json) {
    json::object out{{"scenario", o.scenario}, {"rounds", rounds}};
    for (const char* engine : kEngines) {
      json::object e;
      for (const auto& [k, x] : medians[engine]) e[k] = x;
      out[engine] = std::move(e);
    }
    std::cout << json::serialize(out) << std::endl;
    return worst;
  }
  std::set<std::string> keys;
  for (const auto& [engine, figures] : medians) {
    for (const auto& [k, x] : figures) keys.insert(k);
  }
  size_t width = 6;
  for (const auto& k : keys) width = std::max(width, k.size());
  std::cout << o.scenario << ": file engine (sync " << o.sync
            << ") and dqlite engine (one node), median of " << rounds << " round(s)\n"
            << std::left << std::setw(static_cast<int>(width)) << "" << std::right << std::setw(14)
            << "file" << std::setw(14) << "dqlite" << std::setw(10) << "dq/file"
            << "\n";
  for (const auto& k : keys) {
    auto cell = [&](const char* engine) -> std::string {
      auto it = medians[engine].find(k);
      return it == medians[engine].end() ? "-" : Number(it->second);
    };
    std::string ratio = "-";
    auto f = medians["file"].find(k), d = medians["dqlite"].find(k);
    if (f != medians["file"].end() && d != medians["dqlite"].end() && f->second != 0) {
      ratio = Number(d->second / f->second);
    }
    std::cout << std::left << std::setw(static_cast<int>(width)) << k << std::right << std::setw(14)
              << cell("file") << std::setw(14) << cell("dqlite") << std::setw(10) << ratio << "\n";
  }
  return worst;
}

}  // namespace roster::bench
