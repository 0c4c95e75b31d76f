//===- ReservedFlags.h - Flags whose names libLLVM already owns -*- C++ -*-===//
//
// libLLVM.so registers some global options (`-threads`, `-stats`) in every
// tool that links it, so a tool cannot declare its own cl::opt of that name.
// The Heed tools take these flags out of argv before LLVM's parser sees it.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_RESERVEDFLAGS_H
#define HEED_TOOLS_RESERVEDFLAGS_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace heed::tools {

/// Removes `--NAME VALUE`, `--NAME=VALUE` (or with one dash) from argv and
/// returns the last value given.
std::optional<std::string> takeValueFlag(int &argc, char **argv,
                                         llvm::StringRef name);

/// Removes `--NAME` (or `-NAME`) from argv; true when it was there.
bool takeBoolFlag(int &argc, char **argv, llvm::StringRef name);

} // namespace heed::tools

#endif // HEED_TOOLS_RESERVEDFLAGS_H
