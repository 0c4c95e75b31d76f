// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(heedrt.plan(heedrt-attention-layout))' -verify-diagnostics | FileCheck %s

// heedrt-attention-layout: attention between head-swapping transposes
// (perm 0, 2, 1, 3) reads and writes [B, L, H, D] in place (layout = 1).

// A BERT layer: projections viewed per head, a key mask, the output viewed
// back for the next projection.
// CHECK-LABEL: heedrt.plan @projections
// CHECK: heedrt.kernel "linear" {{.*}} outs(%[[Q:.+]] : memref<1x4x16xf32>)
// CHECK: %[[QV:.+]] = heedrt.view %[[Q]] : memref<1x4x16xf32> to memref<1x4x2x8xf32>
// CHECK: heedrt.kernel "linear" {{.*}} outs(%[[K:.+]] : memref<1x4x16xf32>)
// CHECK: %[[KV:.+]] = heedrt.view %[[K]] : memref<1x4x16xf32> to memref<1x4x2x8xf32>
// CHECK: heedrt.kernel "linear" {{.*}} outs(%[[V:.+]] : memref<1x4x16xf32>)
// CHECK: %[[VV:.+]] = heedrt.view %[[V]] : memref<1x4x16xf32> to memref<1x4x2x8xf32>
// CHECK-NOT: heedrt.kernel "transpose"
// CHECK: %[[O:.+]] = heedrt.buffer : memref<1x4x2x8xf32>
// CHECK: heedrt.kernel "attention" ins(%[[QV]], %[[KV]], %[[VV]], %{{.+}} : memref<1x4x2x8xf32>, memref<1x4x2x8xf32>, memref<1x4x2x8xf32>, memref<1x1x1x4xi1>) outs(%[[O]] : memref<1x4x2x8xf32>) params {has_gate = 0 : i64, has_mask = 1 : i64, layout = 1 : i64, scale = 1.250000e-01 : f64}
// CHECK-NOT: heedrt.kernel "transpose"
// CHECK: %[[OV:.+]] = heedrt.view %[[O]] : memref<1x4x2x8xf32> to memref<1x4x16xf32>
// CHECK: heedrt.kernel "linear" ins(%[[OV]],
heedrt.plan @projections {
  %x = heedrt.buffer : memref<1x4x16xf32>
  heedrt.input "x", %x : memref<1x4x16xf32>
  %m = heedrt.buffer : memref<1x1x1x4xi1>
  heedrt.input "m", %m : memref<1x1x1x4xi1>
  %w = heedrt.weight "w" : memref<16x16xf32>
  %q = heedrt.buffer : memref<1x4x16xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<1x4x16xf32>, memref<16x16xf32>) outs(%q : memref<1x4x16xf32>) params {has_bias = 0 : i64}
  %qv = heedrt.view %q : memref<1x4x16xf32> to memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%qv : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %k = heedrt.buffer : memref<1x4x16xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<1x4x16xf32>, memref<16x16xf32>) outs(%k : memref<1x4x16xf32>) params {has_bias = 0 : i64}
  %kv = heedrt.view %k : memref<1x4x16xf32> to memref<1x4x2x8xf32>
  %v = heedrt.buffer : memref<1x4x16xf32>
  heedrt.kernel "linear" ins(%x, %w : memref<1x4x16xf32>, memref<16x16xf32>) outs(%v : memref<1x4x16xf32>) params {has_bias = 0 : i64}
  %vv = heedrt.view %v : memref<1x4x16xf32> to memref<1x4x2x8xf32>
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%vv : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%kv : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt, %m : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x1x1x4xi1>) outs(%o : memref<1x2x4x8xf32>) params {has_gate = 0 : i64, has_mask = 1 : i64, scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %ov = heedrt.view %ot : memref<1x4x2x8xf32> to memref<1x4x16xf32>
  %y = heedrt.buffer : memref<1x4x16xf32>
  heedrt.kernel "linear" ins(%ov, %w : memref<1x4x16xf32>, memref<16x16xf32>) outs(%y : memref<1x4x16xf32>) params {has_bias = 0 : i64}
  heedrt.output "y", %y : memref<1x4x16xf32>
}

// -----

