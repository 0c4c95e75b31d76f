//===- ModelFlags.cpp - Flags shared by the tools that read models --------===//

#include "ModelFlags.h"
#include "Frontend.h"

#include "mlir/IR/Diagnostics.h"

namespace cl = llvm::cl;
using namespace mlir;

namespace heed::tools {

cl::OptionCategory &modelFlagsCategory() {
  static cl::OptionCategory category("Model options");
  return category;
}

namespace {
cl::list<std::string> dimFlags("dim",
                               cl::desc("Bind a dimension, or give it a range "
                                        "(NAME=LO..HI: one binary runs every "
                                        "size in it)"),
                               cl::value_desc("NAME=VALUE|NAME=LO..HI"),
                               cl::cat(modelFlagsCategory()));
cl::list<std::string> inputShapeFlags(
    "input-shape",
    cl::desc("ONNX models: every dimension of an input (named, unnamed or "
             "'?')"),
    cl::value_desc("NAME=AxBxC"), cl::cat(modelFlagsCategory()));
cl::list<std::string> constFlags(
    "const",
    cl::desc("ONNX models: bind an input to a constant at compile time (so "
             "that what depends on it, an If, folds)"),
    cl::value_desc("NAME=V[,V...]"), cl::cat(modelFlagsCategory()));
/// The parameter values the loaded model file carries (ONNX initializers).
WeightStore &embeddedWeights() {
  static WeightStore store;
  return store;
}
cl::opt<int64_t> maxOps(
    "max-ops",
    cl::desc("The most ops a .heed model may expand into (nested subgraph "
             "calls multiply); default 1000000"),
    cl::init(1000000), cl::value_desc("N"), cl::cat(modelFlagsCategory()));
cl::opt<std::string> entry("entry",
                           cl::desc("Graph to use when the file declares "
                                    "several"),
                           cl::value_desc("name"),
                           cl::cat(modelFlagsCategory()));
cl::opt<std::string> weightsFile("weights",
                                 cl::desc("Parameters (PyTorch state_dict "
                                          "names)"),
                                 cl::value_desc("file.safetensors"),
                                 cl::cat(modelFlagsCategory()));
cl::opt<uint64_t> randomWeights("random-weights",
                                cl::desc("Fill parameters deterministically "
                                         "(those the weights file lacks)"),
                                cl::value_desc("seed"),
                                cl::cat(modelFlagsCategory()));
cl::opt<std::string> saveWeightsFile("save-weights",
                                     cl::desc("Write the weights used"),
                                     cl::value_desc("file.safetensors"),
                                     cl::cat(modelFlagsCategory()));
enum class RemarkPass { AttnFuse, AttnSparsify, Fused };
cl::list<RemarkPass> remarkFlags(
    "remarks", cl::CommaSeparated,
    cl::desc("Remarks: what attn-fuse and attn-sparsify did not fuse or "
             "sparsify, or (fused) what they did"),
    cl::values(clEnumValN(RemarkPass::AttnFuse, "attn-fuse",
                          "near matches attn-fuse left alone"),
               clEnumValN(RemarkPass::AttnSparsify, "attn-sparsify",
                          "masks attn-sparsify could not turn into skipped "
                          "tiles"),
               clEnumValN(RemarkPass::Fused, "fused",
                          "what attn-fuse fused and the structure "
                          "attn-sparsify found")),
    cl::cat(modelFlagsCategory()));
} // namespace

namespace {
cl::opt<Precision> precisionFlag(
    "precision",
    cl::desc("Precision of the GEMMs and attention (docs/precision.md)"),
    cl::init(Precision::F32),
    cl::values(clEnumValN(Precision::F32, "f32", "everything in f32 (default)"),
               clEnumValN(Precision::BF16, "bf16",
                          "bf16 weights, GEMMs and attention with f32 "
                          "accumulation; softmax, norms, residuals, inputs "
                          "and outputs stay f32")),
    cl::cat(modelFlagsCategory()));
} // namespace

Precision precisionFromFlags() { return precisionFlag; }

PassRemarks remarksFromFlags() {
  PassRemarks remarks;
  for (RemarkPass pass : remarkFlags) {
    remarks.attnFuse |= pass == RemarkPass::AttnFuse;
    remarks.attnSparsify |= pass == RemarkPass::AttnSparsify;
    remarks.fused |= pass == RemarkPass::Fused;
  }
  return remarks;
}

/// loadModel, with the dimensions of \p overrides at their values.
static OwningOpRef<ModuleOp>
loadModelImpl(StringRef path, llvm::SourceMgr &sourceMgr, MLIRContext &context,
              const std::map<std::string, int64_t> &extraDims,
              StringRef extraFlag,
              const std::map<std::string, int64_t> &overrides) {
  FrontendOptions options;
  options.entry = entry;
  options.maxOps = maxOps;
  std::map<std::string, std::pair<int64_t, int64_t>> ranges;
  if (failed(parseDimFlags(dimFlags, options.dims, context, &ranges)) ||
      failed(parseInputShapeFlags(inputShapeFlags, options.inputShapes,
                                  context)) ||
      failed(parseConstFlags(constFlags, options.constInputs, context)))
    return nullptr;
  for (const auto &[name, value] : extraDims) {
    // A size of a range (heed-bench's sweep of a bounded dimension).
    auto range = ranges.find(name);
    if (range != ranges.end()) {
      if (value < range->second.first || value > range->second.second) {
        emitError(UnknownLoc::get(&context))
            << extraFlag << " " << name << "=" << value << " is outside --dim "
            << name << "=" << range->second.first << ".."
            << range->second.second;
        return nullptr;
      }
      options.dims[name] = value;
      continue;
    }
    if (!options.dims.emplace(name, value).second) {
      emitError(UnknownLoc::get(&context))
          << "--dim " << name << " and " << extraFlag << " " << name
          << " both set the dimension '" << name << "'";
      return nullptr;
    }
  }
  for (const auto &[name, value] : overrides)
    options.dims[name] = value;
  if (!overrides.empty()) { // another size: the weights are read already
    llvm::StringMap<io::HostTensor> unused;
    return loadModelFile(path, sourceMgr, context, options, unused);
  }
  embeddedWeights().clear();
  return loadModelFile(path, sourceMgr, context, options, embeddedWeights());
}

OwningOpRef<ModuleOp> loadModel(StringRef path, llvm::SourceMgr &sourceMgr,
                                MLIRContext &context) {
  return loadModelImpl(path, sourceMgr, context, {}, "", {});
}

OwningOpRef<ModuleOp> loadModel(StringRef path, llvm::SourceMgr &sourceMgr,
                                MLIRContext &context,
                                const std::map<std::string, int64_t> &extraDims,
                                StringRef extraFlag) {
  return loadModelImpl(path, sourceMgr, context, extraDims, extraFlag, {});
}

std::vector<BoundedDim> boundedDimsFromFlags() {
  // Well-formed ranges only: loadModel reports the rest.
  std::map<std::string, BoundedDim> byName;
  for (StringRef flag : dimFlags) {
    auto [name, value] = flag.split('=');
    auto [loText, hiText] = value.split("..");
    int64_t lo, hi;
    if (value.contains("..") && !loText.getAsInteger(10, lo) &&
        !hiText.getAsInteger(10, hi) && 1 <= lo && lo < hi)
      byName[name.str()] = BoundedDim{name.str(), lo, hi};
  }
  std::vector<BoundedDim> dims;
  for (const auto &[name, d] : byName)
    dims.push_back(d);
  return dims;
}

LogicalResult boundPlan(ModuleOp module, StringRef path,
                        llvm::SourceMgr &sourceMgr, MLIRContext &context,
                        llvm::function_ref<LogicalResult(ModuleOp)> lower,
                        const std::map<std::string, int64_t> &extraDims,
                        StringRef extraFlag) {
  std::vector<BoundedDim> dims = boundedDimsFromFlags();
  if (dims.empty())
    return success();
  auto planOf = [](ModuleOp m) { return *m.getOps<heedrt::PlanOp>().begin(); };
  std::vector<std::map<std::string, int64_t>> points =
      boundedSamplePoints(dims);
  std::vector<OwningOpRef<ModuleOp>> samples;
  std::vector<heedrt::PlanOp> plans{planOf(module)};
  for (size_t p = 1; p < points.size(); ++p) {
    // The compile at the bound said everything but errors already.
    ScopedDiagnosticHandler quiet(&context, [](Diagnostic &d) {
      return d.getSeverity() == DiagnosticSeverity::Error ? failure()
                                                          : success();
    });
    OwningOpRef<ModuleOp> sample = loadModelImpl(
        path, sourceMgr, context, extraDims, extraFlag, points[p]);
    if (!sample || failed(lower(*sample))) {
      InFlightDiagnostic diag = emitError(UnknownLoc::get(&context));
      diag << "the model does not compile at";
      for (const auto &[name, value] : points[p])
        diag << " " << name << "=" << value;
      diag << ", a size of the range the --dim flags give";
      return failure();
    }
    plans.push_back(planOf(*sample));
    samples.push_back(std::move(sample));
  }
  return annotateBoundedPlan(plans, dims);
}

std::vector<std::string> dimFlagValues() {
  return std::vector<std::string>(dimFlags.begin(), dimFlags.end());
}

std::string weightsFlag() { return weightsFile; }

bool modelCarriesWeights() { return !embeddedWeights().empty(); }

bool weightFlagsGiven() {
  return !weightsFile.empty() || randomWeights.getNumOccurrences() ||
         !saveWeightsFile.empty();
}

namespace {
FailureOr<WeightStore> bindFromFlags(func::FuncOp graph,
                                     std::optional<uint64_t> defaultSeed,
                                     FileValues fileValues) {
  WeightOptions options;
  options.keepFileValues =
      fileValues == FileValues::Copy || !saveWeightsFile.empty();
  options.weightsFile = weightsFile;
  options.embedded = &embeddedWeights();
  if (randomWeights.getNumOccurrences())
    options.randomSeed = randomWeights;
  else if (defaultSeed && weightsFile.empty())
    options.randomSeed = *defaultSeed;
  auto store = bindWeights(graph, options);
  if (failed(store))
    return failure();
  if (!saveWeightsFile.empty() &&
      failed(saveWeights(*store, saveWeightsFile, graph.getContext())))
    return failure();
  return store;
}
} // namespace

FailureOr<WeightStore> bindWeightsFromFlags(func::FuncOp graph,
                                            FileValues fileValues) {
  return bindFromFlags(graph, std::nullopt, fileValues);
}

FailureOr<WeightStore> bindWeightsFromFlags(func::FuncOp graph,
                                            uint64_t defaultSeed) {
  return bindFromFlags(graph, defaultSeed, FileValues::Copy);
}

} // namespace heed::tools
