// Regression: an iota along an axis of extent 1 is all zeros (and
// broadcasts); it was once read as the query row. Here le(col, iota([1, 8],
// axis=0)) is j <= 0 (every query sees key 0 only), not causal: the mask
// must stay.
// RUN: heed-opt %s -pass-pipeline='builtin.module(func.func(attn-sparsify{remarks=true}))' | FileCheck %s

// CHECK-LABEL: func.func @iota_unit_axis
// CHECK-NOT: #attn.causal
// CHECK: return
func.func @iota_unit_axis(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zero = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 1, 8>} : () -> tensor<1x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %m = heed.le %c, %zero : (tensor<8x8xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
