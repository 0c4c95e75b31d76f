//===- WeightsTable.h - A runtime weights table over a WeightStore -*- C++
//-*-===//
//
// The tools that compile a model in memory (heed-run, heed-bench,
// heed-eval) load it with a heed_weights table over the weights the
// frontend bound: one table, borrowing the store's data.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_WEIGHTSTABLE_H
#define HEED_TOOLS_WEIGHTSTABLE_H

#include "Weights.h"

#include "heed/compiled.h"

#include <string>

namespace heed::tools {

/// Owns a heed_weights table.
struct WeightsTable {
  heed_weights *table = nullptr;
  WeightsTable() = default;
  WeightsTable(const WeightsTable &) = delete;
  WeightsTable &operator=(const WeightsTable &) = delete;
  ~WeightsTable() { heed_weights_free(table); }
};

/// Fills \p out with \p store's tensors (borrowed: \p store must outlive
/// every model loaded with the table); false with \p error on failure.
bool makeWeightsTable(const WeightStore &store, WeightsTable &out,
                      std::string &error);

} // namespace heed::tools

#endif // HEED_TOOLS_WEIGHTSTABLE_H
