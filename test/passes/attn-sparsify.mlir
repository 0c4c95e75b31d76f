// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-sparsify{remarks=true}))' -verify-diagnostics | FileCheck %s

// attn-sparsify: masks built in the graph become #attn.causal or
// #attn.window and disappear; the rest stay and say why (expected-remark).
// The expected bands are worked out by hand from the mask definitions.

// iota(rows) >= iota(cols): j <= i, causal.
// CHECK-LABEL: func.func @causal_iota
// CHECK-NOT: heed.iota
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.causal}
func.func @causal_iota(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %m = heed.ge %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// eq(tril(ones), 1): j - i <= 0, causal; an additive where(P, 0, -inf)
// mask over a leading-dim reshape reads the same.
// CHECK-LABEL: func.func @causal_tril_additive
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.causal}
func.func @causal_tril_additive(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %ones = heed.constant dense<1.0> : tensor<8x8xf32>
  %t = heed.tril %ones : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %one = heed.constant dense<1.0> : tensor<f32>
  %p = heed.eq %t, %one : (tensor<8x8xf32>, tensor<f32>) -> tensor<8x8xi1>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %ninf = heed.constant dense<0xFF800000> : tensor<f32>
  %a = heed.where %p, %zero, %ninf : (tensor<8x8xi1>, tensor<f32>, tensor<f32>) -> tensor<8x8xf32>
  %a4 = heed.reshape %a {shape = array<i64: 1, 1, 8, 8>} : (tensor<8x8xf32>) -> tensor<1x1x8x8xf32>
  %o = attn.attention %q, %q, %q, %a4 {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// A sliding window: i - 3 <= j <= i, from and(ge(r, c), ge(c - r, -3)),
// i.e. j - i + 3 >= 0: left 3, right 0.
// CHECK-LABEL: func.func @window
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.window<3, 0>}
func.func @window(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %causal = heed.ge %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %d = heed.sub %c, %r : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi64>
  %w = heed.constant dense<-3> : tensor<i64>
  %near = heed.ge %d, %w : (tensor<8x8xi64>, tensor<i64>) -> tensor<8x8xi1>
  %m = heed.and %causal, %near : (tensor<8x8xi1>, tensor<8x8xi1>) -> tensor<8x8xi1>
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// Lq = 4 < Lk = 8, bottom-right causal written as j <= i + 4 (tril with
// k = 4): p = i + 4, right 0.
// CHECK-LABEL: func.func @causal_decoding
// CHECK: attn.attention {{.*}}structure = #attn.causal
func.func @causal_decoding(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x8x4xf32>) -> tensor<1x1x4x4xf32> {
  %ones = heed.constant dense<1.0> : tensor<4x8xf32>
  %t = heed.tril %ones {k = 4 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %m = heed.ne %t, %zero : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi1>
  %o = attn.attention %q, %k, %k, %m {scale = 1.0 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<4x8xi1>) -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----

// A mask that is always true goes away.
// CHECK-LABEL: func.func @always_true
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64} :
func.func @always_true(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %t = heed.constant dense<true> : tensor<8x8xi1>
  %o = attn.attention %q, %q, %q, %t {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// negative_: strictly causal (j < i) excludes the diagonal.
// CHECK-LABEL: func.func @negative_strict
// CHECK: heed.gt
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{.+}} {scale
func.func @negative_strict(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %m = heed.gt %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  // expected-remark @+1 {{attn-sparsify: the mask stays dense: the band excludes the diagonal (window <}}
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// negative_: a condition on rows only (i >= 2) is not a band.
// CHECK-LABEL: func.func @negative_rows_only
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{.+}} {scale
func.func @negative_rows_only(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %two = heed.constant dense<2> : tensor<i64>
  %m = heed.ge %r, %two : (tensor<8x8xi64>, tensor<i64>) -> tensor<8x8xi1>
  // expected-remark @+1 {{attn-sparsify: the mask stays dense: its inequalities are not parallel to the diagonal}}
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// A constant mask that keeps a band (here j == i) is that band.
// CHECK-LABEL: func.func @constant_diagonal
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.window<0, 0>}
func.func @constant_diagonal(%q: tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32> {
  %m = heed.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<2x2xi1>) -> tensor<1x1x2x4xf32>
  return %o : tensor<1x1x2x4xf32>
}

// -----

// negative_: a constant mask with a pattern this pass cannot read (the
// anti-diagonal is no band).
// CHECK-LABEL: func.func @negative_constant_pattern
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{.+}} {scale
func.func @negative_constant_pattern(%q: tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32> {
  %m = heed.constant dense<[[false, true], [true, false]]> : tensor<2x2xi1>
  // expected-remark @+1 {{attn-sparsify: the mask stays dense: the constant mask hides no whole 2x2 tile}}
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<2x2xi1>) -> tensor<1x1x2x4xf32>
  return %o : tensor<1x1x2x4xf32>
}

// -----

// A mask from the model's inputs is data: it stays, and the remark names the
// input (a reshape of it here), or the parameter.
// CHECK-LABEL: func.func @reshaped_input_mask
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{.+}} {scale
func.func @reshaped_input_mask(%q: tensor<1x2x8x4xf32>, %big: tensor<8x8xi1> {heed.name = "pairs"}) -> tensor<1x2x8x4xf32> {
  %m = heed.reshape %big {shape = array<i64: 1, 1, 8, 8>} : (tensor<8x8xi1>) -> tensor<1x1x8x8xi1>
  // expected-remark @+1 {{attn-sparsify: the mask stays dense: it is data, computed from the model input 'pairs', so the kernel reads it at run time}}
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x8x8xi1>) -> tensor<1x2x8x4xf32>
  %p = heed.param "rel.bias" {fan_in = 8 : i64} : tensor<8x8xf32>
  // expected-remark @+1 {{attn-sparsify: the mask stays dense: it is data, computed from the parameter 'rel.bias', so the kernel reads it at run time}}
  %r = attn.attention %o, %o, %o, %p {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xf32>) -> tensor<1x2x8x4xf32>
  return %r : tensor<1x2x8x4xf32>
}

// -----

// A key-padding mask from the model's inputs is data: unchanged, and its
// remark is report-fused's (the kernel applies it per key).

// CHECK-LABEL: func.func @input_mask
// CHECK: attn.attention %arg0, %arg0, %arg0, %arg1 {scale
func.func @input_mask(%q: tensor<1x2x8x4xf32>, %pad: tensor<1x1x1x8xi1>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %q, %q, %pad {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x1x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
