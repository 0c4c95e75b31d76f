// RUN: heed-opt %s -split-input-file -allow-unregistered-dialect -heed-to-heedrt -verify-diagnostics | FileCheck %s

// heed-to-heedrt: one arena buffer per tensor, weights, constants, views
// for reshapes, one kernel per op with the runtime's attribute names
// (docs/runtime.md), f32 around kernels that do not compute in bf16/f16.

// CHECK-LABEL: heedrt.plan @ports_and_params
// CHECK: %[[X:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: heedrt.input "x", %[[X]] : memref<2x4xf32>
// CHECK: %[[IDS:.+]] = heedrt.buffer : memref<3xi64>
// CHECK: heedrt.input "ids", %[[IDS]] {random_bound = 10 : i64}
// CHECK: %[[W:.+]] = heedrt.weight "emb.weight" : memref<10x4xf32>
// CHECK: %[[E:.+]] = heedrt.buffer : memref<3x4xf32>
// CHECK: heedrt.kernel "embedding" ins(%[[IDS]], %[[W]] : {{.*}}) outs(%[[E]] : memref<3x4xf32>)
// CHECK: %[[S:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: heedrt.kernel "softmax" ins(%[[X]] : memref<2x4xf32>) outs(%[[S]] : memref<2x4xf32>) params {axis = 1 : i64}
// CHECK: %[[R:.+]] = heedrt.buffer : memref<1x3x4xf32>
// CHECK: heedrt.kernel "reduce_sum" ins(%{{.+}} : memref<2x3x4xf32>) outs(%[[R]] : memref<1x3x4xf32>) params {axes = array<i64: 0>, keepdim = 1 : i64}
// CHECK: heedrt.output "y", %[[S]]
// CHECK: heedrt.output "z", %[[E]]
// CHECK-NOT: func.func
module attributes {heed.entry = "ports_and_params"} {
  func.func @ports_and_params(%x: tensor<2x4xf32> {heed.name = "x"}, %ids: tensor<3xi64> {heed.name = "ids"}) -> (tensor<2x4xf32> {heed.name = "y"}, tensor<3x4xf32> {heed.name = "z"}, tensor<1x3x4xf32> {heed.name = "r"}) {
    %w = heed.param "emb.weight" {fan_in = 1 : i64} : tensor<10x4xf32>
    %e = heed.embedding %ids, %w : (tensor<3xi64>, tensor<10x4xf32>) -> tensor<3x4xf32>
    %s = heed.softmax %x {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %b = heed.broadcast_to %e {shape = array<i64: 2, 3, 4>} : (tensor<3x4xf32>) -> tensor<2x3x4xf32>
    %r = heed.reduce_sum %b {axes = array<i64: 0>, keepdim = true} : (tensor<2x3x4xf32>) -> tensor<1x3x4xf32>
    return %s, %e, %r : tensor<2x4xf32>, tensor<3x4xf32>, tensor<1x3x4xf32>
  }
}

// -----

// A reshape is a view; slice keeps start and step (the extent is the
// output's); split drops its sizes (the outputs' extents).
// CHECK-LABEL: heedrt.plan @views_and_slices
// CHECK: %[[X:.+]] = heedrt.buffer : memref<2x6xf32>
// CHECK: %[[V:.+]] = heedrt.view %[[X]] : memref<2x6xf32> to memref<12xf32>
// CHECK: heedrt.kernel "slice" ins(%[[V]] : memref<12xf32>) outs(%{{.+}} : memref<5xf32>) params {axis = 0 : i64, start = 1 : i64, step = 2 : i64}
// CHECK: heedrt.kernel "split" ins(%[[X]] : memref<2x6xf32>) outs(%{{.+}}, %{{.+}} : memref<2x2xf32>, memref<2x4xf32>) params {axis = 1 : i64}
func.func @views_and_slices(%x: tensor<2x6xf32> {heed.name = "x"}) -> (tensor<5xf32> {heed.name = "a"}, tensor<2x2xf32> {heed.name = "b"}, tensor<2x4xf32> {heed.name = "c"}) {
  %v = heed.reshape %x {shape = array<i64: 12>} : (tensor<2x6xf32>) -> tensor<12xf32>
  %s = heed.slice %v {axis = 0 : i64, start = 1 : i64, end = 10 : i64, step = 2 : i64} : (tensor<12xf32>) -> tensor<5xf32>
  %p:2 = heed.split %x {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  return %s, %p#0, %p#1 : tensor<5xf32>, tensor<2x2xf32>, tensor<2x4xf32>
}

// -----

// Small constants are embedded; large splats are filled by a kernel.
// CHECK-LABEL: heedrt.plan @constants
// CHECK: %[[C:.+]] = heedrt.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32> : memref<2xf32>
// CHECK: %[[Z:.+]] = heedrt.buffer : memref<128xf32>
// CHECK: heedrt.kernel "fill" outs(%[[Z]] : memref<128xf32>) params {value = 0.000000e+00 : f64}
func.func @constants(%x: tensor<2xf32> {heed.name = "x"}) -> (tensor<2xf32> {heed.name = "y"}, tensor<128xf32> {heed.name = "z"}) {
  %c = heed.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %z = heed.constant dense<0.0> : tensor<128xf32>
  %y = heed.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y, %z : tensor<2xf32>, tensor<128xf32>
}

// -----

// linear and conv2d say whether they have a bias.
// CHECK-LABEL: heedrt.plan @bias_flags
// CHECK: heedrt.kernel "linear" {{.*}} params {has_bias = 1 : i64}
// CHECK: heedrt.kernel "linear" {{.*}} params {has_bias = 0 : i64}
// CHECK: heedrt.kernel "conv2d" {{.*}} params {dilation = array<i64: 1, 1>, groups = 1 : i64, has_bias = 0 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>}
func.func @bias_flags(%x: tensor<2x4xf32> {heed.name = "x"}, %img: tensor<1x3x8x8xf32> {heed.name = "img"}) -> (tensor<2x4xf32> {heed.name = "y"}, tensor<1x2x8x8xf32> {heed.name = "c"}) {
  %w = heed.param "w" {fan_in = 4 : i64} : tensor<4x4xf32>
  %b = heed.param "b" {fan_in = 4 : i64} : tensor<4xf32>
  %k = heed.param "k" {fan_in = 27 : i64} : tensor<2x3x3x3xf32>
  %h = heed.linear %x, %w, %b : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %y = heed.linear %h, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %c = heed.conv2d %img, %k {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x8x8xf32>
  return %y, %c : tensor<2x4xf32>, tensor<1x2x8x8xf32>
}

// -----

// bf16 through an f32-only kernel: cast in, compute, cast out. A bf16
// matmul stays bf16.
// CHECK-LABEL: heedrt.plan @narrow_floats
// CHECK: %[[X:.+]] = heedrt.buffer : memref<2x4xbf16>
// CHECK: %[[X32:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: heedrt.kernel "cast" ins(%[[X]] : memref<2x4xbf16>) outs(%[[X32]] : memref<2x4xf32>)
// CHECK: %[[T:.+]] = heedrt.buffer : memref<2x4xbf16>
// CHECK: %[[T32:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: heedrt.kernel "tanh" ins(%[[X32]] : memref<2x4xf32>) outs(%[[T32]] : memref<2x4xf32>)
// CHECK: heedrt.kernel "cast" ins(%[[T32]] : memref<2x4xf32>) outs(%[[T]] : memref<2x4xbf16>)
// CHECK: heedrt.kernel "matmul" ins(%[[T]], %{{.+}} : memref<2x4xbf16>, memref<4x4xbf16>) outs(%{{.+}} : memref<2x4xbf16>)
func.func @narrow_floats(%x: tensor<2x4xbf16> {heed.name = "x"}, %w: tensor<4x4xbf16> {heed.name = "w"}) -> (tensor<2x4xbf16> {heed.name = "y"}) {
  %t = heed.tanh %x : (tensor<2x4xbf16>) -> tensor<2x4xbf16>
  %y = heed.matmul %t, %w : (tensor<2x4xbf16>, tensor<4x4xbf16>) -> tensor<2x4xbf16>
  return %y : tensor<2x4xbf16>
}

// -----

// Arithmetic kernels (add ... pow, reductions, top_k) have no i1: the
// operands are cast to f32 and the results back (x != 0, as the reference
// rounds). Comparisons, where and the logical ops take i1 as it is. iota has
// no bf16: computed in f32, cast.
// CHECK-LABEL: heedrt.plan @bool_arithmetic
// CHECK: %[[A:.+]] = heedrt.buffer : memref<2x3xi1>
// CHECK: %[[B:.+]] = heedrt.buffer : memref<3xi1>
// CHECK: %[[A32:.+]] = heedrt.buffer : memref<2x3xf32>
// CHECK: heedrt.kernel "cast" ins(%[[A]] : memref<2x3xi1>) outs(%[[A32]] : memref<2x3xf32>)
// CHECK: %[[B32:.+]] = heedrt.buffer : memref<3xf32>
// CHECK: heedrt.kernel "cast" ins(%[[B]] : memref<3xi1>) outs(%[[B32]] : memref<3xf32>)
// CHECK: %[[S:.+]] = heedrt.buffer : memref<2x3xi1>
// CHECK: %[[S32:.+]] = heedrt.buffer : memref<2x3xf32>
// CHECK: heedrt.kernel "add" ins(%[[A32]], %[[B32]] : memref<2x3xf32>, memref<3xf32>) outs(%[[S32]] : memref<2x3xf32>)
// CHECK: heedrt.kernel "cast" ins(%[[S32]] : memref<2x3xf32>) outs(%[[S]] : memref<2x3xi1>)
// CHECK: heedrt.kernel "cast" ins(%[[S]] : memref<2x3xi1>) outs(%{{.+}} : memref<2x3xf32>)
// CHECK: heedrt.kernel "reduce_max" ins(%{{.+}} : memref<2x3xf32>) outs(%{{.+}} : memref<2xf32>) params {axes = array<i64: 1>, keepdim = 0 : i64}
// CHECK: heedrt.kernel "cast" ins(%{{.+}} : memref<2xf32>) outs(%{{.+}} : memref<2xi1>)
// CHECK: heedrt.kernel "cast" ins(%[[A]] : memref<2x3xi1>) outs(%{{.+}} : memref<2x3xf32>)
// CHECK: heedrt.kernel "top_k" ins(%{{.+}} : memref<2x3xf32>) outs(%[[V32:.+]], %[[I:.+]] : memref<2x2xf32>, memref<2x2xi64>) params {axis = 1 : i64, k = 2 : i64}
// CHECK: heedrt.kernel "cast" ins(%[[V32]] : memref<2x2xf32>) outs(%{{.+}} : memref<2x2xi1>)
// CHECK: heedrt.kernel "eq" ins(%[[A]], %[[B]] : memref<2x3xi1>, memref<3xi1>) outs(%{{.+}} : memref<2x3xi1>)
// CHECK: heedrt.kernel "iota" outs(%[[IO32:.+]] : memref<2x3xf32>) params {axis = 1 : i64}
// CHECK: heedrt.kernel "cast" ins(%[[IO32]] : memref<2x3xf32>) outs(%{{.+}} : memref<2x3xbf16>)
func.func @bool_arithmetic(%a: tensor<2x3xi1> {heed.name = "a"}, %b: tensor<3xi1> {heed.name = "b"}) -> (tensor<2xi1> {heed.name = "m"}, tensor<2x2xi1> {heed.name = "v"}, tensor<2x2xi64> {heed.name = "i"}, tensor<2x3xi1> {heed.name = "e"}, tensor<2x3xbf16> {heed.name = "io"}) {
  %s = heed.add %a, %b : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %m = heed.reduce_max %s {axes = array<i64: 1>} : (tensor<2x3xi1>) -> tensor<2xi1>
  %v, %i = heed.top_k %a {axis = 1 : i64, k = 2 : i64} : (tensor<2x3xi1>) -> (tensor<2x2xi1>, tensor<2x2xi64>)
  %e = heed.eq %a, %b : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %io = heed.iota {shape = array<i64: 2, 3>, axis = 1 : i64, dtype = bf16} : () -> tensor<2x3xbf16>
  return %m, %v, %i, %e, %io : tensor<2xi1>, tensor<2x2xi1>, tensor<2x2xi64>, tensor<2x3xi1>, tensor<2x3xbf16>
}

// -----

// Structure, top-k and an i1 mask become the kernel's attributes.
// CHECK-LABEL: heedrt.plan @attention_mask
// CHECK: %[[Q:.+]] = heedrt.buffer : memref<2x1x8x16xf32>
// CHECK: %[[M:.+]] = heedrt.buffer : memref<2x1x8x8xi1>
// CHECK: %[[O:.+]] = heedrt.buffer : memref<2x1x8x16xf32>
// CHECK: heedrt.kernel "attention" ins(%[[Q]], %[[Q]], %[[Q]], %[[M]] : {{.*}}) outs(%[[O]] : memref<2x1x8x16xf32>) params {has_gate = 0 : i64, has_mask = 1 : i64, scale = 2.500000e-01 : f64, structure = 1 : i64, topk_ratio = 5.000000e-01 : f64}
func.func @attention_mask(%q: tensor<2x1x8x16xf32> {heed.name = "q"}, %m: tensor<2x1x8x8xi1> {heed.name = "m"}) -> (tensor<2x1x8x16xf32> {heed.name = "o"}) {
  %o = attn.attention %q, %q, %q, %m {scale = 0.25 : f64, structure = #attn.causal, topk = #attn.topk<0.5>} : (tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32>, tensor<2x1x8x8xi1>) -> tensor<2x1x8x16xf32>
  return %o : tensor<2x1x8x16xf32>
}

// -----

// Window and block structure, probabilities, the gated form.
// CHECK-LABEL: heedrt.plan @attention_4d
// CHECK: heedrt.kernel "attention" {{.*}} outs(%{{.+}}, %{{.+}} : memref<1x2x8x16xf32>, memref<1x2x8x8xf32>) params {has_gate = 0 : i64, has_mask = 0 : i64, return_probs = 1 : i64, scale = 1.000000e+00 : f64, structure = 2 : i64, window = array<i64: 3, 0>}
// CHECK: heedrt.kernel "attention" {{.*}} params {block_visit = array<i64: 1, 0, 2, 0, 1>, has_gate = 1 : i64, has_mask = 0 : i64, k_block = 4 : i64, q_block = 4 : i64, scale = 1.000000e+00 : f64, structure = 3 : i64}
func.func @attention_4d(%q: tensor<1x2x8x16xf32> {heed.name = "q"}) -> (tensor<1x2x8x16xf32> {heed.name = "o"}, tensor<1x2x8x8xf32> {heed.name = "p"}, tensor<1x2x8x16xf32> {heed.name = "g"}) {
  %o, %p = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.window<3, 0>, return_probs} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>)
  %g = attn.gated_attention %q, %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 4, k_block = 4, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %p, %g : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>
}

// -----

// Outputs get buffers of their own: a weight, an input and a value
// returned twice are copied.
// CHECK-LABEL: heedrt.plan @output_copies
// CHECK: %[[X:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: %[[W:.+]] = heedrt.weight "w" : memref<4xf32>
// CHECK: %[[R:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.kernel "relu" ins(%[[X]] : memref<4xf32>) outs(%[[R]] : memref<4xf32>)
// CHECK: %[[C1:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.kernel "copy" ins(%[[X]] : memref<4xf32>) outs(%[[C1]] : memref<4xf32>)
// CHECK: heedrt.output "a", %[[C1]]
// CHECK: %[[C2:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.kernel "copy" ins(%[[W]] : memref<4xf32>) outs(%[[C2]] : memref<4xf32>)
// CHECK: heedrt.output "b", %[[C2]]
// CHECK: heedrt.output "c", %[[R]]
// CHECK: %[[C3:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.kernel "copy" ins(%[[R]] : memref<4xf32>) outs(%[[C3]] : memref<4xf32>)
// CHECK: heedrt.output "d", %[[C3]]
func.func @output_copies(%x: tensor<4xf32> {heed.name = "x"}) -> (tensor<4xf32> {heed.name = "a"}, tensor<4xf32> {heed.name = "b"}, tensor<4xf32> {heed.name = "c"}, tensor<4xf32> {heed.name = "d"}) {
  %w = heed.param "w" {fan_in = 4 : i64} : tensor<4xf32>
  %r = heed.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  return %x, %w, %r, %r : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// cumsum is the kernel of its name with its axis; bf16 goes through f32.
// CHECK-LABEL: heedrt.plan @cumsum
// CHECK: heedrt.kernel "cumsum" ins(%{{.+}} : memref<2x5xf32>) outs(%{{.+}} : memref<2x5xf32>) params {axis = 1 : i64}
// CHECK: heedrt.kernel "cast" ins(%{{.+}} : memref<4xbf16>) outs(%[[B32:.+]] : memref<4xf32>)
// CHECK: heedrt.kernel "cumsum" ins(%[[B32]] : memref<4xf32>) outs(%[[S32:.+]] : memref<4xf32>) params {axis = 0 : i64}
// CHECK: heedrt.kernel "cast" ins(%[[S32]] : memref<4xf32>) outs(%{{.+}} : memref<4xbf16>)
func.func @cumsum(%x: tensor<2x5xf32> {heed.name = "x"}, %b: tensor<4xbf16> {heed.name = "b"}) -> (tensor<2x5xf32> {heed.name = "s"}, tensor<4xbf16> {heed.name = "t"}) {
  %s = heed.cumsum %x {axis = 1 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  %t = heed.cumsum %b {axis = 0 : i64} : (tensor<4xbf16>) -> tensor<4xbf16>
  return %s, %t : tensor<2x5xf32>, tensor<4xbf16>
}

// -----

// scatter is the kernel of its name with its axis, in any dtype (bf16 as
// it is).
// CHECK-LABEL: heedrt.plan @scatter
// CHECK: heedrt.kernel "scatter" ins(%{{.+}}, %{{.+}}, %{{.+}} : memref<3x4xbf16>, memref<2x4xi64>, memref<2x4xbf16>) outs(%{{.+}} : memref<3x4xbf16>) params {axis = 0 : i64}
func.func @scatter(%x: tensor<3x4xbf16> {heed.name = "x"}, %i: tensor<2x4xi64> {heed.name = "i"}, %s: tensor<2x4xbf16> {heed.name = "s"}) -> (tensor<3x4xbf16> {heed.name = "y"}) {
  %y = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x4xbf16>, tensor<2x4xi64>, tensor<2x4xbf16>) -> tensor<3x4xbf16>
  return %y : tensor<3x4xbf16>
}

// -----

// dynamic_update_slice is the kernel of its name, in any dtype.
// CHECK-LABEL: heedrt.plan @dynamic_update_slice
// CHECK: heedrt.kernel "dynamic_update_slice" ins(%{{.+}}, %{{.+}}, %{{.+}} : memref<8x4xbf16>, memref<1x4xbf16>, memref<2xi64>) outs(%{{.+}} : memref<8x4xbf16>){{$}}
func.func @dynamic_update_slice(%x: tensor<8x4xbf16> {heed.name = "x"}, %u: tensor<1x4xbf16> {heed.name = "u"}, %p: tensor<2xi64> {heed.name = "p"}) -> (tensor<8x4xbf16> {heed.name = "y"}) {
  %y = heed.dynamic_update_slice %x, %u, %p : (tensor<8x4xbf16>, tensor<1x4xbf16>, tensor<2xi64>) -> tensor<8x4xbf16>
  return %y : tensor<8x4xbf16>
}

// -----

// An op no runtime kernel implements is an error at its location.
module attributes {heed.entry = "unknown_op"} {
  func.func @unknown_op(%x: tensor<4xf32>) -> tensor<4xf32> {
    // expected-error @+1 {{no runtime kernel implements 'test.frobnicate'}}
    %y = "test.frobnicate"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{heed-to-heedrt: the module has no entry graph}}
module {
  func.func @a() { return }
  func.func @b() { return }
}

// -----

// A state argument (heed.state) becomes heedrt.state_read; the result of
// the same name with heed.state, heedrt.state_write. A next value that is
// another state's old value is copied first.
// CHECK-LABEL: heedrt.plan @states
// CHECK: %[[A:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.state_read "a", %[[A]]
// CHECK: %[[B:.+]] = heedrt.buffer : memref<4xf32>
// CHECK: heedrt.state_read "b", %[[B]]
// CHECK: heedrt.kernel "copy" ins(%[[B]] : memref<4xf32>) outs(%[[C:.+]] : memref<4xf32>)
// CHECK: heedrt.state_write "a", %[[C]]
// CHECK-NOT: heedrt.input
func.func @states(%a: tensor<4xf32> {heed.name = "a", heed.state},
                  %b: tensor<4xf32> {heed.name = "b", heed.state})
    -> (tensor<4xf32> {heed.name = "a", heed.state}) {
  return %b : tensor<4xf32>
}

// -----

// expected-error @+1 {{state argument #0 has no `heed.name` attribute}}
func.func @nameless_state(%a: tensor<4xf32> {heed.state}) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
