//===- MatchFailureRemarks.h - Near misses of patterns as remarks -*- C++
//-*-===//
//
// attn-fuse and attn-sparsify are rewrite patterns under the greedy driver;
// when one of them sees a near miss (a softmax feeding a matmul that is not
// attention it can fuse, a mask computed in the graph that it cannot prove
// a band) it says why with PatternRewriter::notifyMatchFailure, and an
// irrelevant op gets a plain failure(). With `remarks` set, the pass
// installs this listener on the driver: each reason becomes one remark at
// the op (`heedc --remarks=attn-fuse`), in the order first seen, once
// however often the driver retried the op.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_TENSOR_MATCHFAILUREREMARKS_H
#define HEED_PASSES_TENSOR_MATCHFAILUREREMARKS_H

#include "mlir/IR/PatternMatch.h"

#include <string>
#include <utility>
#include <vector>

namespace heed {

class MatchFailureRemarks : public mlir::RewriterBase::Listener {
public:
  void notifyMatchFailure(
      mlir::Location loc,
      llvm::function_ref<void(mlir::Diagnostic &)> reasonCallback) override;

  /// Emits every reason collected as a remark at its location.
  void emit() const;

private:
  /// (location, reason), in the order first seen, without repeats.
  std::vector<std::pair<mlir::Location, std::string>> reasons;
};

} // namespace heed

#endif // HEED_PASSES_TENSOR_MATCHFAILUREREMARKS_H
