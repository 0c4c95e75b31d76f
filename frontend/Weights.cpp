//===- Weights.cpp - Binding parameters to tensors ------------------------===//

#include "Weights.h"

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"
#include "heed/io/Safetensors.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace heed;

static io::HostTensor randomParam(ParamOp op, uint64_t seed) {
  auto type = cast<RankedTensorType>(op.getType());
  io::HostTensor t;
  t.dtype = *toDType(type.getElementType());
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.data.resize(t.numel() * dtypeSize(t.dtype));
  double bound = 1.0 / std::sqrt((double)op.getFanIn());
  bool onePlus = op.getInit() == "one_plus";
  if (onePlus)
    bound = std::min(bound, 0.5);
  SeededUniform rng(seed, op.getName());
  for (int64_t i = 0; i < t.numel(); ++i)
    io::storeElement(t, i, (onePlus ? 1.0 : 0.0) + bound * rng.next());
  return t;
}

FailureOr<WeightStore> heed::bindWeights(func::FuncOp graph,
                                         const WeightOptions &options) {
  WeightStore store;
  SmallVector<ParamOp> params;
  graph.walk([&](ParamOp op) { params.push_back(op); });
  if (params.empty())
    return store;
  std::unique_ptr<io::SafetensorsFile> file;
  if (!options.weightsFile.empty()) {
    std::string error;
    file = io::SafetensorsFile::open(options.weightsFile, error);
    if (!file)
      return emitError(UnknownLoc::get(graph.getContext()), error);
  }
  auto embeddedValue = [&](StringRef name) -> const io::HostTensor * {
    if (!options.embedded)
      return nullptr;
    auto it = options.embedded->find(name);
    return it == options.embedded->end() ? nullptr : &it->second;
  };
  bool allEmbedded = llvm::all_of(
      params, [&](ParamOp op) { return embeddedValue(op.getName()); });
  if (!file && !options.randomSeed && !allEmbedded) {
    return emitError(UnknownLoc::get(graph.getContext()))
           << "the model has " << params.size() << " parameters (the first is '"
           << params.front().getName()
           << "'); pass --weights=FILE.safetensors or --random-weights=SEED";
  }
  std::vector<std::string> randomFilled;
  for (ParamOp op : params) {
    if (store.count(op.getName()))
      continue;
    auto type = cast<RankedTensorType>(op.getType());
    const io::TensorView *view =
        file ? file->find(op.getName().str()) : nullptr;
    if (!view)
      if (const io::HostTensor *own = embeddedValue(op.getName())) {
        store[op.getName()] = *own;
        continue;
      }
    if (file && !view && !options.randomSeed)
      return op.emitError() << "parameter '" << op.getName()
                            << "' is missing from " << options.weightsFile;
    if (!view) {
      store[op.getName()] = randomParam(op, *options.randomSeed);
      if (file)
        randomFilled.push_back(op.getName().str());
      continue;
    }
    DType want = *toDType(type.getElementType());
    if (view->dtype != want ||
        ArrayRef<int64_t>(view->shape) != type.getShape())
      return op.emitError()
             << "parameter '" << op.getName() << "' is "
             << dtypeName(view->dtype) << formatShape(view->shape) << " in "
             << options.weightsFile << " but the model needs "
             << formatType(type);
    store[op.getName()] = io::copyToHost(*view);
  }
  // NaN or Inf in a weight is almost always a broken checkpoint: say so,
  // naming the first tensor and element.
  {
    size_t bad = 0;
    std::string first;
    int64_t firstIndex = 0;
    for (const auto &entry : store) {
      const io::HostTensor &t = entry.getValue();
      if (!isFloatDType(t.dtype))
        continue;
      int64_t n = t.numel(), at = -1;
      if (t.dtype == DType::F32) {
        const float *f = reinterpret_cast<const float *>(t.data.data());
        for (int64_t i = 0; i < n && at < 0; ++i)
          if (!std::isfinite(f[i]))
            at = i;
      } else {
        for (int64_t i = 0; i < n && at < 0; ++i)
          if (!std::isfinite(io::loadElement(t, i)))
            at = i;
      }
      if (at < 0)
        continue;
      if (!bad++ || entry.getKey() < first) {
        first = entry.getKey().str();
        firstIndex = at;
      }
    }
    if (bad)
      emitWarning(UnknownLoc::get(graph.getContext()))
          << bad << (bad == 1 ? " weight tensor holds" : " weight tensors hold")
          << " NaN or Inf (the first by name: '" << first << "', element "
          << firstIndex << ")";
  }
  // Say what did not line up, so a misspelt name never goes unnoticed.
  if (file) {
    Location loc = UnknownLoc::get(graph.getContext());
    if (!randomFilled.empty())
      emitWarning(loc) << randomFilled.size() << " of " << store.size()
                       << " parameters are not in " << options.weightsFile
                       << " and were filled by --random-weights (the first: '"
                       << randomFilled.front() << "')";
    std::vector<std::string> unused;
    for (const std::string &name : file->names())
      if (!store.count(name))
        unused.push_back(name);
    if (!unused.empty())
      emitWarning(loc) << options.weightsFile << " has " << unused.size()
                       << " tensors the model does not use (the first: '"
                       << unused.front() << "')";
  }
  return store;
}

LogicalResult heed::saveWeights(const WeightStore &store,
                                const std::string &path, MLIRContext *ctx) {
  std::vector<std::pair<std::string, io::HostTensor>> tensors;
  for (const auto &entry : store)
    tensors.emplace_back(entry.getKey().str(), entry.getValue());
  std::sort(tensors.begin(), tensors.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  std::string error;
  if (!io::writeSafetensors(path, tensors, error))
    return emitError(UnknownLoc::get(ctx), error);
  return success();
}
