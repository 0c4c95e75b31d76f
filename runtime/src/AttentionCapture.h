//===- AttentionCapture.h - Keeping the probabilities of a run --*- C++ -*-===//
//
// Attention maps (heed_plan_name_attention): nodes that compute an
// attention's probabilities, "attention" (its probs output, which the
// kernel computes only on request, through its materialising path),
// "additive_attention" (alpha) and "softmax" (a spelled-out attention's
// probabilities). While a model captures (heed_model_capture_attention),
// each such node runs a CaptureKernel around its kernel, which keeps a copy
// of the probabilities in memory of its own, outside the arena; turning
// capture off creates the plan's kernels again, so a model that never
// captures runs exactly the kernels it would run without maps.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_ATTENTIONCAPTURE_H
#define HEED_RUNTIME_ATTENTIONCAPTURE_H

#include "Plan.h"

#include <memory>

namespace heed::rt {

/// Fails unless a node running \p kernel can be an attention map.
void checkAttentionMapKernel(const std::string &kernel);

/// The kernel for \p sig of attention map node \p n while capturing: a
/// CaptureKernel around the node's kernel (for "attention", created with
/// return_probs).
std::unique_ptr<Kernel> createCaptureKernel(const KernelSignature &sig,
                                            const PlanNode &n);

/// The plan's kernel inside \p k when \p k is a CaptureKernel, else \p k
/// (what KernelSignature::previous should see).
const Kernel *withoutCapture(const Kernel *k);

/// Turns capturing on or off: creates the attention maps' kernels again.
void setAttentionCapture(heed_model &model, bool enable);

/// The probabilities of map \p index of the last captured run as a new f32
/// tensor [B, H, Lq, Lk], and the skipped pairs as a new i1 [Lq, Lk] tensor
/// or null (see heed_model_attention_probs).
void capturedAttention(heed_model &model, int32_t index, heed_tensor **probs,
                       heed_tensor **skipped);

} // namespace heed::rt

#endif // HEED_RUNTIME_ATTENTIONCAPTURE_H
