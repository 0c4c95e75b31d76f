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
#include "OutputPath.h"
#include "ToolContext.h"
#include "Weights.h"

#include "heed/HeedDialect.h"

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
  llvm::SmallString<256> weightsPath(output);
  llvm::sys::path::replace_extension(weightsPath, "safetensors");
  std::vector<std::string> inputs{inputFile, tools::weightsFlag()};
  if (failed(tools::checkOutputPath(output, inputs, context)) ||
      failed(tools::checkOutputPath(weightsPath, inputs, context)))
    return 1;
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, tool.sourceMgr, context);
  if (!module)
    return 1;
  if (!tools::boundedDimsFromFlags().empty()) {
    emitError(UnknownLoc::get(&context))
        << "heed-import writes a .heed file at fixed sizes; give each "
           "dimension one value (--dim NAME=VALUE), and a range to heedc";
    return 1;
  }
  func::FuncOp graph = getEntryGraph(*module);
  auto params = tools::bindWeightsFromFlags(graph);
  if (failed(params))
    return 1;
  auto written =
      writeHeed(graph, *params, llvm::sys::path::filename(inputFile));
  if (failed(written))
    return 1;
  // The weights first, then the .heed file: each is written whole or not
  // at all, through a temporary beside it.
  auto tmpWeights = tools::temporaryBeside(weightsPath, context);
  if (failed(tmpWeights))
    return 1;
  if (failed(saveWeights(written->weights, *tmpWeights, &context)) ||
      failed(tools::commitOutput(*tmpWeights, weightsPath, context))) {
    llvm::sys::fs::remove(*tmpWeights);
    return 1;
  }
  if (failed(tools::writeOutput(
          output,
          [&](llvm::raw_pwrite_stream &os) {
            os << written->text;
            return success();
          },
          context)))
    return 1;
  return 0;
}
