//===- OutputPath.h - Writing a tool's output file whole or not at all --*- C++
//-*-===//
//
// heedc and heed-import write every output file to a uniquely named
// temporary beside it and rename it over the output path only once it is
// complete: a failure leaves what was there untouched, and two runs to the
// same path each leave a whole file of their own. The path itself must be
// absent or a regular file that is not one of the tool's inputs: a
// directory, a FIFO or a device node is refused, never replaced.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_OUTPUTPATH_H
#define HEED_TOOLS_OUTPUTPATH_H

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class raw_pwrite_stream;
} // namespace llvm

namespace heed::tools {

/// Checks that \p path may be written: absent, or a regular file that is
/// none of \p inputs. Reports the reason through \p context's diagnostics,
/// naming the path as \p flag gave it (e.g. "-o").
mlir::LogicalResult checkOutputPath(llvm::StringRef path,
                                    llvm::ArrayRef<std::string> inputs,
                                    mlir::MLIRContext &context,
                                    llvm::StringRef flag = "-o");

/// A new, uniquely named empty file beside \p path, for the output to be
/// written into before commitOutput renames it.
mlir::FailureOr<std::string> temporaryBeside(llvm::StringRef path,
                                             mlir::MLIRContext &context);

/// Renames the finished \p temporary over \p path (checking \p path again);
/// removes \p temporary on failure.
mlir::LogicalResult commitOutput(llvm::StringRef temporary,
                                 llvm::StringRef path,
                                 mlir::MLIRContext &context);

/// Writes \p path ("-": stdout) whole or not at all: \p write fills a
/// temporary beside it, every write and the close are checked, and the
/// temporary is renamed over \p path.
mlir::LogicalResult writeOutput(
    llvm::StringRef path,
    llvm::function_ref<mlir::LogicalResult(llvm::raw_pwrite_stream &)> write,
    mlir::MLIRContext &context);

} // namespace heed::tools

#endif // HEED_TOOLS_OUTPUTPATH_H
