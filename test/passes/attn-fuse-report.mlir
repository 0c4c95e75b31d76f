// report-fused: a remark at each op attn-fuse created, and at each
// attention whose mask attn-sparsify turned into structure; nothing where
// nothing changed.
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-fuse{report-fused=true},attn-sparsify{report-fused=true}))' -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @fused_and_causal
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.250000e-01 : f64, structure = #attn.causal}
func.func @fused_and_causal(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %kt = heed.transpose %q {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x4xf32>) -> tensor<1x2x4x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %c = heed.constant dense<1.250000e-01> : tensor<f32>
  %t = heed.mul %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %k = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %m = heed.ge %r, %k : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %ninf = heed.constant dense<0xFF800000> : tensor<f32>
  %w = heed.where %m, %t, %ninf : (tensor<8x8xi1>, tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %p = heed.softmax %w {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-remark @+2 {{attn-fuse: fused into attn.attention (scale 1.250000e-01, with a mask)}}
  // expected-remark @+1 {{attn-sparsify: the mask became #attn.causal}}
  %o = heed.matmul %p, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// negative_: an attention that was there before is not reported.
// CHECK-LABEL: func.func @negative_already_fused
func.func @negative_already_fused(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
