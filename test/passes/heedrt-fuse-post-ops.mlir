// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(heedrt.plan(heedrt-fuse-post-ops))' -verify-diagnostics | FileCheck %s

// heedrt-fuse-post-ops: epilogues become matmul post-ops (Matmul.cpp codes:
// 1 relu, 2 gelu) and residual adds become norm residuals.

// linear -> gelu -> add(residual): one linear with activation and residual.
// CHECK-LABEL: heedrt.plan @activation_then_residual
// CHECK: %[[X:.+]] = heedrt.buffer : memref<8x4xf32>
// CHECK: %[[OUT:.+]] = heedrt.buffer : memref<8x4xf32>
// CHECK: heedrt.kernel "linear" ins(%[[X]], %{{.+}}, %{{.+}}, %[[X]] : {{.*}}) outs(%[[OUT]] : memref<8x4xf32>) params {activation = 2 : i64, has_bias = 1 : i64, has_residual = 1 : i64}
// CHECK-NOT: heedrt.kernel "gelu"
// CHECK-NOT: heedrt.kernel "add"
// CHECK: heedrt.output "y", %[[OUT]]
heedrt.plan @activation_then_residual {
  %x = heedrt.buffer : memref<8x4xf32>
  heedrt.input "x", %x : memref<8x4xf32>
  %w = heedrt.weight "w" : memref<4x4xf32>
  %b = heedrt.weight "b" : memref<4xf32>
  %h = heedrt.buffer : memref<8x4xf32>
  heedrt.kernel "linear" ins(%x, %w, %b : memref<8x4xf32>, memref<4x4xf32>, memref<4xf32>) outs(%h : memref<8x4xf32>) params {has_bias = 1 : i64}
  %g = heedrt.buffer : memref<8x4xf32>
  heedrt.kernel "gelu" ins(%h : memref<8x4xf32>) outs(%g : memref<8x4xf32>)
  %y = heedrt.buffer : memref<8x4xf32>
  heedrt.kernel "add" ins(%x, %g : memref<8x4xf32>, memref<8x4xf32>) outs(%y : memref<8x4xf32>)
  heedrt.output "y", %y : memref<8x4xf32>
}

// -----

// A matmul's residual pins has_bias = 0 (its default counts inputs).
// CHECK-LABEL: heedrt.plan @matmul_residual
// CHECK: heedrt.kernel "matmul" {{.*}} params {has_bias = 0 : i64, has_residual = 1 : i64}
heedrt.plan @matmul_residual {
  %a = heedrt.buffer : memref<4x4xf32>
  heedrt.input "a", %a : memref<4x4xf32>
  %p = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "matmul" ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%p : memref<4x4xf32>)
  %y = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "add" ins(%p, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%y : memref<4x4xf32>)
  heedrt.output "y", %y : memref<4x4xf32>
}

// -----

// add -> layer_norm; the sum is used again, so the norm emits it too.
// CHECK-LABEL: heedrt.plan @residual_norm
// CHECK: %[[X:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: %[[R:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: %[[S:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: %[[N:.+]] = heedrt.buffer : memref<2x4xf32>
// CHECK: heedrt.kernel "layer_norm" ins(%[[X]], %{{.+}}, %{{.+}}, %[[R]] : {{.*}}) outs(%[[N]], %[[S]] : memref<2x4xf32>, memref<2x4xf32>) params {emit_sum = 1 : i64, eps = 1.000000e-05 : f64, has_residual = 1 : i64}
// CHECK-NOT: heedrt.kernel "add"
heedrt.plan @residual_norm {
  %x = heedrt.buffer : memref<2x4xf32>
  heedrt.input "x", %x : memref<2x4xf32>
  %r = heedrt.buffer : memref<2x4xf32>
  heedrt.input "r", %r : memref<2x4xf32>
  %w = heedrt.weight "w" : memref<4xf32>
  %b = heedrt.weight "b" : memref<4xf32>
  %s = heedrt.buffer : memref<2x4xf32>
  heedrt.kernel "add" ins(%x, %r : memref<2x4xf32>, memref<2x4xf32>) outs(%s : memref<2x4xf32>)
  %n = heedrt.buffer : memref<2x4xf32>
  heedrt.kernel "layer_norm" ins(%s, %w, %b : memref<2x4xf32>, memref<4xf32>, memref<4xf32>) outs(%n : memref<2x4xf32>) params {eps = 1.0e-05 : f64}
  heedrt.output "n", %n : memref<2x4xf32>
  heedrt.output "s", %s : memref<2x4xf32>
}

// -----

// negative_: the linear output is also a model output, the activation
// comes after a residual, and a residual written after the matmul.
// CHECK-LABEL: heedrt.plan @negative_post_ops
// CHECK: heedrt.kernel "linear" {{.*}} params {has_bias = 0 : i64}
// CHECK: heedrt.kernel "relu"
// CHECK: heedrt.kernel "matmul" ins(%{{[^,]+}}, %{{[^,]+}} : {{.*}}) outs
// CHECK: heedrt.kernel "exp"
// CHECK: heedrt.kernel "add"
heedrt.plan @negative_post_ops {
  %x = heedrt.buffer : memref<4x4xf32>
  heedrt.input "x", %x : memref<4x4xf32>
  %w = heedrt.weight "w" : memref<4x4xf32>
  %h = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<4x4xf32>, memref<4x4xf32>) outs(%h : memref<4x4xf32>) params {has_bias = 0 : i64}
  %g = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "relu" ins(%h : memref<4x4xf32>) outs(%g : memref<4x4xf32>)
  heedrt.output "h", %h : memref<4x4xf32>
  heedrt.output "g", %g : memref<4x4xf32>
  %p = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "matmul" ins(%x, %x : memref<4x4xf32>, memref<4x4xf32>) outs(%p : memref<4x4xf32>)
  %e = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "exp" ins(%x : memref<4x4xf32>) outs(%e : memref<4x4xf32>)
  %y = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "add" ins(%p, %e : memref<4x4xf32>, memref<4x4xf32>) outs(%y : memref<4x4xf32>)
  heedrt.output "y", %y : memref<4x4xf32>
}

// -----

// expected-error @+1 {{heedrt-fuse-post-ops runs before heedrt-plan-memory}}
heedrt.plan @planned attributes {arena_bytes = 64 : i64} {
}
