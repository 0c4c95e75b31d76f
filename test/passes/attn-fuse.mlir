// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-fuse{remarks=true}))' -verify-diagnostics | FileCheck %s

// attn-fuse: each spelled-out form becomes one attn.attention; each
// negative_ near miss stays and says why (expected-remark).

// CHECK-LABEL: func.func @scale_on_scores
// CHECK-SAME: (%[[Q:.+]]: tensor<1x2x8x16xf32>, %[[K:.+]]: tensor<1x2x8x16xf32>, %[[V:.+]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f64}
// CHECK-NEXT: return %[[O]]
func.func @scale_on_scores(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<2.500000e-01> : tensor<f32>
  %t = heed.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %t {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Division, rank 3 (one head): reshapes to [B, 1, L, D] and back.
// CHECK-LABEL: func.func @divide_rank3
// CHECK: %[[Q4:.+]] = heed.reshape %{{.+}} {shape = array<i64: 2, 1, 8, 16>}
// CHECK: %[[O:.+]] = attn.attention %[[Q4]], %{{.+}}, %{{.+}} {scale = 2.500000e-01 : f64}
// CHECK: %[[R:.+]] = heed.reshape %[[O]] {shape = array<i64: 2, 8, 16>}
// CHECK: return %[[R]]
func.func @divide_rank3(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 2, 1>} : (tensor<2x8x16xf32>) -> tensor<2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<2x8x16xf32>, tensor<2x16x8xf32>) -> tensor<2x8x8xf32>
  %c = heed.constant dense<4.0> : tensor<f32>
  %t = heed.div %s, %c : (tensor<2x8x8xf32>, tensor<f32>) -> tensor<2x8x8xf32>
  %p = heed.softmax %t {axis = 2 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<2x8x8xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// The scale split as sqrt(scale) on Q and on K; K^T made by a head-split
// transpose [B, L, H, D] -> [B, H, D, L] is read as [B, H, L, D].
// CHECK-LABEL: func.func @split_scale_head_split
// CHECK: %[[K:.+]] = heed.transpose %{{.+}} {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
// CHECK: attn.attention %{{.+}}, %[[K]], %{{.+}} {scale = 2.500000e-01 : f64}
// CHECK-NOT: heed.softmax
func.func @split_scale_head_split(%q: tensor<1x2x8x16xf32>, %kx: tensor<1x8x2x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %c = heed.constant dense<5.000000e-01> : tensor<f32>
  %qs = heed.mul %q, %c : (tensor<1x2x8x16xf32>, tensor<f32>) -> tensor<1x2x8x16xf32>
  %kt = heed.transpose %kx {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x16x8xf32>
  %kts = heed.mul %c, %kt : (tensor<f32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %qs, %kts : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A select with -inf keeps the mask; with -inf in the other branch the mask
// is negated; a finite fill (-1e9) becomes the additive where(m, 0, -1e9),
// so a row that hides every key still averages them as the select does.
// CHECK-LABEL: func.func @select_masks
// CHECK-SAME: %[[M:[^:]+]]: tensor<8x8xi1>
// CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[M]] {scale = 1.000000e+00 : f64}
// CHECK: %[[N:.+]] = heed.not %[[M]]
// CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[N]] {scale = 1.000000e+00 : f64}
// CHECK: %[[ZERO:.+]] = heed.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[FILL:.+]] = heed.constant dense<-1.000000e+09> : tensor<f32>
// CHECK: %[[ADD:.+]] = heed.where %[[M]], %[[ZERO]], %[[FILL]]
// CHECK: attn.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[ADD]] {scale = 1.000000e+00 : f64}
func.func @select_masks(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8x8xi1>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %ninf = heed.constant dense<0xFF800000> : tensor<f32>
  %w = heed.where %m, %s, %ninf : (tensor<8x8xi1>, tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %w {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %s2 = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %w2 = heed.where %m, %ninf, %s2 : (tensor<8x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p2 = heed.softmax %w2 {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o2 = heed.matmul %p2, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %s3 = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %big = heed.constant dense<-1.0e9> : tensor<f32>
  %w3 = heed.where %m, %s3, %big : (tensor<8x8xi1>, tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p3 = heed.softmax %w3 {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o3 = heed.matmul %p3, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %o2, %o3 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// An additive f32 mask after the scale; a NaN guard after the softmax; the
// probabilities returned as well (return_probs).
// CHECK-LABEL: func.func @additive_guard_probs
// CHECK-SAME: %[[M:[^:]+]]: tensor<1x1x8x8xf32>
// CHECK: %[[O:.+]], %[[P:.+]] = attn.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[M]] {return_probs, scale = 1.250000e-01 : f64}
// CHECK: return %[[O]], %[[P]]
func.func @additive_guard_probs(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<1.250000e-01> : tensor<f32>
  %t = heed.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %a = heed.add %t, %m : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %a {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %nan = heed.ne %p, %p : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xi1>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %g = heed.where %nan, %zero, %p : (tensor<1x2x8x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %g, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %p : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>
}

// -----

// K^T that is not a transpose: K is made from it by one.
// CHECK-LABEL: func.func @key_given_transposed
// CHECK: %[[K:.+]] = heed.transpose %{{.+}} {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x16x8xf32>) -> tensor<1x2x8x16xf32>
// CHECK: attn.attention %{{.+}}, %[[K]], %{{.+}} {scale = 1.000000e+00 : f64}
func.func @key_given_transposed(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// negative_: the softmax runs over the query axis.
// CHECK-LABEL: func.func @negative_softmax_axis
// CHECK: heed.softmax
// CHECK-NOT: attn.attention
func.func @negative_softmax_axis(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %s {axis = 2 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attn-fuse: not fused: the softmax is not over the last axis}}
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// negative_: a select that fills with 0 is not a mask.
// CHECK-LABEL: func.func @negative_select_zero
// CHECK-NOT: attn.attention
func.func @negative_select_zero(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %w = heed.where %m, %s, %zero : (tensor<8x8xi1>, tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %w {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attn-fuse: not fused: the select does not mask with -inf or a large negative number}}
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// negative_: scaling after an additive mask scales the mask too.
// CHECK-LABEL: func.func @negative_scale_after_mask
// CHECK-NOT: attn.attention
func.func @negative_scale_after_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %a = heed.add %s, %m : (tensor<1x2x8x8xf32>, tensor<8x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<2.500000e-01> : tensor<f32>
  %t = heed.mul %a, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %t {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attn-fuse: not fused: the scale multiplies the additive mask too}}
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// negative_: softmax of something that is not Q K^T.
// CHECK-LABEL: func.func @negative_not_scores
// CHECK-NOT: attn.attention
func.func @negative_not_scores(%x: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %e = heed.exp %x : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %e {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attn-fuse: not fused: the softmax input is not matmul(Q, K^T) with a mask and scale}}
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// negative_: Q and K/V batch dimensions differ (a broadcast matmul).
// CHECK-LABEL: func.func @negative_batch_broadcast
// CHECK-NOT: attn.attention
func.func @negative_batch_broadcast(%q: tensor<2x8x16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) -> tensor<2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 2, 1>} : (tensor<1x8x16xf32>) -> tensor<1x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<2x8x16xf32>, tensor<1x16x8xf32>) -> tensor<2x8x8xf32>
  %p = heed.softmax %s {axis = 2 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  // expected-remark @+1 {{attn-fuse: not fused: Q, K and V have different batch or head dimensions}}
  %o = heed.matmul %p, %v : (tensor<2x8x8xf32>, tensor<1x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// Only what the fused chain used is erased: an op that was dead before
// (here a gather whose indices are an input: it sets that input's
// --random-inputs bound, which must not depend on -O) stays.
// CHECK-LABEL: func.func @dead_before_stays
// CHECK: heed.gather
// CHECK: attn.attention
// CHECK-NOT: heed.softmax
func.func @dead_before_stays(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %t: tensor<7xf32>, %i: tensor<3xi64>) -> tensor<1x2x8x16xf32> {
  %g = heed.gather %t, %i {axis = 0 : i64} : (tensor<7xf32>, tensor<3xi64>) -> tensor<3xf32>
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Grouped-query attention written out: K and V (2 heads) repeated to the 4
// query heads by reshape + broadcast_to + reshape; the fused op reads the 2
// heads directly. One key/value head broadcast to all (multi-query) too.
// CHECK-LABEL: func.func @gqa_repeat
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x8x16xf32>, %[[K:.+]]: tensor<1x2x8x16xf32>, %[[V:.+]]: tensor<1x2x8x16xf32>, %[[K1:.+]]: tensor<1x1x8x16xf32>)
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] {scale
// CHECK: attn.attention %[[Q]], %[[K1]], %[[K1]] {scale
// CHECK-NOT: heed.broadcast_to
func.func @gqa_repeat(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %k1: tensor<1x1x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) {
  %k5 = heed.reshape %k {shape = array<i64: 1, 2, 1, 8, 16>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x1x8x16xf32>
  %kb = heed.broadcast_to %k5 {shape = array<i64: 1, 2, 2, 8, 16>} : (tensor<1x2x1x8x16xf32>) -> tensor<1x2x2x8x16xf32>
  %kr = heed.reshape %kb {shape = array<i64: 1, 4, 8, 16>} : (tensor<1x2x2x8x16xf32>) -> tensor<1x4x8x16xf32>
  %v5 = heed.reshape %v {shape = array<i64: 1, 2, 1, 8, 16>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x1x8x16xf32>
  %vb = heed.broadcast_to %v5 {shape = array<i64: 1, 2, 2, 8, 16>} : (tensor<1x2x1x8x16xf32>) -> tensor<1x2x2x8x16xf32>
  %vr = heed.reshape %vb {shape = array<i64: 1, 4, 8, 16>} : (tensor<1x2x2x8x16xf32>) -> tensor<1x4x8x16xf32>
  %kt = heed.transpose %kr {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x8x16xf32>) -> tensor<1x4x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x4x8x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x8x8xf32>
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %o = heed.matmul %p, %vr : (tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  %k1b = heed.broadcast_to %k1 {shape = array<i64: 1, 4, 8, 16>} : (tensor<1x1x8x16xf32>) -> tensor<1x4x8x16xf32>
  %k1t = heed.transpose %k1b {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x8x16xf32>) -> tensor<1x4x16x8xf32>
  %s1 = heed.matmul %q, %k1t : (tensor<1x4x8x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x8x8xf32>
  %p1 = heed.softmax %s1 {axis = 3 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %o1 = heed.matmul %p1, %k1b : (tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o, %o1 : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
}

// -----

// Gated attention written out: the fused attention times sigmoid(gate).
// CHECK-LABEL: func.func @gated
// CHECK-SAME: (%[[Q:.+]]: tensor<1x2x8x16xf32>, %[[G:.+]]: tensor<1x2x8x16xf32>)
// CHECK-NEXT: %[[O:.+]] = attn.gated_attention %[[Q]], %[[Q]], %[[Q]], %[[G]] {scale = 1.000000e+00 : f64}
// CHECK-NEXT: return %[[O]]
func.func @gated(%q: tensor<1x2x8x16xf32>, %g: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %q {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %sg = heed.sigmoid %g : (tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %y = heed.mul %sg, %o : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %y : tensor<1x2x8x16xf32>
}

// -----

// The seed's additive attention written out becomes attn.additive_attention;
// the softmax's other use (alpha, returned) reads the fused op's alpha.
// CHECK-LABEL: func.func @additive
// CHECK-SAME: (%[[H:.+]]: tensor<2x8xf32>, %[[S:.+]]: tensor<2x5x8xf32>, %[[W:.+]]: tensor<1x16xf32>)
// CHECK-NEXT: %[[O:.+]], %[[A:.+]] = attn.additive_attention %[[H]], %[[S]], %[[W]]
// CHECK-NEXT: return %[[O]], %[[A]]
func.func @additive(%h: tensor<2x8xf32>, %s: tensor<2x5x8xf32>, %w: tensor<1x16xf32>) -> (tensor<2x8xf32>, tensor<2x5xf32>) {
  %h3 = heed.reshape %h {shape = array<i64: 2, 1, 8>} : (tensor<2x8xf32>) -> tensor<2x1x8xf32>
  %hb = heed.broadcast_to %h3 {shape = array<i64: 2, 5, 8>} : (tensor<2x1x8xf32>) -> tensor<2x5x8xf32>
  %pairs = heed.concat %hb, %s {axis = 2 : i64} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x16xf32>
  %e = heed.linear %pairs, %w : (tensor<2x5x16xf32>, tensor<1x16xf32>) -> tensor<2x5x1xf32>
  %scores = heed.reshape %e {shape = array<i64: 2, 5>} : (tensor<2x5x1xf32>) -> tensor<2x5xf32>
  %alpha = heed.softmax %scores {axis = 1 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %a3 = heed.reshape %alpha {shape = array<i64: 2, 1, 5>} : (tensor<2x5xf32>) -> tensor<2x1x5xf32>
  %c3 = heed.matmul %a3, %s : (tensor<2x1x5xf32>, tensor<2x5x8xf32>) -> tensor<2x1x8xf32>
  %c = heed.reshape %c3 {shape = array<i64: 2, 8>} : (tensor<2x1x8xf32>) -> tensor<2x8xf32>
  %out = heed.add %h, %c : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %out, %alpha : tensor<2x8xf32>, tensor<2x5xf32>
}

// -----

// negative_: the states first in the concat is another scoring layout.
// CHECK-LABEL: func.func @negative_additive_order
// CHECK-NOT: attn.additive_attention
func.func @negative_additive_order(%h: tensor<2x8xf32>, %s: tensor<2x5x8xf32>, %w: tensor<1x16xf32>) -> tensor<2x8xf32> {
  %h3 = heed.reshape %h {shape = array<i64: 2, 1, 8>} : (tensor<2x8xf32>) -> tensor<2x1x8xf32>
  %hb = heed.broadcast_to %h3 {shape = array<i64: 2, 5, 8>} : (tensor<2x1x8xf32>) -> tensor<2x5x8xf32>
  %pairs = heed.concat %s, %hb {axis = 2 : i64} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x16xf32>
  %e = heed.linear %pairs, %w : (tensor<2x5x16xf32>, tensor<1x16xf32>) -> tensor<2x5x1xf32>
  %scores = heed.reshape %e {shape = array<i64: 2, 5>} : (tensor<2x5x1xf32>) -> tensor<2x5xf32>
  %alpha = heed.softmax %scores {axis = 1 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %a3 = heed.reshape %alpha {shape = array<i64: 2, 1, 5>} : (tensor<2x5xf32>) -> tensor<2x1x5xf32>
  %c3 = heed.matmul %a3, %s : (tensor<2x1x5xf32>, tensor<2x5x8xf32>) -> tensor<2x1x8xf32>
  %c = heed.reshape %c3 {shape = array<i64: 2, 8>} : (tensor<2x1x8xf32>) -> tensor<2x8xf32>
  %out = heed.add %h, %c : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %out : tensor<2x8xf32>
}

// -----

// A softmax written out, exp(s - max) / sum with keepdim reductions, is a
// softmax, and the chain around it fuses.
// CHECK-LABEL: func.func @softmax_written_out
// CHECK-NEXT: %[[O:.+]] = attn.attention %{{.+}}, %{{.+}}, %{{.+}} {scale = 2.500000e-01 : f64}
// CHECK-NEXT: return %[[O]]
func.func @softmax_written_out(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<2.500000e-01> : tensor<f32>
  %t = heed.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %m = heed.reduce_max %t {axes = array<i64: 3>, keepdim = true} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %d = heed.sub %t, %m : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %e = heed.exp %d : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %z = heed.reduce_sum %e {axes = array<i64: 3>, keepdim = true} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %p = heed.div %e, %z : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Without the max, and with the sum reduced without keepdim and reshaped
// back: still a softmax (the same function; the op also keeps large inputs
// finite).
// CHECK-LABEL: func.func @softmax_no_max_reshaped_sum
// CHECK-SAME: (%[[X:.+]]: tensor<4x6xf32>)
// CHECK-NEXT: %[[P:.+]] = heed.softmax %[[X]] {axis = 0 : i64}
// CHECK-NEXT: return %[[P]]
func.func @softmax_no_max_reshaped_sum(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %e = heed.exp %x : (tensor<4x6xf32>) -> tensor<4x6xf32>
  %z = heed.reduce_sum %e {axes = array<i64: 0>, keepdim = false} : (tensor<4x6xf32>) -> tensor<6xf32>
  %z1 = heed.reshape %z {shape = array<i64: 1, 6>} : (tensor<6xf32>) -> tensor<1x6xf32>
  %p = heed.div %e, %z1 : (tensor<4x6xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  return %p : tensor<4x6xf32>
}

// -----

// Not a softmax: the sum is of another tensor, or it loses its axis (its
// broadcast then runs along the wrong axis).
// CHECK-LABEL: func.func @negative_softmax_forms
// CHECK-NOT: heed.softmax
// CHECK: return
func.func @negative_softmax_forms(%x: tensor<6x6xf32>, %y: tensor<6x6xf32>) -> (tensor<6x6xf32>, tensor<6x6xf32>) {
  %e = heed.exp %x : (tensor<6x6xf32>) -> tensor<6x6xf32>
  %f = heed.exp %y : (tensor<6x6xf32>) -> tensor<6x6xf32>
  %z = heed.reduce_sum %f {axes = array<i64: 1>, keepdim = true} : (tensor<6x6xf32>) -> tensor<6x1xf32>
  %p = heed.div %e, %z : (tensor<6x6xf32>, tensor<6x1xf32>) -> tensor<6x6xf32>
  %w = heed.reduce_sum %e {axes = array<i64: 1>, keepdim = false} : (tensor<6x6xf32>) -> tensor<6xf32>
  %r = heed.div %e, %w : (tensor<6x6xf32>, tensor<6xf32>) -> tensor<6x6xf32>
  return %p, %r : tensor<6x6xf32>, tensor<6x6xf32>
}
