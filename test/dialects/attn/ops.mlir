// RUN: heed-opt %s | heed-opt | FileCheck %s
// RUN: heed-opt %s --mlir-print-op-generic | heed-opt | FileCheck %s

// Round trip of every attn op and every sparsity attribute.

// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x128x64xf32>, %[[K:.+]]: tensor<1x8x128x64xf32>, %[[V:.+]]: tensor<1x8x128x32xf32>)
func.func @attention(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x8x128x32xf32>) -> tensor<1x8x128x32xf32> {
  // CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] {scale = 1.250000e-01 : f64} : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x32xf32>) -> tensor<1x8x128x32xf32>
  %o = attn.attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x32xf32>) -> tensor<1x8x128x32xf32>
  // CHECK: return %[[O]]
  return %o : tensor<1x8x128x32xf32>
}

// Grouped-query attention (8 query heads over 2 key/value heads), bf16, and
// Lq != Lk.
// CHECK-LABEL: func.func @attention_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<2x8x16x64xbf16>, %[[K:.+]]: tensor<2x2x48x64xbf16>, %[[V:.+]]: tensor<2x2x48x64xbf16>)
func.func @attention_gqa(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x48x64xbf16>, %v: tensor<2x2x48x64xbf16>) -> tensor<2x8x16x64xbf16> {
  // CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] {scale = 1.000000e+00 : f64} : (tensor<2x8x16x64xbf16>, tensor<2x2x48x64xbf16>, tensor<2x2x48x64xbf16>) -> tensor<2x8x16x64xbf16>
  %o = attn.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<2x8x16x64xbf16>, tensor<2x2x48x64xbf16>, tensor<2x2x48x64xbf16>) -> tensor<2x8x16x64xbf16>
  // CHECK: return %[[O]]
  return %o : tensor<2x8x16x64xbf16>
}

// CHECK-LABEL: func.func @attention_masks
// CHECK-SAME: (%[[Q:.+]]: tensor<2x4x16x32xf32>, %[[KV:.+]]: tensor<2x4x24x32xf32>, %[[ADD:.+]]: tensor<2x1x1x24xf32>, %[[KEEP:.+]]: tensor<16x24xi1>, %[[FULL:.+]]: tensor<2x4x16x24xf16>, %[[S:.+]]: tensor<f32>)
func.func @attention_masks(%q: tensor<2x4x16x32xf32>, %kv: tensor<2x4x24x32xf32>, %add: tensor<2x1x1x24xf32>,
                           %keep: tensor<16x24xi1>, %full: tensor<2x4x16x24xf16>, %s: tensor<f32>)
    -> (tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>) {
  // An additive float mask (padding mask broadcast over heads and queries).
  // CHECK: %[[A:.+]] = attn.attention %[[Q]], %[[KV]], %[[KV]], %[[ADD]] {scale = 0.17677669529663687 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<2x1x1x24xf32>) -> tensor<2x4x16x32xf32>
  %0 = attn.attention %q, %kv, %kv, %add {scale = 0.17677669529663687 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<2x1x1x24xf32>) -> tensor<2x4x16x32xf32>
  // A boolean keep-mask of rank 2.
  // CHECK: %[[B:.+]] = attn.attention %[[Q]], %[[KV]], %[[KV]], %[[KEEP]] {scale = 1.250000e-01 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<16x24xi1>) -> tensor<2x4x16x32xf32>
  %1 = attn.attention %q, %kv, %kv, %keep {scale = 0.125 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<16x24xi1>) -> tensor<2x4x16x32xf32>
  // A full-size mask of another float type.
  // CHECK: %[[C:.+]] = attn.attention %[[Q]], %[[KV]], %[[KV]], %[[FULL]] {scale = 1.250000e-01 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x16x24xf16>) -> tensor<2x4x16x32xf32>
  %2 = attn.attention %q, %kv, %kv, %full {scale = 0.125 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x16x24xf16>) -> tensor<2x4x16x32xf32>
  // A scalar mask.
  // CHECK: %[[D:.+]] = attn.attention %[[Q]], %[[KV]], %[[KV]], %[[S]] {scale = 1.250000e-01 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<f32>) -> tensor<2x4x16x32xf32>
  %3 = attn.attention %q, %kv, %kv, %s {scale = 0.125 : f64} : (tensor<2x4x16x32xf32>, tensor<2x4x24x32xf32>, tensor<2x4x24x32xf32>, tensor<f32>) -> tensor<2x4x16x32xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
  return %0, %1, %2, %3 : tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>
}

