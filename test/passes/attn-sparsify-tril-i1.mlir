// Regression: tril(ones(dtype=i1)), the causal mask docs/language.md writes,
// is #attn.causal (the i1 splat true once read as -1 and the mask stayed
// dense).
// RUN: heed-opt %s -pass-pipeline='builtin.module(func.func(attn-sparsify{remarks=true}))' | FileCheck %s

// CHECK-LABEL: func.func @tril_i1
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.causal}
func.func @tril_i1(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %ones = heed.constant dense<true> : tensor<8x8xi1>
  %m = heed.tril %ones : (tensor<8x8xi1>) -> tensor<8x8xi1>
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xi1>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
