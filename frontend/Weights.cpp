//===- Weights.cpp - Binding parameters to tensors ------------------------===//

#include "Weights.h"

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"
#include "heed/io/Safetensors.h"

#include <cmath>
#include <cstring>
#include <set>

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

/// The index of the first NaN or Inf among the \p n elements of \p dtype at
/// \p data, or -1 (and -1 for non-float dtypes).
static int64_t firstNonFinite(DType dtype, const uint8_t *data, int64_t n) {
  auto find = [&](auto load) -> int64_t {
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(load(i)))
        return i;
    return -1;
  };
  auto half = [&](int64_t i) {
    uint16_t h;
    std::memcpy(&h, data + 2 * i, 2);
    return h;
  };
  switch (dtype) {
  case DType::F32:
    return find([&](int64_t i) {
      float f;
      std::memcpy(&f, data + 4 * i, 4);
      return f;
    });
  case DType::F16:
    return find([&](int64_t i) { return halfToFloat(half(i)); });
  case DType::BF16:
    return find([&](int64_t i) { return bf16ToFloat(half(i)); });
  default:
    return -1;
  }
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
  // Non-finite values: how many tensors, and the first by name.
  size_t nonFinite = 0;
  std::string firstBad;
  int64_t firstBadIndex = 0;
  auto checkFinite = [&](StringRef name, DType dtype, const uint8_t *data,
                         int64_t n) {
    int64_t at = firstNonFinite(dtype, data, n);
    if (at >= 0 && (!nonFinite++ || name < firstBad)) {
      firstBad = name.str();
      firstBadIndex = at;
    }
  };
  std::set<std::string> checked; // the names bound so far
  for (ParamOp op : params) {
    if (!checked.insert(op.getName().str()).second)
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
    checkFinite(op.getName(), view->dtype, view->data,
                (int64_t)(view->nbytes / dtypeSize(view->dtype)));
    if (options.keepFileValues)
      store[op.getName()] = io::copyToHost(*view);
  }
  // NaN or Inf in a weight is almost always a broken checkpoint: say so,
  // naming the first tensor and element.
  for (const auto &entry : store) {
    if (file && file->find(entry.getKey().str()))
      continue; // checked above
    const io::HostTensor &t = entry.getValue();
    checkFinite(entry.getKey(), t.dtype, t.data.data(), t.numel());
  }
  if (nonFinite)
    emitWarning(UnknownLoc::get(graph.getContext()))
        << nonFinite
        << (nonFinite == 1 ? " weight tensor holds" : " weight tensors hold")
        << " NaN or Inf (the first by name: '" << firstBad << "', element "
        << firstBadIndex << ")";
  // Say what did not line up, so a misspelt name never goes unnoticed.
  if (file) {
    Location loc = UnknownLoc::get(graph.getContext());
    if (!randomFilled.empty())
      emitWarning(loc) << randomFilled.size() << " of " << checked.size()
                       << " parameters are not in " << options.weightsFile
                       << " and were filled by --random-weights (the first: '"
                       << randomFilled.front() << "')";
    std::vector<std::string> unused;
    for (const std::string &name : file->names())
      if (!checked.count(name))
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
