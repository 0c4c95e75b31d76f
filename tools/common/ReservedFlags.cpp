//===- ReservedFlags.cpp - Flags whose names libLLVM already owns ---------===//

#include "ReservedFlags.h"

using llvm::StringRef;

namespace heed::tools {

std::optional<std::string> takeValueFlag(int &argc, char **argv,
                                         StringRef name) {
  std::optional<std::string> value;
  std::string dashed = "-" + name.str(), doubled = "--" + name.str();
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    StringRef a = argv[i];
    if ((a.consume_front(doubled + "=") || a.consume_front(dashed + "="))) {
      value = a.str();
    } else if ((a == doubled || a == dashed) && i + 1 < argc) {
      value = argv[++i];
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return value;
}

bool takeBoolFlag(int &argc, char **argv, StringRef name) {
  std::string dashed = "-" + name.str(), doubled = "--" + name.str();
  bool found = false;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    StringRef a = argv[i];
    if (a == doubled || a == dashed)
      found = true;
    else
      argv[out++] = argv[i];
  }
  argc = out;
  return found;
}

} // namespace heed::tools