// A gate (has_gate = 1, no mask) is swapped too; grouped-query
// heads (2 query heads, 1 key/value head); the output transpose's
// destination is a model output.
// CHECK-LABEL: heedrt.plan @gated_gqa
// CHECK-NOT: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "attention" ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : memref<1x4x2x8xf32>, memref<1x4x1x8xf32>, memref<1x4x1x8xf32>, memref<1x4x2x8xf32>) outs(%[[O:.+]] : memref<1x4x2x8xf32>) params {has_gate = 1 : i64, has_mask = 0 : i64, layout = 1 : i64, scale = 1.250000e-01 : f64}
// CHECK-NOT: heedrt.kernel "transpose"
// CHECK: heedrt.output "o", %[[O]]
heedrt.plan @gated_gqa {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %k = heedrt.buffer : memref<1x4x1x8xf32>
  heedrt.input "k", %k : memref<1x4x1x8xf32>
  %v = heedrt.buffer : memref<1x4x1x8xf32>
  heedrt.input "v", %v : memref<1x4x1x8xf32>
  %g = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "g", %g : memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x1x4x8xf32>
  heedrt.kernel "transpose" ins(%k : memref<1x4x1x8xf32>) outs(%kt : memref<1x1x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x1x4x8xf32>
  heedrt.kernel "transpose" ins(%v : memref<1x4x1x8xf32>) outs(%vt : memref<1x1x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %gt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%g : memref<1x4x2x8xf32>) outs(%gt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt, %gt : memref<1x2x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {has_gate = 1 : i64, has_mask = 0 : i64, scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// negative_: a transposed q also read by another kernel (here and below,
// nothing changes).
// CHECK-LABEL: heedrt.plan @negative_read_elsewhere
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "exp"
// CHECK: heedrt.kernel "attention" {{.*}} params {scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose"
heedrt.plan @negative_read_elsewhere {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %e = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "exp" ins(%qt : memref<1x2x4x8xf32>) outs(%e : memref<1x2x4x8xf32>)
  heedrt.output "e", %e : memref<1x2x4x8xf32>
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// CHECK-LABEL: heedrt.plan @negative_output_also_a_port
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "attention" {{.*}} params {scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose"
heedrt.plan @negative_output_also_a_port {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {scale = 1.250000e-01 : f64}
  heedrt.output "raw", %o : memref<1x2x4x8xf32>
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// v transposed with perm (2, 1, 0, 3): not a head swap.
// CHECK-LABEL: heedrt.plan @negative_other_perm
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "attention" {{.*}} params {scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose"
heedrt.plan @negative_other_perm {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %v = heedrt.buffer : memref<4x2x1x8xf32>
  heedrt.input "v", %v : memref<4x2x1x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%v : memref<4x2x1x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 2, 1, 0, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// The output transposed with perm (0, 1, 3, 2) (a different swap).
// CHECK-LABEL: heedrt.plan @negative_other_output_perm
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "attention" {{.*}} params {scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose" {{.*}} params {perm = array<i64: 0, 1, 3, 2>}
heedrt.plan @negative_other_output_perm {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x2x8x4xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x2x8x4xf32>) params {perm = array<i64: 0, 1, 3, 2>}
  heedrt.output "o", %ot : memref<1x2x8x4xf32>
}

// -----

// A gate read as it is ([B, H, L, D], no transpose): all or nothing.
// CHECK-LABEL: heedrt.plan @negative_gate_not_swapped
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "attention" {{.*}} params {has_gate = 1 : i64, has_mask = 0 : i64, scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose"
heedrt.plan @negative_gate_not_swapped {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %g = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.input "g", %g : memref<1x2x4x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt, %g : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {has_gate = 1 : i64, has_mask = 0 : i64, scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// q's source is overwritten (in place) between its transpose and the
// attention: the transpose's copy is what the attention must read.
// CHECK-LABEL: heedrt.plan @negative_source_overwritten
// CHECK-COUNT-3: heedrt.kernel "transpose"
// CHECK: heedrt.kernel "exp"
// CHECK: heedrt.kernel "attention" {{.*}} params {scale = 1.250000e-01 : f64}
// CHECK: heedrt.kernel "transpose"
heedrt.plan @negative_source_overwritten {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %k = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "k", %k : memref<1x4x2x8xf32>
  %qt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%q : memref<1x4x2x8xf32>) outs(%qt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %kt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%k : memref<1x4x2x8xf32>) outs(%kt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  %vt = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "transpose" ins(%k : memref<1x4x2x8xf32>) outs(%vt : memref<1x2x4x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.kernel "exp" ins(%q : memref<1x4x2x8xf32>) outs(%q : memref<1x4x2x8xf32>)
  %o = heedrt.buffer : memref<1x2x4x8xf32>
  heedrt.kernel "attention" ins(%qt, %kt, %vt : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) params {scale = 1.250000e-01 : f64}
  %ot = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "transpose" ins(%o : memref<1x2x4x8xf32>) outs(%ot : memref<1x4x2x8xf32>) params {perm = array<i64: 0, 2, 1, 3>}
  heedrt.output "o", %ot : memref<1x4x2x8xf32>
}

// -----

// Already layout 1: left alone.
// CHECK-LABEL: heedrt.plan @already_in_place
// CHECK: heedrt.kernel "attention" {{.*}} params {layout = 1 : i64, scale = 1.250000e-01 : f64}
heedrt.plan @already_in_place {
  %q = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.input "q", %q : memref<1x4x2x8xf32>
  %o = heedrt.buffer : memref<1x4x2x8xf32>
  heedrt.kernel "attention" ins(%q, %q, %q : memref<1x4x2x8xf32>, memref<1x4x2x8xf32>, memref<1x4x2x8xf32>) outs(%o : memref<1x4x2x8xf32>) params {layout = 1 : i64, scale = 1.250000e-01 : f64}
  heedrt.output "o", %o : memref<1x4x2x8xf32>
}

// -----

// expected-error @+1 {{heedrt-attention-layout runs before heedrt-plan-memory}}
heedrt.plan @planned attributes {arena_bytes = 64 : i64} {
}
