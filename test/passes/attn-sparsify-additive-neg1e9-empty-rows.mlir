// Regression: an additive where(P, 0, -1e9) is the predicate P only where P
// keeps a key in every row. Here Lq = 8 > Lk = 4 and P is j <= i - 4, so
// rows 0-3 keep none: the graph adds -1e9 to every score of those rows (in
// f32 the sum is -1e9, so softmax averages V), #attn.causal would give them
// zeros. The mask stays, with a remark naming the first such row.
// RUN: heed-opt %s -pass-pipeline='builtin.module(func.func(attn-sparsify{remarks=true}))' | FileCheck %s

// CHECK-LABEL: func.func @additive_neg1e9_empty_rows
// CHECK-NOT: #attn.causal
// CHECK: return
func.func @additive_neg1e9_empty_rows(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x4x4xf32>) -> tensor<1x2x8x4xf32> {
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 4>} : () -> tensor<8x4xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 4>} : () -> tensor<8x4xi64>
  %four = heed.constant dense<4> : tensor<i64>
  %p = heed.sub %r, %four : (tensor<8x4xi64>, tensor<i64>) -> tensor<8x4xi64>
  %m = heed.ge %p, %c : (tensor<8x4xi64>, tensor<8x4xi64>) -> tensor<8x4xi1>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %big = heed.constant dense<-1.0e9> : tensor<f32>
  %a = heed.where %m, %zero, %big : (tensor<8x4xi1>, tensor<f32>, tensor<f32>) -> tensor<8x4xf32>
  %o = attn.attention %q, %k, %k, %a {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
