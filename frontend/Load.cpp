//===- Load.cpp - Reading .heed files and command-line dimensions ---------===//

#include "Frontend.h"
#include "onnx/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace heed;

OwningOpRef<ModuleOp> heed::loadHeedFile(StringRef path,
                                         llvm::SourceMgr &sourceMgr,
                                         MLIRContext &context,
                                         const FrontendOptions &options) {
  if (llvm::sys::fs::is_directory(path)) {
    emitError(UnknownLoc::get(&context)) << path << ": is a directory";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/
                                                   false);
  if (std::error_code ec = buffer.getError()) {
    emitError(UnknownLoc::get(&context))
        << "cannot read " << path << ": " << ec.message();
    return nullptr;
  }
  unsigned id = sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  return emitHeedModule(sourceMgr, id, context, options);
}

LogicalResult heed::parseDimFlags(
    ArrayRef<std::string> flags, std::map<std::string, int64_t> &dims,
    MLIRContext &context,
    std::map<std::string, std::pair<int64_t, int64_t>> *ranges) {
  for (StringRef flag : flags) {
    auto [name, value] = flag.split('=');
    bool range = value.contains("..");
    auto [loText, hiText] =
        range ? value.split("..") : std::make_pair(StringRef(), value);
    int64_t lo = 0, hi;
    if (name.empty() || hiText.empty() || hiText.getAsInteger(10, hi) ||
        hi < 1 || (range && (loText.getAsInteger(10, lo) || lo < 1)))
      return emitError(UnknownLoc::get(&context))
             << "--dim " << flag
             << ": expected NAME=VALUE with a positive integer VALUE"
             << (ranges ? ", or NAME=LO..HI with 1 <= LO <= HI" : "");
    if (dims.count(name.str()))
      return emitError(UnknownLoc::get(&context))
             << "--dim " << name << " is given twice";
    if (range && lo > hi)
      return emitError(UnknownLoc::get(&context))
             << "--dim " << flag << ": the range " << lo << ".." << hi
             << " is empty; write LO..HI with LO <= HI";
    if (range && !ranges)
      return emitError(UnknownLoc::get(&context))
             << "--dim " << flag
             << ": a range is for heedc, heed-run and heed-bench; give one "
                "value here";
    // The model is written at the bound; a range of one value is a value.
    dims[name.str()] = hi;
    if (range && lo < hi)
      (*ranges)[name.str()] = {lo, hi};
  }
  return success();
}

OwningOpRef<ModuleOp>
heed::loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                    MLIRContext &context, const FrontendOptions &options,
                    llvm::StringMap<io::HostTensor> &embeddedWeights) {
  if (path.ends_with(".onnx"))
    return importOnnxFile(path, context, options, embeddedWeights);
  if (!options.inputShapes.empty() || !options.constInputs.empty()) {
    emitError(UnknownLoc::get(&context))
        << (options.inputShapes.empty() ? "--const" : "--input-shape")
        << " applies to ONNX models; a .heed model names its dimensions "
           "(bind them with --dim)";
    return nullptr;
  }
  return loadHeedFile(path, sourceMgr, context, options);
}

LogicalResult
heed::parseInputShapeFlags(ArrayRef<std::string> flags,
                           std::map<std::string, std::vector<int64_t>> &shapes,
                           MLIRContext &context) {
  for (StringRef flag : flags) {
    auto [name, value] = flag.rsplit('=');
    std::vector<int64_t> shape;
    bool ok = !name.empty() && !value.empty();
    SmallVector<StringRef> parts;
    value.split(parts, 'x');
    for (StringRef part : parts) {
      int64_t v;
      if (part.getAsInteger(10, v) || v < 1)
        ok = false;
      shape.push_back(v);
    }
    if (!ok)
      return emitError(UnknownLoc::get(&context))
             << "--input-shape " << flag
             << ": expected NAME=AxBxC with positive integer extents";
    if (!shapes.emplace(name.str(), shape).second)
      return emitError(UnknownLoc::get(&context))
             << "--input-shape " << name << " is given twice";
  }
  return success();
}

LogicalResult
heed::parseConstFlags(ArrayRef<std::string> flags,
                      std::map<std::string, std::vector<double>> &values,
                      MLIRContext &context) {
  for (StringRef flag : flags) {
    auto [name, value] = flag.rsplit('=');
    std::vector<double> numbers;
    bool ok = !name.empty() && !value.empty();
    SmallVector<StringRef> parts;
    value.split(parts, ',');
    for (StringRef part : parts) {
      double v;
      if (part.trim().getAsDouble(v))
        ok = false;
      numbers.push_back(v);
    }
    if (!ok)
      return emitError(UnknownLoc::get(&context))
             << "--const " << flag
             << ": expected NAME=VALUE or NAME=V1,V2,... with numbers";
    if (!values.emplace(name.str(), numbers).second)
      return emitError(UnknownLoc::get(&context))
             << "--const " << name << " is given twice";
  }
  return success();
}
