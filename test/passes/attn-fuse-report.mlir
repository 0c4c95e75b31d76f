// report-fused: a remark at each op attn-fuse created, at each attention
// whose mask attn-sparsify turned into structure, and at each whose mask is
// a key-padding mask the kernel applies per key; nothing elsewhere.
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

// -----

// A mask that depends only on batch and key (a key-padding mask, i1
// [B, 1, 1, Lk] or f32 [Lk]) stays a mask: the remark says the kernel
// applies it per key.
// CHECK-LABEL: func.func @key_padding_masks
func.func @key_padding_masks(%q: tensor<2x2x8x4xf32>, %m: tensor<2x1x1x8xi1>, %a: tensor<8xf32>) -> (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) {
  // CHECK: attn.attention %arg0, %arg0, %arg0, %arg1 {scale = 1.000000e+00 : f64}
  // expected-remark @+1 {{attn-sparsify: the mask depends only on batch and key (a key-padding mask): the kernel applies it per key and skips the key tiles it hides}}
  %o = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x4xf32>
  // expected-remark @+1 {{attn-sparsify: the mask depends only on batch and key}}
  %p = attn.attention %q, %q, %q, %a {scale = 1.0 : f64, structure = #attn.causal} : (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<8xf32>) -> tensor<2x2x8x4xf32>
  return %o, %p : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>
}

// -----

// negative_: a mask per query row or per head is not a key-padding mask,
// and top-k keeps the kernel off its micro-kernels: no remark.
// CHECK-LABEL: func.func @negative_not_key_padding
func.func @negative_not_key_padding(%q: tensor<2x2x8x4xf32>, %r: tensor<2x1x8x8xi1>, %h: tensor<2x2x1x8xi1>, %m: tensor<2x1x1x8xi1>) -> (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) {
  %o = attn.attention %q, %q, %q, %r {scale = 1.0 : f64} : (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x1x8x8xi1>) -> tensor<2x2x8x4xf32>
  %p = attn.attention %q, %q, %q, %h {scale = 1.0 : f64} : (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x1x8xi1>) -> tensor<2x2x8x4xf32>
  %t = attn.attention %q, %q, %q, %m {scale = 1.0 : f64, topk = #attn.topk<5.000000e-01>} : (tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x4xf32>
  return %o, %p, %t : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>
}
