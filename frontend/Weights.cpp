//===- Weights.cpp - Binding parameters to tensors ------------------------===//

#include "Weights.h"

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"
#include "heed/io/Safetensors.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace heed;

SeededUniform::SeededUniform(uint64_t seed, StringRef name) {
  // FNV-1a of the name, mixed with the seed.
  uint64_t h = 1469598103934665603ull;
  for (char c : name) {
    h ^= (unsigned char)c;
    h *= 1099511628211ull;
  }
  state = h ^ (seed * 0x9E3779B97F4A7C15ull);
}

double SeededUniform::next() {
  // splitmix64.
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

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
  } else if (!options.randomSeed) {
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
