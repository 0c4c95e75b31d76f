//===- Weights.h - Binding parameters to tensors ----------------*- C++ -*-===//

#ifndef HEED_FRONTEND_WEIGHTS_H
#define HEED_FRONTEND_WEIGHTS_H

#include "heed/io/HostTensor.h"
#include "heed/io/Random.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace heed {

/// Where parameter values come from.
struct WeightOptions {
  /// `--weights=FILE.safetensors` (PyTorch state_dict names).
  std::string weightsFile;
  /// `--random-weights=SEED`: fills parameters the file does not provide.
  std::optional<uint64_t> randomSeed;
  /// Values the model file itself carries (an ONNX model's initializers);
  /// the weights file overrides them by name.
  const llvm::StringMap<io::HostTensor> *embedded = nullptr;
  /// False: the weights file's tensors are checked (names, shapes, dtypes,
  /// non-finite values) but not copied into the store, for a model that
  /// reads them itself when it loads (`--weights-external`), so compiling
  /// it never holds the weights twice.
  bool keepFileValues = true;
};

/// Parameter values by full name (`encoder.layer.0.attention.q.weight`).
using WeightStore = llvm::StringMap<io::HostTensor>;

/// Gives every `heed.param` of \p graph a value: from the weights file when
/// it has the name, else from the model's own values (`embedded`), else
/// from the random filler. Without a filler, a missing tensor is an error
/// at the parameter's location that names it, as is a tensor of another
/// shape or dtype. Random values depend only on the seed and the
/// parameter's name, so they do not change when other layers are added or
/// reordered: `uniform` draws U(-b, b) with b = 1/sqrt(fan_in), `one_plus`
/// draws 1 + U(-b, b) with b = min(0.5, 1/sqrt(fan_in)).
mlir::FailureOr<WeightStore> bindWeights(mlir::func::FuncOp graph,
                                         const WeightOptions &options);

/// Writes \p store to \p path as safetensors, sorted by name; reports
/// failure through \p ctx's diagnostics.
mlir::LogicalResult saveWeights(const WeightStore &store,
                                const std::string &path,
                                mlir::MLIRContext *ctx);

/// Deterministic uniform numbers in [-1, 1) for a (seed, name) stream; they
/// live in HeedIO so that compiled model executables draw the same ones.
using io::SeededUniform;

} // namespace heed

#endif // HEED_FRONTEND_WEIGHTS_H
