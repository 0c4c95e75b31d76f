//===- OutputPath.cpp - Writing a tool's output file whole or not at all --===//

#include "OutputPath.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace fs = llvm::sys::fs;

namespace heed::tools {

static const char *kindOf(fs::file_type type) {
  switch (type) {
  case fs::file_type::directory_file:
    return "a directory";
  case fs::file_type::fifo_file:
    return "a FIFO";
  case fs::file_type::character_file:
  case fs::file_type::block_file:
    return "a device";
  case fs::file_type::socket_file:
    return "a socket";
  default:
    return "not a regular file";
  }
}

LogicalResult checkOutputPath(llvm::StringRef path,
                              llvm::ArrayRef<std::string> inputs,
                              MLIRContext &context, llvm::StringRef flag) {
  fs::file_status status;
  if (fs::status(path, status) ||
      status.type() == fs::file_type::file_not_found)
    return success();
  if (status.type() != fs::file_type::regular_file)
    return emitError(UnknownLoc::get(&context))
           << flag << " " << path << " is " << kindOf(status.type())
           << "; the output must be a regular file (or a new name)";
  for (const std::string &input : inputs) {
    bool same = false;
    if (!input.empty() && !fs::equivalent(path, input, same) && same)
      return emitError(UnknownLoc::get(&context))
             << flag << " " << path << " is the input " << input
             << "; writing it would destroy it";
  }
  return success();
}

FailureOr<std::string> temporaryBeside(llvm::StringRef path,
                                       MLIRContext &context) {
  llvm::SmallString<256> model(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(model, "." + llvm::sys::path::filename(path) +
                                     "-%%%%%%%%.tmp");
  int fd;
  llvm::SmallString<256> result;
  if (std::error_code ec = fs::createUniqueFile(model, fd, result))
    return emitError(UnknownLoc::get(&context))
           << "cannot create a temporary file beside " << path << ": "
           << ec.message();
  fs::closeFile(fd);
  return result.str().str();
}

LogicalResult commitOutput(llvm::StringRef temporary, llvm::StringRef path,
                           MLIRContext &context) {
  // The path may have become a directory or a FIFO meanwhile.
  if (failed(checkOutputPath(path, {}, context))) {
    fs::remove(temporary);
    return failure();
  }
  if (std::error_code ec = fs::rename(temporary, path)) {
    fs::remove(temporary);
    return emitError(UnknownLoc::get(&context))
           << "cannot write " << path << ": " << ec.message();
  }
  return success();
}

LogicalResult
writeOutput(llvm::StringRef path,
            llvm::function_ref<LogicalResult(llvm::raw_pwrite_stream &)> write,
            MLIRContext &context) {
  if (path == "-") {
    if (failed(write(llvm::outs())))
      return failure();
    llvm::outs().flush();
    if (llvm::outs().has_error()) {
      llvm::outs().clear_error();
      return emitError(UnknownLoc::get(&context))
             << "cannot write to standard output";
    }
    return success();
  }
  auto temporary = temporaryBeside(path, context);
  if (failed(temporary))
    return failure();
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(*temporary, ec, fs::OF_None);
    if (!ec) {
      if (failed(write(os))) {
        os.close();
        os.clear_error();
        fs::remove(*temporary);
        return failure();
      }
      os.close();
      ec = os.error();
      os.clear_error();
    }
  }
  if (ec) {
    fs::remove(*temporary);
    return emitError(UnknownLoc::get(&context))
           << "cannot write " << path << ": " << ec.message();
  }
  return commitOutput(*temporary, path, context);
}

} // namespace heed::tools