// CHECK-LABEL: func.func @attention_causal
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x128x64xf32>, %[[K:.+]]: tensor<1x2x128x64xf32>)
func.func @attention_causal(%q: tensor<1x8x128x64xf32>, %k: tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32> {
  // CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[K]] {scale = 1.250000e-01 : f64, structure = #attn.causal} : (tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32>
  %o = attn.attention %q, %k, %k {scale = 0.125 : f64, structure = #attn.causal} : (tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32>
  // CHECK: return %[[O]]
  return %o : tensor<1x8x128x64xf32>
}

// CHECK-LABEL: func.func @attention_window
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x64x16xf32>)
func.func @attention_window(%q: tensor<1x4x64x16xf32>) -> (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) {
  // CHECK: %[[A:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]] {scale = 2.500000e-01 : f64, structure = #attn.window<8, 0>} : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  %0 = attn.attention %q, %q, %q {scale = 0.25 : f64, structure = #attn.window<8, 0>} : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  // A symmetric window; 0 is allowed on both sides (the diagonal only).
  // CHECK: %[[B:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]] {scale = 2.500000e-01 : f64, structure = #attn.window<4, 4>} : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  %1 = attn.attention %q, %q, %q {scale = 0.25 : f64, structure = #attn.window<4, 4>} : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  // CHECK: attn.attention %[[Q]], %[[Q]], %[[Q]] {scale = 2.500000e-01 : f64, structure = #attn.window<0, 0>}
  %2 = attn.attention %q, %q, %q {scale = 0.25 : f64, structure = #attn.window<0, 0>} : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  // CHECK: return %[[A]], %[[B]]
  return %0, %1 : tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>
}

// CHECK-LABEL: func.func @attention_blocks
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x128x64xf32>, %[[K:.+]]: tensor<1x8x100x64xf32>)
func.func @attention_blocks(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x100x64xf32>) -> (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) {
  // Two query tiles of 64 rows; 100 keys make two key tiles of 64 (the last
  // one partial).
  // CHECK: %[[A:.+]] = attn.attention %[[Q]], %[[K]], %[[K]] {scale = 1.250000e-01 : f64, structure = #attn.blocks<q_block = 64, k_block = 64, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x8x128x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x128x64xf32>
  %0 = attn.attention %q, %k, %k {scale = 0.125 : f64, structure = #attn.blocks<q_block = 64, k_block = 64, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x8x128x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x128x64xf32>
  // Unequal tiles; a query tile may visit no key tile at all.
  // CHECK: %[[B:.+]] = attn.attention %[[Q]], %[[K]], %[[K]] {scale = 1.250000e-01 : f64, structure = #attn.blocks<q_block = 32, k_block = 16, visit = [array<i64: 0, 6>, array<i64>, array<i64: 1, 2, 3>, array<i64: 6, 5, 4>]>} : (tensor<1x8x128x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x128x64xf32>
  %1 = attn.attention %q, %k, %k {scale = 0.125 : f64, structure = #attn.blocks<q_block = 32, k_block = 16, visit = [array<i64: 0, 6>, array<i64>, array<i64: 1, 2, 3>, array<i64: 6, 5, 4>]>} : (tensor<1x8x128x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x128x64xf32>
  // CHECK: return %[[A]], %[[B]]
  return %0, %1 : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>
}

// CHECK-LABEL: func.func @attention_topk
// CHECK-SAME: (%[[Q:.+]]: tensor<1x2x32x16xf32>, %[[M:.+]]: tensor<1x1x32x32xi1>)
func.func @attention_topk(%q: tensor<1x2x32x16xf32>, %m: tensor<1x1x32x32xi1>) -> (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) {
  // CHECK: %[[A:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]] {scale = 2.500000e-01 : f64, topk = #attn.topk<2.500000e-01>} : (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x2x32x16xf32>
  %0 = attn.attention %q, %q, %q {scale = 0.25 : f64, topk = #attn.topk<0.25>} : (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x2x32x16xf32>
  // The ratio is printed exactly; 1.0 (keep all) is allowed.
  // CHECK: %[[B:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]] {scale = 2.500000e-01 : f64, topk = #attn.topk<1.000000e+00>}
  %1 = attn.attention %q, %q, %q {scale = 0.25 : f64, topk = #attn.topk<1.0>} : (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x2x32x16xf32>
  // Top-k together with a mask and structure.
  // CHECK: %[[C:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]], %[[M]] {scale = 2.500000e-01 : f64, structure = #attn.causal, topk = #attn.topk<0.123456789>} : (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x1x32x32xi1>) -> tensor<1x2x32x16xf32>
  %2 = attn.attention %q, %q, %q, %m {scale = 0.25 : f64, structure = #attn.causal, topk = #attn.topk<0.123456789>} : (tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x1x32x32xi1>) -> tensor<1x2x32x16xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]]
  return %0, %1, %2 : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>
}

// CHECK-LABEL: func.func @attention_return_probs
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x16x64xf32>, %[[K:.+]]: tensor<1x2x24x64xf32>, %[[V:.+]]: tensor<1x2x24x32xf32>)
func.func @attention_return_probs(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x24x64xf32>, %v: tensor<1x2x24x32xf32>)
    -> (tensor<1x8x16x32xf32>, tensor<1x8x16x24xf32>) {
  // CHECK: %[[O:.+]], %[[P:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] {return_probs, scale = 1.250000e-01 : f64, structure = #attn.window<2, 2>} : (tensor<1x8x16x64xf32>, tensor<1x2x24x64xf32>, tensor<1x2x24x32xf32>) -> (tensor<1x8x16x32xf32>, tensor<1x8x16x24xf32>)
  %o, %p = attn.attention %q, %k, %v {return_probs, scale = 0.125 : f64, structure = #attn.window<2, 2>} : (tensor<1x8x16x64xf32>, tensor<1x2x24x64xf32>, tensor<1x2x24x32xf32>) -> (tensor<1x8x16x32xf32>, tensor<1x8x16x24xf32>)
  // CHECK: return %[[O]], %[[P]]
  return %o, %p : tensor<1x8x16x32xf32>, tensor<1x8x16x24xf32>
}

// CHECK-LABEL: func.func @gated_attention
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x16x64xf32>, %[[K:.+]]: tensor<1x4x16x64xf32>, %[[V:.+]]: tensor<1x4x16x32xf32>, %[[G:.+]]: tensor<1x8x16x32xf32>, %[[M:.+]]: tensor<1x1x16x16xf32>)
func.func @gated_attention(%q: tensor<1x8x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x32xf32>,
                           %g: tensor<1x8x16x32xf32>, %m: tensor<1x1x16x16xf32>)
    -> (tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>) {
  // CHECK: %[[A:.+]] = attn.gated_attention %[[Q]], %[[K]], %[[V]], %[[G]] {scale = 1.250000e-01 : f64} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32>
  %0 = attn.gated_attention %q, %k, %v, %g {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32>
  // CHECK: %[[B:.+]] = attn.gated_attention %[[Q]], %[[K]], %[[V]], %[[G]], %[[M]] {scale = 1.250000e-01 : f64, structure = #attn.causal, topk = #attn.topk<5.000000e-01>} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x32xf32>
  %1 = attn.gated_attention %q, %k, %v, %g, %m {scale = 0.125 : f64, structure = #attn.causal, topk = #attn.topk<0.5>} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x32xf32>
  // CHECK: %[[C:.+]] = attn.gated_attention %[[Q]], %[[K]], %[[V]], %[[G]] {scale = 1.250000e-01 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32>
  %2 = attn.gated_attention %q, %k, %v, %g {scale = 0.125 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]]
  return %0, %1, %2 : tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>
}

// CHECK-LABEL: func.func @additive_attention
// CHECK-SAME: (%[[H:.+]]: tensor<2x32xf32>, %[[S:.+]]: tensor<2x10x32xf32>, %[[W:.+]]: tensor<1x64xf32>, %[[B:.+]]: tensor<1xf32>)
func.func @additive_attention(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf32>, %b: tensor<1xf32>)
    -> (tensor<2x32xf32>, tensor<2x10xf32>, tensor<2x32xf32>, tensor<2x10xf32>) {
  // CHECK: %[[O:.+]], %[[A:.+]] = attn.additive_attention %[[H]], %[[S]], %[[W]], %[[B]] : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>, tensor<1xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  %o, %a = attn.additive_attention %h, %s, %w, %b : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>, tensor<1xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  // Without bias.
  // CHECK: %[[O2:.+]], %[[A2:.+]] = attn.additive_attention %[[H]], %[[S]], %[[W]] : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  %o2, %a2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  // CHECK: return %[[O]], %[[A]], %[[O2]], %[[A2]]
  return %o, %a, %o2, %a2 : tensor<2x32xf32>, tensor<2x10xf32>, tensor<2x32xf32>, tensor<2x10xf32>
}

// CHECK-LABEL: func.func @additive_attention_f16
// CHECK-SAME: (%[[H:.+]]: tensor<1x8xf16>, %[[S:.+]]: tensor<1x3x8xf16>, %[[W:.+]]: tensor<1x16xf16>)
func.func @additive_attention_f16(%h: tensor<1x8xf16>, %s: tensor<1x3x8xf16>, %w: tensor<1x16xf16>) -> tensor<1x3xf16> {
  // CHECK: %[[O:.+]], %[[A:.+]] = attn.additive_attention %[[H]], %[[S]], %[[W]] : (tensor<1x8xf16>, tensor<1x3x8xf16>, tensor<1x16xf16>) -> (tensor<1x8xf16>, tensor<1x3xf16>)
  %o, %a = attn.additive_attention %h, %s, %w : (tensor<1x8xf16>, tensor<1x3x8xf16>, tensor<1x16xf16>) -> (tensor<1x8xf16>, tensor<1x3xf16>)
  // CHECK: return %[[A]]
  return %a : tensor<1x3xf16>
}
