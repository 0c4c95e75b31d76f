// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(heedrt.plan(heedrt-bf16))' -verify-diagnostics | FileCheck %s

// heedrt-bf16 (heedc --precision=bf16): GEMM weights become bf16, attention's
// q, k and v are cast to bf16, and casts fold into the GEMMs that write
// their inputs through head-split transposes and views.

// A weight read only as a linear weight becomes bf16; activations, bias,
// output stay f32.
// CHECK-LABEL: heedrt.plan @linear_weight
// CHECK: %[[W:.+]] = heedrt.weight "w" : memref<4x3xbf16>
// CHECK: %[[B:.+]] = heedrt.weight "b" : memref<4xf32>
// CHECK: heedrt.kernel "linear" ins(%{{.+}}, %[[W]], %[[B]] : memref<8x3xf32>, memref<4x3xbf16>, memref<4xf32>) outs(%{{.+}} : memref<8x4xf32>)
heedrt.plan @linear_weight {
  %x = heedrt.buffer : memref<8x3xf32>
  heedrt.input "x", %x : memref<8x3xf32>
  %w = heedrt.weight "w" : memref<4x3xf32>
  %b = heedrt.weight "b" : memref<4xf32>
  %y = heedrt.buffer : memref<8x4xf32>
  heedrt.kernel "linear" ins(%x, %w, %b : memref<8x3xf32>, memref<4x3xf32>, memref<4xf32>) outs(%y : memref<8x4xf32>) params {has_bias = 1 : i64}
  heedrt.output "y", %y : memref<8x4xf32>
}

// -----

// A weight that something else also reads (a tied embedding) stays f32.
// CHECK-LABEL: heedrt.plan @shared_weight
// CHECK: heedrt.weight "e" : memref<5x3xf32>
// CHECK-NOT: bf16
heedrt.plan @shared_weight {
  %ids = heedrt.buffer : memref<8xi64>
  heedrt.input "ids", %ids : memref<8xi64>
  %e = heedrt.weight "e" : memref<5x3xf32>
  %x = heedrt.buffer : memref<8x3xf32>
  heedrt.kernel "embedding" ins(%ids, %e : memref<8xi64>, memref<5x3xf32>) outs(%x : memref<8x3xf32>)
  %y = heedrt.buffer : memref<8x5xf32>
  heedrt.kernel "linear" ins(%x, %e : memref<8x3xf32>, memref<5x3xf32>) outs(%y : memref<8x5xf32>)
  heedrt.output "y", %y : memref<8x5xf32>
}

// -----

// Attention over head splits of projections: the projections write bf16,
// the transposes move bf16, no cast is left; the output stays f32.
// CHECK-LABEL: heedrt.plan @attention_heads
// CHECK: heedrt.kernel "linear" {{.*}} outs(%[[P:.+]] : memref<4x8xbf16>)
// CHECK: %[[V:.+]] = heedrt.view %[[P]] : memref<4x8xbf16> to memref<1x4x2x4xbf16>
// CHECK: heedrt.kernel "transpose" ins(%[[V]] : memref<1x4x2x4xbf16>) outs(%[[Q:.+]] : memref<1x2x4x4xbf16>)
// CHECK-NOT: "cast"
// CHECK: heedrt.kernel "attention" ins(%[[Q]], %[[Q]], %[[Q]] : memref<1x2x4x4xbf16>, memref<1x2x4x4xbf16>, memref<1x2x4x4xbf16>) outs(%{{.+}} : memref<1x2x4x4xf32>)
heedrt.plan @attention_heads {
  %x = heedrt.buffer : memref<4x8xf32>
  heedrt.input "x", %x : memref<4x8xf32>
  %w = heedrt.weight "w" : memref<8x8xf32>
  %p = heedrt.buffer : memref<4x8xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<4x8xf32>, memref<8x8xf32>) outs(%p : memref<4x8xf32>)
  %v = heedrt.view %p : memref<4x8xf32> to memref<1x4x2x4xf32>
  %q = heedrt.buffer : memref<1x2x4x4xf32>
  heedrt.kernel "transpose" ins(%v : memref<1x4x2x4xf32>) outs(%q : memref<1x2x4x4xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x4xf32>
  heedrt.kernel "attention" ins(%q, %q, %q : memref<1x2x4x4xf32>, memref<1x2x4x4xf32>, memref<1x2x4x4xf32>) outs(%o : memref<1x2x4x4xf32>) params {scale = 5.000000e-01 : f64}
  heedrt.output "o", %o : memref<1x2x4x4xf32>
}

// -----

// q read by something else too (an output port): the cast stays, the
// linear keeps writing f32.
// CHECK-LABEL: heedrt.plan @attention_shared_input
// CHECK: heedrt.kernel "linear" {{.*}} outs(%[[Q:.+]] : memref<1x1x4x4xf32>)
// CHECK: %[[C:.+]] = heedrt.buffer : memref<1x1x4x4xbf16>
// CHECK: heedrt.kernel "cast" ins(%[[Q]] : memref<1x1x4x4xf32>) outs(%[[C]] : memref<1x1x4x4xbf16>)
// CHECK: heedrt.kernel "attention" ins(%[[C]], %[[C]], %[[C]] :
// CHECK: heedrt.output "q", %[[Q]]
heedrt.plan @attention_shared_input {
  %x = heedrt.buffer : memref<1x1x4x4xf32>
  heedrt.input "x", %x : memref<1x1x4x4xf32>
  %w = heedrt.weight "w" : memref<4x4xf32>
  %q = heedrt.buffer : memref<1x1x4x4xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<1x1x4x4xf32>, memref<4x4xf32>) outs(%q : memref<1x1x4x4xf32>)
  %o = heedrt.buffer : memref<1x1x4x4xf32>
  heedrt.kernel "attention" ins(%q, %q, %q : memref<1x1x4x4xf32>, memref<1x1x4x4xf32>, memref<1x1x4x4xf32>) outs(%o : memref<1x1x4x4xf32>) params {scale = 5.000000e-01 : f64}
  heedrt.output "o", %o : memref<1x1x4x4xf32>
  heedrt.output "q", %q : memref<1x1x4x4xf32>
}
