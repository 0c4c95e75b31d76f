//===- Isolate.cpp - One process per variant (--isolate) ------------------===//

#include "Isolate.h"

#include "heed/io/Json.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

namespace heed::bench {

double peakRssBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  return (double)usage.ru_maxrss * 1024.0; // kilobytes on Linux
}

std::string childResultJson(const ChildResult &result) {
  std::string out = "{\"times_ms\": [";
  llvm::raw_string_ostream os(out);
  for (size_t i = 0; i < result.timesMs.size(); ++i)
    os << (i ? ", " : "") << llvm::format("%.9g", result.timesMs[i]);
  os << "], \"memory_bytes\": " << result.memoryBytes
     << ", \"peak_rss_bytes\": " << llvm::format("%.0f", result.peakRssBytes)
     << "}\n";
  return out;
}

bool runChild(const std::string &program, llvm::ArrayRef<std::string> args,
              const std::string &resultPath, ChildResult &result,
              std::string &error) {
  std::vector<llvm::StringRef> argv(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = "the isolated run failed" +
            (message.empty() ? " (exit status " + std::to_string(rc) + ")"
                             : ": " + message);
    return false;
  }
  auto buffer = llvm::MemoryBuffer::getFile(resultPath);
  io::JsonValue json;
  std::string parseError;
  if (!buffer ||
      !io::parseJson((*buffer)->getBuffer().str(), json, parseError) ||
      !json.get("times_ms") || !json.get("times_ms")->isArray() ||
      !json.get("memory_bytes") || !json.get("peak_rss_bytes")) {
    error = "the isolated run wrote no result to " + resultPath;
    return false;
  }
  result = ChildResult();
  for (const io::JsonValue &t : json.get("times_ms")->array)
    result.timesMs.push_back(t.number);
  result.memoryBytes = (size_t)json.get("memory_bytes")->number;
  result.peakRssBytes = json.get("peak_rss_bytes")->number;
  return true;
}

std::vector<std::string> dropFlags(llvm::ArrayRef<std::string> args,
                                   llvm::ArrayRef<llvm::StringRef> names,
                                   llvm::ArrayRef<llvm::StringRef> boolNames) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    llvm::StringRef arg = args[i];
    llvm::StringRef flag = arg;
    if (!flag.consume_front("--"))
      flag.consume_front("-");
    llvm::StringRef name = flag.split('=').first;
    if (i > 0 && flag.size() < arg.size()) {
      if (llvm::is_contained(boolNames, name))
        continue;
      if (llvm::is_contained(names, name)) {
        if (!flag.contains('='))
          ++i; // the value is the next argument
        continue;
      }
    }
    out.push_back(arg.str());
  }
  return out;
}

} // namespace heed::bench
