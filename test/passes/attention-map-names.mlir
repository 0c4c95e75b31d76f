// RUN: heed-opt %s -split-input-file -heed-to-heedrt | FileCheck %s --check-prefixes=CHECK,O0
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-fuse),heed-to-heedrt)' | FileCheck %s --check-prefixes=CHECK,O2

// Attention maps (`--dump-attention`): heed-to-heedrt names the kernel that
// computes each attention's probabilities after the value they define. A
// spelled-out attention's map is its softmax's name whether attn-fuse fused
// it (at -O2, the attention kernel) or not (at -O0, the softmax kernel).

// CHECK-LABEL: heedrt.plan @spelled_out
// O0: heedrt.kernel "softmax" {{.*}} {attention_map = "probs"}
// O2: heedrt.kernel "attention" {{.*}} {attention_map = "probs"}
// CHECK-NOT: attention_map
func.func @spelled_out(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf32>) -> tensor<1x2x16x8xf32>
  %s = heed.matmul %q, %kt : (tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32> loc("scores"("m.heed":3:7))
  %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> loc("probs"("m.heed":4:7))
  %o = heed.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> loc("out"("m.heed":5:7))
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A softmax that no matmul multiplies (a classifier's output) is no
// attention; one that reaches a matmul's left side through a reshape is
// (here its [2, 4] is read as one sample of 2 queries).
// CHECK-LABEL: heedrt.plan @softmax_uses
// CHECK: heedrt.kernel "softmax" {{.*}} params {axis = 1 : i64}{{$}}
// CHECK: heedrt.kernel "softmax" {{.*}} {attention_map = "alpha"}{{$}}
func.func @softmax_uses(%x: tensor<2x4xf32>, %s: tensor<1x4x8xf32>) -> (tensor<2x4xf32>, tensor<1x2x8xf32>) {
  %y = heed.softmax %x {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32> loc("y"("m.heed":2:3))
  %a = heed.softmax %x {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32> loc("alpha"("m.heed":3:3))
  %a3 = heed.reshape %a {shape = array<i64: 1, 2, 4>} : (tensor<2x4xf32>) -> tensor<1x2x4xf32>
  %c = heed.matmul %a3, %s : (tensor<1x2x4xf32>, tensor<1x4x8xf32>) -> tensor<1x2x8xf32>
  return %y, %c : tensor<2x4xf32>, tensor<1x2x8xf32>
}

// -----

// Two maps of one name (a value name reused) get _2; an attention without
// a name is named after its op and position.
// CHECK-LABEL: heedrt.plan @names
// CHECK: heedrt.kernel "attention" {{.*}} {attention_map = "a"}
// CHECK: heedrt.kernel "attention" {{.*}} {attention_map = "a_2"}
// CHECK: heedrt.kernel "attention" {{.*}} {attention_map = "attention@9:4"}
func.func @names(%q: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %a = attn.attention %q, %q, %q {scale = 0.25 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> loc("a"("m.heed":7:4))
  %b = attn.attention %q, %q, %q {scale = 0.25 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> loc("a"("m.heed":8:4))
  %c = attn.attention %q, %q, %q {scale = 0.25 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> loc("m.heed":9:4)
  return %a, %b, %c : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// Additive attention written out: the softmax's rows [B, T] are each one
// sample's query (the matmul reads them as [B, 1, T]), so the kernel says
// so and the map is [B, 1, 1, T] at -O0 as the fused kernel's at -O2.
// CHECK-LABEL: heedrt.plan @one_query
// O0: heedrt.kernel "softmax" {{.*}} {attention_map = "alpha", attention_map_one_query}
func.func @one_query(%x: tensor<2x4xf32>, %s: tensor<2x4x8xf32>) -> tensor<2x1x8xf32> {
  %a = heed.softmax %x {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32> loc("alpha"("m.heed":3:3))
  %a3 = heed.reshape %a {shape = array<i64: 2, 1, 4>} : (tensor<2x4xf32>) -> tensor<2x1x4xf32>
  %c = heed.matmul %a3, %s : (tensor<2x1x4xf32>, tensor<2x4x8xf32>) -> tensor<2x1x8xf32>
  return %c : tensor<2x1x8xf32>
}
