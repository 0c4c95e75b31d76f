//===- MatchFailureRemarks.cpp - Near misses of patterns as remarks -------===//

#include "passes/tensor/MatchFailureRemarks.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

void heed::MatchFailureRemarks::notifyMatchFailure(
    Location loc, function_ref<void(Diagnostic &)> reasonCallback) {
  Diagnostic diag(loc, DiagnosticSeverity::Remark);
  reasonCallback(diag);
  std::pair<Location, std::string> reason(loc, diag.str());
  if (!llvm::is_contained(reasons, reason))
    reasons.push_back(std::move(reason));
}

void heed::MatchFailureRemarks::emit() const {
  for (const auto &[loc, reason] : reasons)
    emitRemark(loc) << reason;
}
