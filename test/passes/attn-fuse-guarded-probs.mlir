// Regression: when the NaN-guarded probabilities where(ne(p, p), 0, p) are
// what is used elsewhere (returned, as here), the fused op returns them
// (return_probs: its rows are never NaN, so the guard changes nothing) and
// the score chain disappears; attention once ran twice here.
// RUN: heed-opt %s -pass-pipeline='builtin.module(func.func(attn-fuse{remarks=true}))' | FileCheck %s

// CHECK-LABEL: func.func @guarded_probs_returned
// CHECK: attn.attention %arg0, %arg1, %arg2 {return_probs, scale = 2.500000e-01 : f64}
// CHECK-NOT: heed.softmax
// CHECK: return
func.func @guarded_probs_returned(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<2.500000e-01> : tensor<f32>
  %t = heed.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %t {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %nan = heed.ne %p, %p : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xi1>
  %zero = heed.constant dense<0.000000e+00> : tensor<f32>
  %g = heed.where %nan, %zero, %p : (tensor<1x2x8x8xi1>, tensor<f32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = heed.matmul %g, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %g : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>
}
