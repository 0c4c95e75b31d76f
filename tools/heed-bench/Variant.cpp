//===- Variant.cpp - The pipelines heed-bench compares --------------------===//

#include "Variant.h"
#include "ModelFlags.h"

#include "attn/AttnOps.h"
#include "heed/HeedDialect.h"
#include "heedrt/HeedrtOps.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <mutex>

using namespace mlir;

namespace heed::bench {

StringRef variantName(VariantKind kind) {
  switch (kind) {
  case VariantKind::Unfused:
    return "unfused";
  case VariantKind::Fused:
    return "fused";
  case VariantKind::FusedDense:
    return "fused-dense";
  case VariantKind::FusedBounded:
    return "fused-bounded";
  }
  return "";
}

std::optional<VariantKind> parseVariantName(StringRef name) {
  for (VariantKind kind : {VariantKind::Unfused, VariantKind::Fused,
                           VariantKind::FusedDense, VariantKind::FusedBounded})
    if (variantName(kind) == name)
      return kind;
  return std::nullopt;
}

namespace {

/// The textual form of the -O2 tensor pipeline with every attn-sparsify
/// (and its options) taken out, so that the passes -O2 adds later stay in
/// fused-dense without being listed here.
std::string pipelineWithoutSparsify(const PassRemarks &remarks) {
  OpPassManager o2(ModuleOp::getOperationName());
  buildTensorPipeline(o2, 2, remarks);
  std::string text;
  llvm::raw_string_ostream os(text);
  o2.printAsTextualPipeline(os);
  os.flush();
  std::string out;
  for (size_t i = 0; i < text.size();) {
    StringRef rest = StringRef(text).substr(i);
    if (!rest.starts_with("attn-sparsify")) {
      out += text[i++];
      continue;
    }
    i += StringRef("attn-sparsify").size();
    if (i < text.size() && text[i] == '{') { // skip the options
      int depth = 0;
      do {
        depth += text[i] == '{' ? 1 : text[i] == '}' ? -1 : 0;
        ++i;
      } while (i < text.size() && depth > 0);
    }
  }
  // Tidy the lists the removal left: "(," ",," ",)" and empty nests.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto [from, to] : {std::pair<StringRef, StringRef>{"(,", "("},
                            {",,", ","},
                            {",)", ")"},
                            {"func.func()", ""}}) {
      size_t at;
      while ((at = out.find(from.str())) != std::string::npos) {
        out.replace(at, from.size(), to.str());
        changed = true;
      }
    }
  }
  return out;
}

} // namespace

LogicalResult runTensorPipeline(ModuleOp module, VariantKind kind,
                                const PassRemarks &remarks) {
  PassManager pm(module.getContext());
  if (kind == VariantKind::FusedDense) {
    static std::once_flag registered;
    std::call_once(registered, [] { registerHeedPasses(); });
    std::string text = pipelineWithoutSparsify(remarks);
    // The printed pipeline is anchored on builtin.module: parse its body.
    StringRef body = text;
    if (body.consume_front("builtin.module(") && body.consume_back(")"))
      text = body.str();
    std::string error;
    llvm::raw_string_ostream errorStream(error);
    if (!text.empty() && failed(parsePassPipeline(text, pm, errorStream)))
      return emitError(UnknownLoc::get(module.getContext()))
             << "cannot build the fused-dense pipeline '" << text
             << "': " << errorStream.str();
  } else {
    buildTensorPipeline(pm, kind == VariantKind::Unfused ? 0 : 2, remarks);
  }
  return pm.run(module);
}

bool hasStructuredAttention(ModuleOp module) {
  bool found = false;
  getEntryGraph(module).walk([&](Operation *op) {
    if (auto a = dyn_cast<attn::AttentionOp>(op))
      found |= (bool)a.getStructureAttr();
    if (auto g = dyn_cast<attn::GatedAttentionOp>(op))
      found |= (bool)g.getStructureAttr();
  });
  return found;
}

CompiledVariant::~CompiledVariant() { heed_model_free(model); }

FailureOr<std::unique_ptr<CompiledVariant>>
compileVariant(ModuleOp module, VariantKind kind, heed_weights *weights,
               int threads, const PassRemarks &remarks,
               llvm::function_ref<LogicalResult(ModuleOp)> boundPlan) {
  MLIRContext *ctx = module.getContext();
  auto fail = [&]() { return emitError(UnknownLoc::get(ctx)); };
  auto variant = std::make_unique<CompiledVariant>();
  variant->kind = kind;
  if (failed(runTensorPipeline(module, kind, remarks)))
    return failure();
  variant->flops = countFlops(getEntryGraph(module));
  variant->structuredAttention = hasStructuredAttention(module);

  unsigned optLevel = kind == VariantKind::Unfused ? 0 : 2;
  PassManager heedrtPm(ctx);
  buildHeedrtPipeline(heedrtPm, optLevel, heed::tools::precisionFromFlags());
  if (failed(heedrtPm.run(module)) || (boundPlan && failed(boundPlan(module))))
    return failure();
  {
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    variant->planHash = std::hash<std::string>()(os.str());
  }
  auto plans = module.getOps<heedrt::PlanOp>();
  if (plans.empty())
    return fail() << "the " << variantName(kind) << " pipeline left no plan";
  heedrt::PlanOp plan = *plans.begin();
  std::string name = plan.getSymName().str();
  for (auto input : plan.getBody().front().getOps<heedrt::InputOp>())
    variant->inputBounds.push_back(input.getRandomBound().value_or(0));

  LoweringOptions lowering;
  lowering.optLevel = optLevel;
  lowering.externalWeights = true;
  PassManager llvmPm(ctx);
  buildLLVMPipeline(llvmPm, lowering);
  if (failed(llvmPm.run(module)))
    return failure();

  static std::once_flag nativeTarget;
  std::call_once(nativeTarget, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  ExecutionEngineOptions options;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return fail() << "cannot compile the " << variantName(kind)
                  << " variant in memory: "
                  << llvm::toString(engine.takeError());
  variant->engine = std::move(*engine);
  auto build = variant->engine->lookup(name + "_build");
  if (!build)
    return fail() << "the compiled model has no " << name
                  << "_build: " << llvm::toString(build.takeError());
  if (heed_compiled_load(reinterpret_cast<heed_build_fn>(*build), nullptr,
                         weights, &variant->model) != HEED_OK)
    return fail() << "cannot load the " << variantName(kind)
                  << " variant: " << heed_last_error();
  if (heed_model_set_threads(variant->model, threads) != HEED_OK)
    return fail() << heed_last_error();
  return variant;
}

} // namespace heed::bench
