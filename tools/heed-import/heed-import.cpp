//===- heed-import.cpp - An ONNX model written as .heed + safetensors -----===//
//
// heed-import M.onnx -o M.heed [--dim NAME=V]... [--input-shape ...] [--const
// ...]
//
// Imports the model as heedc does and writes it back as a readable .heed
// file (names from the ONNX graph) and, beside it, M.safetensors with the
// weights it names: `heed-run M.heed --weights=M.safetensors` computes what
// `heed-run M.onnx` computes.
//
//===----------------------------------------------------------------------===//

#include "HeedWriter.h"
#include "ModelFlags.h"
#include "ToolContext.h"
#include "Weights.h"

#include "heed/HeedDialect.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace heed;
namespace cl = llvm::cl;

static cl::OptionCategory category("heed-import options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outputFile("o",
               cl::desc("The .heed file to write (the weights go to the same "
                        "name with .safetensors); default: the model's name "
                        "with .heed"),
               cl::value_desc("file.heed"), cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(
      argc, argv,
      "heed-import: write an ONNX model as a .heed file and its weights\n\n"
      "  heed-import model.onnx -o model.heed --dim seq=128\n"
      "  heed-run model.heed --weights=model.safetensors ...\n");
  tools::ToolContext tool("heed-import");
  MLIRContext &context = tool.context;
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  std::string output = outputFile;
  if (output.empty()) {
    llvm::SmallString<256> path(inputFile);
    llvm::sys::path::replace_extension(path, "heed");
    output = path.str().str();
  }
  if (!StringRef(output).ends_with(".heed")) {
    fail() << "-o " << output << ": the output must be a .heed file";
    return 1;
  }
  if (output == inputFile) {
    fail() << "-o names the model itself";
    return 1;
  }
  llvm::SmallString<256> weightsPath(output);
  llvm::sys::path::replace_extension(weightsPath, "safetensors");
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, tool.sourceMgr, context);
  if (!module)
    return 1;
  func::FuncOp graph = getEntryGraph(*module);
  auto params = tools::bindWeightsFromFlags(graph);
  if (failed(params))
    return 1;
  auto written =
      writeHeed(graph, *params, llvm::sys::path::filename(inputFile));
  if (failed(written))
    return 1;
  // The weights first, then the .heed file: each is written whole or not
  // at all (ToolOutputFile removes a partial file).
  std::string tmpWeights = weightsPath.str().str() + ".partial";
  if (failed(saveWeights(written->weights, tmpWeights, &context)))
    return 1;
  std::string error;
  auto out = mlir::openOutputFile(output, &error);
  if (!out) {
    llvm::sys::fs::remove(tmpWeights);
    fail() << error;
    return 1;
  }
  out->os() << written->text;
  out->os().flush();
  if (out->os().has_error()) {
    llvm::sys::fs::remove(tmpWeights);
    fail() << "cannot write " << output;
    return 1;
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpWeights, weightsPath)) {
    llvm::sys::fs::remove(tmpWeights);
    fail() << "cannot write " << weightsPath << ": " << ec.message();
    return 1;
  }
  out->keep();
  return 0;
}
