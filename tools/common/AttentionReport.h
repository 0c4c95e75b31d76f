//===- AttentionReport.h - Each attention of a model, as JSON ---*- C++ -*-===//
//
// `heedc --attention-report=FILE.json` writes, after the tensor passes, one
// entry per attention of the entry graph: the fused ones (attn.attention,
// attn.gated_attention, attn.additive_attention) with their structure,
// sizes, tile and the fraction of (query, key) scores they skip, and the
// spelled-out attentions attn-fuse recognised but could not fuse, with its
// reason (its near-miss remark). The Python package's
// Model.attention_report() reads it (docs/python.md).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_ATTENTIONREPORT_H
#define HEED_TOOLS_ATTENTIONREPORT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"

#include <string>
#include <vector>

namespace heed::tools {

/// Collects attn-fuse's near-miss remarks while the tensor passes run (the
/// passes must be built with PassRemarks::attnFuse) and keeps them from
/// being printed unless \p print.
class NearMissCollector {
public:
  NearMissCollector(mlir::MLIRContext &context, bool print);

  struct NearMiss {
    std::string where, why;
  };
  std::vector<NearMiss> misses;

private:
  mlir::ScopedDiagnosticHandler handler;
};

/// The report of \p graph (after the tensor passes) as one JSON object:
/// {"attention": [{"where": "m.heed:3:7", "fused": true, "op":
/// "attn.attention", "structure": "causal", "batch_heads": 24, "lq": 128,
/// "lk": 128, "tile": [64, 128], "skipped_fraction": 0.49}, {"where": ...,
/// "fused": false, "why": "..."}]}, in source order.
std::string
attentionReportJson(mlir::func::FuncOp graph,
                    const std::vector<NearMissCollector::NearMiss> &misses);

} // namespace heed::tools

#endif // HEED_TOOLS_ATTENTIONREPORT_H
