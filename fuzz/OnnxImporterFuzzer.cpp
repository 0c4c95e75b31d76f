//===- OnnxImporterFuzzer.cpp - Fuzz target of the ONNX importer ----------===//
//
// The input is an .onnx file (a serialized ModelProto), written to a private
// folder (so that external data it names resolves there) and imported with
// importOnnxFile. The importer must return a verified module or report at
// least one error, through the diagnostic handler heedc prints with, whose
// output must be printable (valid UTF-8, no control characters other than
// newlines); every parameter of a module it returns must have a value of
// the declared dtype and byte size. Each input gets a fresh MLIRContext.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "InputFile.h"
#include "PrintableText.h"

#include "Diagnostics.h"
#include "heed/HeedOps.h"
#include "heed/Registration.h"
#include "onnx/OnnxImporter.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path =
      heed::fuzz::writeInputFile("input.onnx", data, size);
  DialectRegistry registry;
  heed::registerHeedDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  heed::HeedDiagnosticHandler handler(sourceMgr, &context, "heedc",
                                      diagnosticStream);
  heed::FrontendOptions options;
  heed::WeightStore weights;
  OwningOpRef<ModuleOp> module =
      heed::importOnnxFile(path, context, options, weights);
  diagnosticStream.flush();
  HEED_FUZZ_CHECK(heed::fuzz::isPrintableText(diagnostics));
  if (!module) {
    HEED_FUZZ_CHECK(handler.errorCount() > 0);
    return 0;
  }
  HEED_FUZZ_CHECK(handler.errorCount() == 0);
  HEED_FUZZ_CHECK(succeeded(verify(*module)));
  module->walk([&](heed::ParamOp param) {
    auto it = weights.find(param.getName());
    HEED_FUZZ_CHECK(it != weights.end());
    const heed::io::HostTensor &value = it->second;
    auto type = cast<RankedTensorType>(param.getType());
    HEED_FUZZ_CHECK(llvm::equal(type.getShape(), value.shape));
    HEED_FUZZ_CHECK(value.data.size() == value.nbytes());
  });
  return 0;
}
