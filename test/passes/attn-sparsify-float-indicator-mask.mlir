// Regression: attn.attention adds a float mask to the scores, so an f32
// mask that is an indicator of a band (cast of an i1 predicate to f32, or
// tril of f32 ones) adds 1 on and below the diagonal and hides nothing: it
// must stay (it was once read as the predicate and made #attn.causal).
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-sparsify{remarks=true}))' | FileCheck %s

// CHECK-LABEL: func.func @cast_indicator
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{[0-9]+}} {scale = 1.000000e+00 : f64}
func.func @cast_indicator(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %m = heed.ge %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %f = heed.cast %m {dtype = f32} : (tensor<8x8xi1>) -> tensor<8x8xf32>
  %o = attn.attention %q, %q, %q, %f {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @tril_indicator
// CHECK: attn.attention %arg0, %arg0, %arg0, %{{[0-9]+}} {scale = 1.000000e+00 : f64}
func.func @tril_indicator(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %ones = heed.constant dense<1.0> : tensor<8x8xf32>
  %t = heed.tril %ones : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %o = attn.attention %q, %q, %q, %t {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
