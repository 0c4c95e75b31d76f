//===- Weights.h - The table behind heed_weights ----------------*- C++ -*-===//
//
// A weights table maps tensor names to dtype, shape and data. Tables opened
// from a .safetensors file keep the file mapped and point into it; tables
// built with heed_weights_add borrow the caller's data. The table is shared:
// each heed_weights handle, plan and model holds a std::shared_ptr to it.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_WEIGHTS_H
#define HEED_RUNTIME_WEIGHTS_H

#include "heed/compiled.h"
#include "heed/io/Safetensors.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace heed::rt {

/// One tensor of a weights table.
struct WeightTensor {
  heed_dtype dtype = HEED_F32;
  std::vector<int64_t> shape;
  const void *data = nullptr; ///< aligned for the dtype; null when empty
};

/// The shared state of a heed_weights handle.
struct WeightsTable {
  /// Where the tensors come from, for messages: the file's path, or "the
  /// weights table" for a table built in memory.
  std::string source;
  /// The mapped file of heed_weights_open, if any.
  std::unique_ptr<io::SafetensorsFile> file;
  std::map<std::string, WeightTensor> tensors;
  /// Aligned copies of file tensors whose data the file does not align for
  /// their dtype (the format does not promise alignment).
  std::vector<std::unique_ptr<void, void (*)(void *)>> copies;
};

} // namespace heed::rt

/// A handle: one reference to a table.
struct heed_weights {
  std::shared_ptr<heed::rt::WeightsTable> table;
};

#endif // HEED_RUNTIME_WEIGHTS_H
