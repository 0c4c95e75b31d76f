//===- WeightsTable.cpp - A runtime weights table over a WeightStore ------===//

#include "WeightsTable.h"

namespace heed::tools {

bool makeWeightsTable(const WeightStore &store, WeightsTable &out,
                      std::string &error) {
  if (heed_weights_create(&out.table) != HEED_OK) {
    error = heed_last_error();
    return false;
  }
  for (const auto &entry : store) {
    const io::HostTensor &t = entry.second;
    if (heed_weights_add(out.table, entry.first().str().c_str(),
                         (heed_dtype)t.dtype, (int32_t)t.shape.size(),
                         t.shape.data(), t.data.data()) != HEED_OK) {
      error = heed_last_error();
      return false;
    }
  }
  return true;
}

} // namespace heed::tools
