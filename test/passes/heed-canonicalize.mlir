// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(heed-canonicalize))' | FileCheck %s

// heed-canonicalize: exact folds only. Expected constants are worked out by
// hand: rsqrt(8) = 0.35355339..., rounded to f32 0.353553385; f32(0.1) +
// f32(0.2) = 0.30000000447 rounds to f32(0.3) = 0x3E99999A (printed 0.3);
// 1e8 + 1 rounds back to 1e8 in f32 (f32 spacing there is 8).

// Two reshapes become one, reading the original input.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-NEXT: %[[R:.+]] = heed.reshape %arg0 {shape = array<i64: 4, 4>} : (tensor<16xf32>) -> tensor<4x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<16xf32>) -> tensor<4x4xf32> {
  %r = heed.reshape %x {shape = array<i64: 2, 8>} : (tensor<16xf32>) -> tensor<2x8xf32>
  %s = heed.reshape %r {shape = array<i64: 4, 4>} : (tensor<2x8xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// A reshape to the input's own shape and a broadcast to it are the input.
// CHECK-LABEL: func.func @no_op_moves
// CHECK-NEXT: return %arg0
func.func @no_op_moves(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = heed.reshape %x {shape = array<i64: 2, 8>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = heed.broadcast_to %r {shape = array<i64: 2, 8>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// transpose(transpose(x, [1, 2, 0]), [2, 0, 1]): result[i] = x[p[q[i]]] with
// p = [1, 2, 0], q = [2, 0, 1]: [p[2], p[0], p[1]] = [0, 1, 2], the identity.
// CHECK-LABEL: func.func @transposes_cancel
// CHECK-NEXT: return %arg0
func.func @transposes_cancel(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %t = heed.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %u = heed.transpose %t {perm = array<i64: 2, 0, 1>} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  return %u : tensor<2x3x4xf32>
}

// -----

// p = [0, 2, 1], q = [1, 0, 2]: [p[1], p[0], p[2]] = [2, 0, 1].
// CHECK-LABEL: func.func @transposes_compose
// CHECK-NEXT: %[[T:.+]] = heed.transpose %arg0 {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transposes_compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %t = heed.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
  %u = heed.transpose %t {perm = array<i64: 1, 0, 2>} : (tensor<2x4x3xf32>) -> tensor<4x2x3xf32>
  return %u : tensor<4x2x3xf32>
}

// -----

// negative: a transpose of a square matrix keeps its type but moves
// elements; it stays.
// CHECK-LABEL: func.func @negative_square_transpose
// CHECK-NEXT: heed.transpose %arg0 {perm = array<i64: 1, 0>}
func.func @negative_square_transpose(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %t = heed.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %t : tensor<4x4xf32>
}

// -----

// Constant scalars: rsqrt(8), 0.1 + 0.2 and 1e8 + 1 fold; a broadcast of a
// splat is a splat.
// CHECK-LABEL: func.func @constant_scalars
// CHECK-DAG: %[[Q:.+]] = heed.constant dense<0.353553385> : tensor<f32>
// CHECK-DAG: %[[S:.+]] = heed.constant dense<3.000000e-01> : tensor<f32>
// CHECK-DAG: %[[E:.+]] = heed.constant dense<1.000000e+08> : tensor<f32>
// CHECK-DAG: %[[T:.+]] = heed.constant dense<2.000000e+00> : tensor<2x3xf32>
// CHECK-NOT: heed.rsqrt
// CHECK-NOT: heed.add
// CHECK-NOT: heed.broadcast_to
// CHECK: return %[[Q]], %[[S]], %[[E]], %[[T]]
func.func @constant_scalars() -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<2x3xf32>) {
  %c = heed.constant dense<8.0> : tensor<f32>
  %q = heed.rsqrt %c : (tensor<f32>) -> tensor<f32>
  %a = heed.constant dense<0.1> : tensor<f32>
  %b = heed.constant dense<0.2> : tensor<f32>
  %s = heed.add %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %big = heed.constant dense<1.0e8> : tensor<f32>
  %one = heed.constant dense<1.0> : tensor<f32>
  %e = heed.add %big, %one : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %two = heed.constant dense<2.0> : tensor<f32>
  %t = heed.broadcast_to %two {shape = array<i64: 2, 3>} : (tensor<f32>) -> tensor<2x3xf32>
  return %q, %s, %e, %t : tensor<f32>, tensor<f32>, tensor<f32>, tensor<2x3xf32>
}

// -----

// x * 1 and x / 1 are x; 1 / x is not.
// CHECK-LABEL: func.func @times_one
// CHECK-NEXT: %[[ONE:.+]] = heed.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[R:.+]] = heed.div %[[ONE]], %arg0
// CHECK-NEXT: return %arg0, %[[R]]
func.func @times_one(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %one = heed.constant dense<1.0> : tensor<f32>
  %m = heed.mul %x, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d = heed.div %m, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %r = heed.div %one, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %d, %r : tensor<4xf32>, tensor<4xf32>
}

// -----

// negative: x * 1 that broadcasts x to a larger shape is not x.
// CHECK-LABEL: func.func @negative_times_one_broadcasts
// CHECK: heed.mul %arg0
func.func @negative_times_one_broadcasts(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %one = heed.constant dense<1.0> : tensor<2x4xf32>
  %m = heed.mul %x, %one : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %m : tensor<2x4xf32>
}

// -----

// negative: ops dead before the pass stay (what the model reads does not
// depend on -O); the reshape its rewrite leaves dead goes.
// CHECK-LABEL: func.func @negative_dead_before_stays
// CHECK-DAG: heed.param "w"
// CHECK-DAG: heed.gather %{{.+}}, %arg1
// CHECK-NOT: heed.reshape %arg0 {shape = array<i64: 2, 8>}
func.func @negative_dead_before_stays(%x: tensor<16xf32>, %ids: tensor<3xi64>) -> tensor<4x4xf32> {
  %w = heed.param "w" {fan_in = 4 : i64} : tensor<10x4xf32>
  %g = heed.gather %w, %ids {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  %r = heed.reshape %x {shape = array<i64: 2, 8>} : (tensor<16xf32>) -> tensor<2x8xf32>
  %s = heed.reshape %r {shape = array<i64: 4, 4>} : (tensor<2x8xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// negative: integer constants are not folded (only float arithmetic is
// exact in the kernels' f32).
// CHECK-LABEL: func.func @negative_integer_add
// CHECK: heed.add
func.func @negative_integer_add() -> tensor<i64> {
  %a = heed.constant dense<3> : tensor<i64>
  %s = heed.add %a, %a : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %s : tensor<i64>
}
