// RUN: heed-opt %s | heed-opt | FileCheck %s

// Every heedrt op and attribute round-trips through the printer and parser.

// CHECK-LABEL: heedrt.plan @all_ops attributes {arena_bytes = 256 : i64}
heedrt.plan @all_ops attributes {arena_bytes = 256 : i64} {
  // CHECK: %[[X:.+]] = heedrt.buffer offset 0 : memref<2x4xf32>
  %x = heedrt.buffer offset 0 : memref<2x4xf32>
  // CHECK: heedrt.input "x", %[[X]] : memref<2x4xf32>
  heedrt.input "x", %x : memref<2x4xf32>
  // CHECK: %[[IDS:.+]] = heedrt.buffer offset 64 : memref<3xi64>
  %ids = heedrt.buffer offset 64 : memref<3xi64>
  // CHECK: heedrt.input "ids", %[[IDS]] {random_bound = 10 : i64} : memref<3xi64>
  heedrt.input "ids", %ids {random_bound = 10 : i64} : memref<3xi64>
  // CHECK: %[[W:.+]] = heedrt.weight "emb.weight" : memref<10x4xf32>
  %w = heedrt.weight "emb.weight" : memref<10x4xf32>
  // CHECK: %[[C:.+]] = heedrt.constant dense<1.000000e+00> : tensor<f32> : memref<f32>
  %c = heedrt.constant dense<1.0> : tensor<f32> : memref<f32>
  // CHECK: %[[V:.+]] = heedrt.view %[[X]] : memref<2x4xf32> to memref<8xf32>
  %v = heedrt.view %x : memref<2x4xf32> to memref<8xf32>
  // CHECK: heedrt.kernel "add" ins(%[[X]], %[[C]] : memref<2x4xf32>, memref<f32>) outs(%[[X]] : memref<2x4xf32>)
  heedrt.kernel "add" ins(%x, %c : memref<2x4xf32>, memref<f32>) outs(%x : memref<2x4xf32>)
  // CHECK: heedrt.kernel "softmax" ins(%[[V]] : memref<8xf32>) outs(%[[V]] : memref<8xf32>) params {axis = 0 : i64}
  heedrt.kernel "softmax" ins(%v : memref<8xf32>) outs(%v : memref<8xf32>) params {axis = 0 : i64}
  // CHECK: %[[E:.+]] = heedrt.buffer offset 128 : memref<3x4xf32>
  %e = heedrt.buffer offset 128 : memref<3x4xf32>
  // CHECK: heedrt.kernel "embedding" ins(%[[IDS]], %[[W]] : memref<3xi64>, memref<10x4xf32>) outs(%[[E]] : memref<3x4xf32>)
  heedrt.kernel "embedding" ins(%ids, %w : memref<3xi64>, memref<10x4xf32>) outs(%e : memref<3x4xf32>)
  // CHECK: %[[F:.+]] = heedrt.buffer offset 192 : memref<4xf32>
  %f = heedrt.buffer offset 192 : memref<4xf32>
  // CHECK: heedrt.kernel "fill" outs(%[[F]] : memref<4xf32>) params {value = 2.500000e+00 : f64}
  heedrt.kernel "fill" outs(%f : memref<4xf32>) params {value = 2.5 : f64}
  // CHECK: heedrt.kernel "attention" {{.*}} params {block_visit = array<i64: 1, 0>, scale = 1.250000e-01 : f64}
  heedrt.kernel "attention" ins(%x, %x, %x : memref<2x4xf32>, memref<2x4xf32>, memref<2x4xf32>) outs(%x : memref<2x4xf32>) params {block_visit = array<i64: 1, 0>, scale = 0.125 : f64}
  // CHECK: heedrt.output "y", %[[X]] : memref<2x4xf32>
  heedrt.output "y", %x : memref<2x4xf32>
}

// CHECK-LABEL: heedrt.plan @unplanned
// CHECK: heedrt.buffer : memref<4xf32>
heedrt.plan @unplanned {
  %b = heedrt.buffer : memref<4xf32>
  heedrt.input "x", %b : memref<4xf32>
  heedrt.output "y", %b : memref<4xf32>
}

// A plan for every L in 1..8: x and y have L rows, the slice's start
// follows L too (coefficient 2), and the attributes round-trip.
// CHECK-LABEL: heedrt.plan @bounded
// CHECK-SAME:    bounded_dims = {L = array<i64: 1, 8>}
// CHECK:       heedrt.buffer offset 0 {bounded = array<i64: 0, 0, 1>} : memref<8x4xf32>
// CHECK:       heedrt.view %{{.*}} {bounded = array<i64: 0, 0, 4>} : memref<8x4xf32> to memref<32xf32>
// CHECK:       heedrt.kernel "slice" {{.*}} params {axis = 0 : i64, start = 16 : i64} {bounded_params = {start = array<i64: 0, 0, 2>}}
// CHECK:       heedrt.constant dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi64> {bounded = array<i64: 0, 0, 1>} : memref<8xi64>
heedrt.plan @bounded attributes {arena_bytes = 256 : i64, bounded_dims = {L = array<i64: 1, 8>}} {
  %x = heedrt.buffer offset 0 {bounded = array<i64: 0, 0, 1>} : memref<8x4xf32>
  heedrt.input "x", %x : memref<8x4xf32>
  %v = heedrt.view %x {bounded = array<i64: 0, 0, 4>} : memref<8x4xf32> to memref<32xf32>
  %y = heedrt.buffer offset 128 : memref<16xf32>
  heedrt.kernel "slice" ins(%v : memref<32xf32>) outs(%y : memref<16xf32>) params {axis = 0 : i64, start = 16 : i64} {bounded_params = {start = array<i64: 0, 0, 2>}}
  heedrt.output "y", %y : memref<16xf32>
  %positions = heedrt.constant dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi64> {bounded = array<i64: 0, 0, 1>} : memref<8xi64>
}
