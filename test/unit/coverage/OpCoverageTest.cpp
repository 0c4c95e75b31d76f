//===- OpCoverageTest.cpp - Every op has what an op needs -----------------===//
//
// docs/adding-an-op.md lists what an op of the heed or attn dialect needs.
// Three of them fail the build when missing: a lowering (heed-to-heedrt
// names a kernel of the op's name, checked against runtime/kernels/
// Kernels.td at compile time, or has a case of its own), a reference-
// interpreter case and a FLOP formula (TensorOpVisitor: a missing visit
// does not compile). This test checks the others for every registered op,
// and names what is missing:
//   - a frontend builtin named after the op, or the op marked NoBuiltin;
//   - an end-to-end use: a model that a test of test/e2e/compiled/ compiles
//     and compares with the reference interpreter has the op in its
//     tensor-level IR (at the -O level the test uses, after the -O2 passes
//     for -O2);
// and, on those models, that every op lowers to a heedrt plan and has a
// finite FLOP count.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"
#include "FlopCount.h"
#include "ToolContext.h"

#include "attn/TensorOpVisitor.h"
#include "frontend/Frontend.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>

using namespace mlir;
using namespace heed;

namespace {

/// One model a test of test/e2e/compiled/ compiles: its path, -O level and
/// --dim flags.
struct CompiledModel {
  std::string path;
  unsigned optLevel = 0;
  std::vector<std::string> dims;
};

/// The check-compiled.sh runs of test/e2e/compiled/*.test.
std::vector<CompiledModel> compiledModels() {
  std::string dir = std::string(HEED_SOURCE_DIR) + "/test/e2e/compiled";
  std::string examples = std::string(HEED_SOURCE_DIR) + "/examples";
  std::regex run(R"(check-compiled\.sh \S+ (\S+\.heed) \S+ -O([02])(.*))");
  std::regex dim(R"(--dim (\S+))");
  std::vector<CompiledModel> models;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".test")
      continue;
    auto text = llvm::MemoryBuffer::getFile(it->path());
    if (!text)
      continue;
    std::string content = (*text)->getBuffer().str();
    for (std::sregex_iterator m(content.begin(), content.end(), run), e; m != e;
         ++m) {
      CompiledModel model;
      model.path = std::regex_replace(
          std::regex_replace((*m)[1].str(), std::regex("%S"), dir),
          std::regex("%examples"), examples);
      model.optLevel = (*m)[2].str() == "2" ? 2 : 0;
      std::string rest = (*m)[3].str();
      for (std::sregex_iterator d(rest.begin(), rest.end(), dim), de; d != de;
           ++d)
        model.dims.push_back((*d)[1].str());
      models.push_back(model);
    }
  }
  return models;
}

TEST(OpCoverageTest, EveryOpHasWhatAnOpNeeds) {
  tools::ToolContext tools("op-coverage");
  MLIRContext &ctx = tools.context;
  // The ops of both dialects, with whether a builtin may be missing.
  std::map<std::string, bool> noBuiltin;
  TensorOpClasses::forEach([&](auto op) {
    using OpTy = decltype(op);
    noBuiltin[OpTy::getOperationName().str()] =
        hasTrait<OpTy, heed::OpTrait::NoBuiltin>();
  });
  // Every registered op of the two dialects is in the visitor's list.
  for (RegisteredOperationName name : ctx.getRegisteredOperations()) {
    StringRef dialect = name.getDialectNamespace();
    if (dialect == "heed" || dialect == "attn") {
      EXPECT_TRUE(noBuiltin.count(name.getStringRef().str()))
          << name.getStringRef().str()
          << " is registered but not in TensorOpClasses";
    }
  }

  std::vector<CompiledModel> models = compiledModels();
  ASSERT_GE(models.size(), 10u) << "test/e2e/compiled/ has too few models";
  std::set<std::string> used;
  for (const CompiledModel &model : models) {
    SCOPED_TRACE(model.path + " -O" + std::to_string(model.optLevel));
    FrontendOptions options;
    ASSERT_TRUE(succeeded(parseDimFlags(model.dims, options.dims, ctx)));
    OwningOpRef<ModuleOp> module =
        loadHeedFile(model.path, tools.sourceMgr, ctx, options);
    ASSERT_TRUE(module) << "cannot load the model";
    PassManager tensor(&ctx);
    buildTensorPipeline(tensor, model.optLevel, PassRemarks());
    ASSERT_TRUE(succeeded(tensor.run(*module)));
    module->walk([&](Operation *op) {
      StringRef dialect = op->getName().getDialectNamespace();
      if (dialect == "heed" || dialect == "attn")
        used.insert(op->getName().getStringRef().str());
    });
    // Every op of the model has a finite FLOP count and lowers to a plan.
    bench::FlopCount flops = bench::countFlops(getEntryGraph(*module));
    EXPECT_TRUE(std::isfinite(flops.dense) && flops.dense >= 0);
    PassManager plan(&ctx);
    buildHeedrtPipeline(plan, model.optLevel);
    EXPECT_TRUE(succeeded(plan.run(*module))) << "does not lower";
  }

  std::printf("%zu model runs use %zu ops\n", models.size(), used.size());
  const llvm::StringMap<Builtin> &builtins = getBuiltins();
  std::vector<std::string> missing;
  for (const auto &[name, internal] : noBuiltin) {
    std::string mnemonic = name.substr(name.find('.') + 1);
    if (!internal && !builtins.count(mnemonic))
      missing.push_back(name + ": no frontend builtin is named '" + mnemonic +
                        "' (add one to frontend/Builtins.cpp, or mark the op "
                        "Heed_NoBuiltin when the frontend creates it "
                        "otherwise)");
    if (!used.count(name))
      missing.push_back(name +
                        ": no model of test/e2e/compiled/ uses it (add it to "
                        "one of the all_ops_*.heed models there)");
  }
  for (const std::string &m : missing)
    ADD_FAILURE() << m;
}

} // namespace
