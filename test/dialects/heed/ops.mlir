// RUN: heed-opt %s | heed-opt | FileCheck %s
// RUN: heed-opt %s --mlir-print-op-generic | heed-opt | FileCheck %s

// Round trip of every heed op: custom form -> custom form, and generic form ->
// custom form. Attributes with their default value are elided when printed.

//===----------------------------------------------------------------------===//
// Sources
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @param
func.func @param() -> (tensor<64x64xf32>, tensor<64xbf16>, tensor<8xi64>) {
  // CHECK: %[[W:.+]] = heed.param "encoder.q_proj.weight" {fan_in = 64 : i64} : tensor<64x64xf32>
  %w = heed.param "encoder.q_proj.weight" {fan_in = 64 : i64, init = "uniform"} : tensor<64x64xf32>
  // CHECK: %[[G:.+]] = heed.param "norm.weight" {fan_in = 64 : i64, init = "one_plus"} : tensor<64xbf16>
  %g = heed.param "norm.weight" {fan_in = 64 : i64, init = "one_plus"} : tensor<64xbf16>
  // CHECK: %[[I:.+]] = heed.param "ids" {fan_in = 1 : i64} : tensor<8xi64>
  %i = heed.param "ids" {fan_in = 1 : i64} : tensor<8xi64>
  // CHECK: return %[[W]], %[[G]], %[[I]]
  return %w, %g, %i : tensor<64x64xf32>, tensor<64xbf16>, tensor<8xi64>
}

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<f32>, tensor<2x2xi64>, tensor<2xi1>, tensor<3xf16>) {
  // CHECK: %[[S:.+]] = heed.constant dense<1.250000e-01> : tensor<f32>
  %s = heed.constant dense<0.125> : tensor<f32>
  // CHECK: %[[T:.+]] = heed.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
  %t = heed.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  // CHECK: %[[B:.+]] = heed.constant dense<[true, false]> : tensor<2xi1>
  %b = heed.constant dense<[true, false]> : tensor<2xi1>
  // CHECK: %[[H:.+]] = heed.constant dense<0.000000e+00> : tensor<3xf16>
  %h = heed.constant dense<0.0> : tensor<3xf16>
  // CHECK: return %[[S]], %[[T]], %[[B]], %[[H]]
  return %s, %t, %b, %h : tensor<f32>, tensor<2x2xi64>, tensor<2xi1>, tensor<3xf16>
}

// CHECK-LABEL: func.func @iota
func.func @iota() -> (tensor<8x1xi64>, tensor<1x8xi32>, tensor<4xf32>) {
  // CHECK: %[[I:.+]] = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 1>} : () -> tensor<8x1xi64>
  %i = heed.iota {shape = array<i64: 8, 1>, axis = 0 : i64, dtype = i64} : () -> tensor<8x1xi64>
  // CHECK: %[[J:.+]] = heed.iota {axis = 1 : i64, dtype = i32, shape = array<i64: 1, 8>} : () -> tensor<1x8xi32>
  %j = heed.iota {shape = array<i64: 1, 8>, axis = 1 : i64, dtype = i32} : () -> tensor<1x8xi32>
  // CHECK: %[[F:.+]] = heed.iota {axis = 0 : i64, dtype = f32, shape = array<i64: 4>} : () -> tensor<4xf32>
  %f = heed.iota {shape = array<i64: 4>, axis = 0 : i64, dtype = f32} : () -> tensor<4xf32>
  // CHECK: return %[[I]], %[[J]], %[[F]]
  return %i, %j, %f : tensor<8x1xi64>, tensor<1x8xi32>, tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @float_unary
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>, %[[H:.+]]: tensor<4xbf16>)
func.func @float_unary(%x: tensor<2x8xf32>, %h: tensor<4xbf16>) -> tensor<2x8xf32> {
  // CHECK: %[[EXP:.+]] = heed.exp %[[X]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %0 = heed.exp %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[LOG:.+]] = heed.log %[[EXP]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = heed.log %0 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[SQRT:.+]] = heed.sqrt %[[LOG]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = heed.sqrt %1 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[RSQRT:.+]] = heed.rsqrt %[[SQRT]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %3 = heed.rsqrt %2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[TANH:.+]] = heed.tanh %[[RSQRT]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = heed.tanh %3 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[SIG:.+]] = heed.sigmoid %[[TANH]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %5 = heed.sigmoid %4 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[RELU:.+]] = heed.relu %[[SIG]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %6 = heed.relu %5 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[GELU:.+]] = heed.gelu %[[RELU]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %7 = heed.gelu %6 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[SILU:.+]] = heed.silu %[[GELU]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %8 = heed.silu %7 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: heed.gelu %[[H]] : (tensor<4xbf16>) -> tensor<4xbf16>
  %9 = heed.gelu %h : (tensor<4xbf16>) -> tensor<4xbf16>
  // CHECK: return %[[SILU]]
  return %8 : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @any_dtype_unary
// CHECK-SAME: (%[[I:.+]]: tensor<3xi64>, %[[F:.+]]: tensor<2x2xf16>)
func.func @any_dtype_unary(%i: tensor<3xi64>, %f: tensor<2x2xf16>) -> (tensor<3xi64>, tensor<2x2xf16>) {
  // CHECK: %[[NEG:.+]] = heed.neg %[[I]] : (tensor<3xi64>) -> tensor<3xi64>
  %0 = heed.neg %i : (tensor<3xi64>) -> tensor<3xi64>
  // CHECK: %[[ABS:.+]] = heed.abs %[[NEG]] : (tensor<3xi64>) -> tensor<3xi64>
  %1 = heed.abs %0 : (tensor<3xi64>) -> tensor<3xi64>
  // CHECK: %[[ABSF:.+]] = heed.abs %[[F]] : (tensor<2x2xf16>) -> tensor<2x2xf16>
  %2 = heed.abs %f : (tensor<2x2xf16>) -> tensor<2x2xf16>
  // CHECK: return %[[ABS]], %[[ABSF]]
  return %1, %2 : tensor<3xi64>, tensor<2x2xf16>
}

// CHECK-LABEL: func.func @logical
// CHECK-SAME: (%[[A:.+]]: tensor<8x8xi1>, %[[B:.+]]: tensor<8xi1>)
func.func @logical(%a: tensor<8x8xi1>, %b: tensor<8xi1>) -> tensor<8x8xi1> {
  // CHECK: %[[NOT:.+]] = heed.not %[[A]] : (tensor<8x8xi1>) -> tensor<8x8xi1>
  %0 = heed.not %a : (tensor<8x8xi1>) -> tensor<8x8xi1>
  // CHECK: %[[AND:.+]] = heed.and %[[NOT]], %[[B]] : (tensor<8x8xi1>, tensor<8xi1>) -> tensor<8x8xi1>
  %1 = heed.and %0, %b : (tensor<8x8xi1>, tensor<8xi1>) -> tensor<8x8xi1>
  // CHECK: %[[OR:.+]] = heed.or %[[B]], %[[AND]] : (tensor<8xi1>, tensor<8x8xi1>) -> tensor<8x8xi1>
  %2 = heed.or %b, %1 : (tensor<8xi1>, tensor<8x8xi1>) -> tensor<8x8xi1>
  // CHECK: return %[[OR]]
  return %2 : tensor<8x8xi1>
}

// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.+]]: tensor<2x8xf32>, %[[S:.+]]: tensor<f32>, %[[R:.+]]: tensor<4x1x8xf32>)
func.func @binary(%a: tensor<2x8xf32>, %s: tensor<f32>, %r: tensor<4x1x8xf32>) -> tensor<4x2x8xf32> {
  // CHECK: %[[ADD:.+]] = heed.add %[[A]], %[[S]] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %0 = heed.add %a, %s : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  // CHECK: %[[SUB:.+]] = heed.sub %[[S]], %[[ADD]] : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = heed.sub %s, %0 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: %[[MUL:.+]] = heed.mul %[[SUB]], %[[R]] : (tensor<2x8xf32>, tensor<4x1x8xf32>) -> tensor<4x2x8xf32>
  %2 = heed.mul %1, %r : (tensor<2x8xf32>, tensor<4x1x8xf32>) -> tensor<4x2x8xf32>
  // CHECK: %[[DIV:.+]] = heed.div %[[MUL]], %[[S]] : (tensor<4x2x8xf32>, tensor<f32>) -> tensor<4x2x8xf32>
  %3 = heed.div %2, %s : (tensor<4x2x8xf32>, tensor<f32>) -> tensor<4x2x8xf32>
  // CHECK: %[[MAX:.+]] = heed.maximum %[[DIV]], %[[A]] : (tensor<4x2x8xf32>, tensor<2x8xf32>) -> tensor<4x2x8xf32>
  %4 = heed.maximum %3, %a : (tensor<4x2x8xf32>, tensor<2x8xf32>) -> tensor<4x2x8xf32>
  // CHECK: %[[MIN:.+]] = heed.minimum %[[MAX]], %[[R]] : (tensor<4x2x8xf32>, tensor<4x1x8xf32>) -> tensor<4x2x8xf32>
  %5 = heed.minimum %4, %r : (tensor<4x2x8xf32>, tensor<4x1x8xf32>) -> tensor<4x2x8xf32>
  // CHECK: %[[POW:.+]] = heed.pow %[[MIN]], %[[S]] : (tensor<4x2x8xf32>, tensor<f32>) -> tensor<4x2x8xf32>
  %6 = heed.pow %5, %s : (tensor<4x2x8xf32>, tensor<f32>) -> tensor<4x2x8xf32>
  // CHECK: return %[[POW]]
  return %6 : tensor<4x2x8xf32>
}

// CHECK-LABEL: func.func @integer_binary
// CHECK-SAME: (%[[A:.+]]: tensor<4xi32>, %[[B:.+]]: tensor<1xi32>)
func.func @integer_binary(%a: tensor<4xi32>, %b: tensor<1xi32>) -> tensor<4xi32> {
  // CHECK: %[[DIV:.+]] = heed.div %[[A]], %[[B]] : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  %0 = heed.div %a, %b : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  // CHECK: return %[[DIV]]
  return %0 : tensor<4xi32>
}

// CHECK-LABEL: func.func @compare
// CHECK-SAME: (%[[I:.+]]: tensor<8x1xi64>, %[[J:.+]]: tensor<1x8xi64>, %[[X:.+]]: tensor<2x8xf32>, %[[Z:.+]]: tensor<f32>)
func.func @compare(%i: tensor<8x1xi64>, %j: tensor<1x8xi64>, %x: tensor<2x8xf32>, %z: tensor<f32>)
    -> (tensor<8x8xi1>, tensor<8x8xi1>, tensor<8x8xi1>, tensor<8x8xi1>, tensor<2x8xi1>, tensor<2x8xi1>) {
  // CHECK: %[[EQ:.+]] = heed.eq %[[I]], %[[J]] : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  %0 = heed.eq %i, %j : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  // CHECK: %[[NE:.+]] = heed.ne %[[I]], %[[J]] : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  %1 = heed.ne %i, %j : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  // CHECK: %[[LT:.+]] = heed.lt %[[I]], %[[J]] : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  %2 = heed.lt %i, %j : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  // CHECK: %[[LE:.+]] = heed.le %[[J]], %[[I]] : (tensor<1x8xi64>, tensor<8x1xi64>) -> tensor<8x8xi1>
  %3 = heed.le %j, %i : (tensor<1x8xi64>, tensor<8x1xi64>) -> tensor<8x8xi1>
  // CHECK: %[[GT:.+]] = heed.gt %[[X]], %[[Z]] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xi1>
  %4 = heed.gt %x, %z : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xi1>
  // CHECK: %[[GE:.+]] = heed.ge %[[Z]], %[[X]] : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xi1>
  %5 = heed.ge %z, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xi1>
  // CHECK: return %[[EQ]], %[[NE]], %[[LT]], %[[LE]], %[[GT]], %[[GE]]
  return %0, %1, %2, %3, %4, %5 : tensor<8x8xi1>, tensor<8x8xi1>, tensor<8x8xi1>, tensor<8x8xi1>, tensor<2x8xi1>, tensor<2x8xi1>
}

// CHECK-LABEL: func.func @where
// CHECK-SAME: (%[[M:.+]]: tensor<8x8xi1>, %[[X:.+]]: tensor<1x8x8xf32>, %[[NINF:.+]]: tensor<f32>)
func.func @where(%m: tensor<8x8xi1>, %x: tensor<1x8x8xf32>, %ninf: tensor<f32>) -> (tensor<1x8x8xf32>, tensor<2x8x8xf32>) {
  // CHECK: %[[S:.+]] = heed.where %[[M]], %[[X]], %[[NINF]] : (tensor<8x8xi1>, tensor<1x8x8xf32>, tensor<f32>) -> tensor<1x8x8xf32>
  %0 = heed.where %m, %x, %ninf : (tensor<8x8xi1>, tensor<1x8x8xf32>, tensor<f32>) -> tensor<1x8x8xf32>
  // The condition itself can widen the result.
  // CHECK: %[[C:.+]] = heed.constant dense<true> : tensor<2x1x1xi1>
  %c = heed.constant dense<true> : tensor<2x1x1xi1>
  // CHECK: %[[W:.+]] = heed.where %[[C]], %[[NINF]], %[[X]] : (tensor<2x1x1xi1>, tensor<f32>, tensor<1x8x8xf32>) -> tensor<2x8x8xf32>
  %1 = heed.where %c, %ninf, %x : (tensor<2x1x1xi1>, tensor<f32>, tensor<1x8x8xf32>) -> tensor<2x8x8xf32>
  // CHECK: return %[[S]], %[[W]]
  return %0, %1 : tensor<1x8x8xf32>, tensor<2x8x8xf32>
}

// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[M:.+]]: tensor<8x8xi1>, %[[X:.+]]: tensor<4xf32>)
func.func @cast(%m: tensor<8x8xi1>, %x: tensor<4xf32>) -> (tensor<8x8xf32>, tensor<4xbf16>, tensor<4xi32>, tensor<4xi1>) {
  // CHECK: %[[F:.+]] = heed.cast %[[M]] {dtype = f32} : (tensor<8x8xi1>) -> tensor<8x8xf32>
  %0 = heed.cast %m {dtype = f32} : (tensor<8x8xi1>) -> tensor<8x8xf32>
  // CHECK: %[[B:.+]] = heed.cast %[[X]] {dtype = bf16} : (tensor<4xf32>) -> tensor<4xbf16>
  %1 = heed.cast %x {dtype = bf16} : (tensor<4xf32>) -> tensor<4xbf16>
  // CHECK: %[[I:.+]] = heed.cast %[[B]] {dtype = i32} : (tensor<4xbf16>) -> tensor<4xi32>
  %2 = heed.cast %1 {dtype = i32} : (tensor<4xbf16>) -> tensor<4xi32>
  // CHECK: %[[P:.+]] = heed.cast %[[I]] {dtype = i1} : (tensor<4xi32>) -> tensor<4xi1>
  %3 = heed.cast %2 {dtype = i1} : (tensor<4xi32>) -> tensor<4xi1>
  // CHECK: return %[[F]], %[[B]], %[[I]], %[[P]]
  return %0, %1, %2, %3 : tensor<8x8xf32>, tensor<4xbf16>, tensor<4xi32>, tensor<4xi1>
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[K:.+]]: tensor<1x8x128x64xf32>)
func.func @transpose(%k: tensor<1x8x128x64xf32>) -> tensor<64x8x1x128xf32> {
  // CHECK: %[[KT:.+]] = heed.transpose %[[K]] {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x8x128x64xf32>) -> tensor<1x8x64x128xf32>
  %0 = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x8x128x64xf32>) -> tensor<1x8x64x128xf32>
  // CHECK: %[[R:.+]] = heed.transpose %[[KT]] {perm = array<i64: 2, 1, 0, 3>} : (tensor<1x8x64x128xf32>) -> tensor<64x8x1x128xf32>
  %1 = heed.transpose %0 {perm = array<i64: 2, 1, 0, 3>} : (tensor<1x8x64x128xf32>) -> tensor<64x8x1x128xf32>
  // CHECK: return %[[R]]
  return %1 : tensor<64x8x1x128xf32>
}

// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.+]]: tensor<1x128x512xf32>, %[[S:.+]]: tensor<i64>)
func.func @reshape(%x: tensor<1x128x512xf32>, %s: tensor<i64>) -> (tensor<1x128x8x64xf32>, tensor<1x1xi64>) {
  // CHECK: %[[H:.+]] = heed.reshape %[[X]] {shape = array<i64: 1, 128, 8, 64>} : (tensor<1x128x512xf32>) -> tensor<1x128x8x64xf32>
  %0 = heed.reshape %x {shape = array<i64: 1, 128, 8, 64>} : (tensor<1x128x512xf32>) -> tensor<1x128x8x64xf32>
  // CHECK: %[[E:.+]] = heed.reshape %[[S]] {shape = array<i64: 1, 1>} : (tensor<i64>) -> tensor<1x1xi64>
  %1 = heed.reshape %s {shape = array<i64: 1, 1>} : (tensor<i64>) -> tensor<1x1xi64>
  // CHECK: return %[[H]], %[[E]]
  return %0, %1 : tensor<1x128x8x64xf32>, tensor<1x1xi64>
}

// CHECK-LABEL: func.func @broadcast_to
// CHECK-SAME: (%[[X:.+]]: tensor<1x8xf32>, %[[S:.+]]: tensor<i1>)
func.func @broadcast_to(%x: tensor<1x8xf32>, %s: tensor<i1>) -> (tensor<3x4x8xf32>, tensor<2x2xi1>) {
  // CHECK: %[[B:.+]] = heed.broadcast_to %[[X]] {shape = array<i64: 3, 4, 8>} : (tensor<1x8xf32>) -> tensor<3x4x8xf32>
  %0 = heed.broadcast_to %x {shape = array<i64: 3, 4, 8>} : (tensor<1x8xf32>) -> tensor<3x4x8xf32>
  // CHECK: %[[M:.+]] = heed.broadcast_to %[[S]] {shape = array<i64: 2, 2>} : (tensor<i1>) -> tensor<2x2xi1>
  %1 = heed.broadcast_to %s {shape = array<i64: 2, 2>} : (tensor<i1>) -> tensor<2x2xi1>
  // CHECK: return %[[B]], %[[M]]
  return %0, %1 : tensor<3x4x8xf32>, tensor<2x2xi1>
}

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x5xf32>, %[[C:.+]]: tensor<2x1xf32>)
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<2x1xf32>) -> (tensor<2x9xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
  // CHECK: %[[R:.+]] = heed.concat %[[A]], %[[B]], %[[C]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x9xf32>
  %0 = heed.concat %a, %b, %c {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x9xf32>
  // CHECK: %[[S:.+]] = heed.concat %[[A]], %[[A]] {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = heed.concat %a, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK: %[[O:.+]] = heed.concat %[[A]] {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = heed.concat %a {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: return %[[R]], %[[S]], %[[O]]
  return %0, %1, %2 : tensor<2x9xf32>, tensor<4x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
func.func @split(%x: tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>, tensor<1x8xf32>) {
  // CHECK: %[[P:.+]]:2 = heed.split %[[X]] {axis = 1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>)
  %a, %b = heed.split %x {axis = 1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>)
  // CHECK: %[[Q:.+]]:2 = heed.split %[[X]] {axis = 0 : i64, sizes = array<i64: 1, 1>} : (tensor<2x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>)
  %c:2 = heed.split %x {axis = 0 : i64, sizes = array<i64: 1, 1>} : (tensor<2x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>)
  // CHECK: return %[[P]]#0, %[[P]]#1, %[[Q]]#1
  return %a, %b, %c#1 : tensor<2x3xf32>, tensor<2x5xf32>, tensor<1x8xf32>
}

// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
func.func @slice(%x: tensor<2x8xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>, tensor<1x8xf32>) {
  // CHECK: %[[A:.+]] = heed.slice %[[X]] {axis = 1 : i64, end = 4 : i64, start = 0 : i64, step = 2 : i64} : (tensor<2x8xf32>) -> tensor<2x2xf32>
  %0 = heed.slice %x {axis = 1 : i64, start = 0 : i64, end = 4 : i64, step = 2 : i64} : (tensor<2x8xf32>) -> tensor<2x2xf32>
  // The default step of 1 is elided.
  // CHECK: %[[B:.+]] = heed.slice %[[X]] {axis = 1 : i64, end = 8 : i64, start = 5 : i64} : (tensor<2x8xf32>) -> tensor<2x3xf32>
  %1 = heed.slice %x {axis = 1 : i64, start = 5 : i64, end = 8 : i64, step = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x3xf32>
  // CHECK: %[[C:.+]] = heed.slice %[[X]] {axis = 0 : i64, end = 2 : i64, start = 1 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %2 = heed.slice %x {axis = 0 : i64, start = 1 : i64, end = 2 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]]
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2x3xf32>, tensor<1x8xf32>
}

// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[X:.+]]: tensor<10x4xf32>, %[[IDX:.+]]: tensor<3xi64>, %[[IDX2:.+]]: tensor<2x5xi32>, %[[S:.+]]: tensor<i64>)
func.func @gather(%x: tensor<10x4xf32>, %idx: tensor<3xi64>, %idx2: tensor<2x5xi32>, %s: tensor<i64>)
    -> (tensor<3x4xf32>, tensor<10x2x5xf32>, tensor<4xf32>) {
  // CHECK: %[[A:.+]] = heed.gather %[[X]], %[[IDX]] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  %0 = heed.gather %x, %idx {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  // CHECK: %[[B:.+]] = heed.gather %[[X]], %[[IDX2]] {axis = 1 : i64} : (tensor<10x4xf32>, tensor<2x5xi32>) -> tensor<10x2x5xf32>
  %1 = heed.gather %x, %idx2 {axis = 1 : i64} : (tensor<10x4xf32>, tensor<2x5xi32>) -> tensor<10x2x5xf32>
  // CHECK: %[[C:.+]] = heed.gather %[[X]], %[[S]] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<i64>) -> tensor<4xf32>
  %2 = heed.gather %x, %s {axis = 0 : i64} : (tensor<10x4xf32>, tensor<i64>) -> tensor<4xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]]
  return %0, %1, %2 : tensor<3x4xf32>, tensor<10x2x5xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[IDS:.+]]: tensor<2x16xi64>, %[[W:.+]]: tensor<1000x32xf32>, %[[ID32:.+]]: tensor<7xi32>, %[[WH:.+]]: tensor<50x8xbf16>)
func.func @embedding(%ids: tensor<2x16xi64>, %w: tensor<1000x32xf32>, %ids32: tensor<7xi32>, %wh: tensor<50x8xbf16>)
    -> (tensor<2x16x32xf32>, tensor<7x8xbf16>) {
  // CHECK: %[[E:.+]] = heed.embedding %[[IDS]], %[[W]] : (tensor<2x16xi64>, tensor<1000x32xf32>) -> tensor<2x16x32xf32>
  %0 = heed.embedding %ids, %w : (tensor<2x16xi64>, tensor<1000x32xf32>) -> tensor<2x16x32xf32>
  // CHECK: %[[F:.+]] = heed.embedding %[[ID32]], %[[WH]] : (tensor<7xi32>, tensor<50x8xbf16>) -> tensor<7x8xbf16>
  %1 = heed.embedding %ids32, %wh : (tensor<7xi32>, tensor<50x8xbf16>) -> tensor<7x8xbf16>
  // CHECK: return %[[E]], %[[F]]
  return %0, %1 : tensor<2x16x32xf32>, tensor<7x8xbf16>
}

// CHECK-LABEL: func.func @triangles
// CHECK-SAME: (%[[ONES:.+]]: tensor<8x8xi1>, %[[X:.+]]: tensor<2x8x8xf32>)
func.func @triangles(%ones: tensor<8x8xi1>, %x: tensor<2x8x8xf32>) -> (tensor<8x8xi1>, tensor<2x8x8xf32>, tensor<8x8xi1>, tensor<2x8x8xf32>) {
  // The default k = 0 is elided.
  // CHECK: %[[L:.+]] = heed.tril %[[ONES]] : (tensor<8x8xi1>) -> tensor<8x8xi1>
  %0 = heed.tril %ones {k = 0 : i64} : (tensor<8x8xi1>) -> tensor<8x8xi1>
  // CHECK: %[[L2:.+]] = heed.tril %[[X]] {k = -1 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %1 = heed.tril %x {k = -1 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  // CHECK: %[[U:.+]] = heed.triu %[[ONES]] : (tensor<8x8xi1>) -> tensor<8x8xi1>
  %2 = heed.triu %ones : (tensor<8x8xi1>) -> tensor<8x8xi1>
  // CHECK: %[[U2:.+]] = heed.triu %[[X]] {k = 1 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %3 = heed.triu %x {k = 1 : i64} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  // CHECK: return %[[L]], %[[L2]], %[[U]], %[[U2]]
  return %0, %1, %2, %3 : tensor<8x8xi1>, tensor<2x8x8xf32>, tensor<8x8xi1>, tensor<2x8x8xf32>
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x128x64xf32>, %[[KT:.+]]: tensor<1x8x64x128xf32>, %[[A:.+]]: tensor<3x1x4x5xbf16>, %[[B:.+]]: tensor<2x5x6xbf16>)
func.func @matmul(%q: tensor<1x8x128x64xf32>, %kt: tensor<1x8x64x128xf32>, %a: tensor<3x1x4x5xbf16>, %b: tensor<2x5x6xbf16>)
    -> (tensor<1x8x128x128xf32>, tensor<3x2x4x6xbf16>) {
  // CHECK: %[[S:.+]] = heed.matmul %[[Q]], %[[KT]] : (tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>) -> tensor<1x8x128x128xf32>
  %0 = heed.matmul %q, %kt : (tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>) -> tensor<1x8x128x128xf32>
  // Batch dimensions broadcast.
  // CHECK: %[[T:.+]] = heed.matmul %[[A]], %[[B]] : (tensor<3x1x4x5xbf16>, tensor<2x5x6xbf16>) -> tensor<3x2x4x6xbf16>
  %1 = heed.matmul %a, %b : (tensor<3x1x4x5xbf16>, tensor<2x5x6xbf16>) -> tensor<3x2x4x6xbf16>
  // CHECK: return %[[S]], %[[T]]
  return %0, %1 : tensor<1x8x128x128xf32>, tensor<3x2x4x6xbf16>
}

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: tensor<2x16x64xf32>, %[[W:.+]]: tensor<32x64xf32>, %[[B:.+]]: tensor<32xf32>, %[[V:.+]]: tensor<64xf32>)
func.func @linear(%x: tensor<2x16x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>, %v: tensor<64xf32>)
    -> (tensor<2x16x32xf32>, tensor<32xf32>) {
  // CHECK: %[[Y:.+]] = heed.linear %[[X]], %[[W]], %[[B]] : (tensor<2x16x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x16x32xf32>
  %0 = heed.linear %x, %w, %b : (tensor<2x16x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x16x32xf32>
  // Without bias, on a vector.
  // CHECK: %[[Z:.+]] = heed.linear %[[V]], %[[W]] : (tensor<64xf32>, tensor<32x64xf32>) -> tensor<32xf32>
  %1 = heed.linear %v, %w : (tensor<64xf32>, tensor<32x64xf32>) -> tensor<32xf32>
  // CHECK: return %[[Y]], %[[Z]]
  return %0, %1 : tensor<2x16x32xf32>, tensor<32xf32>
}

//===----------------------------------------------------------------------===//
// Normalisation, softmax, reductions
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[S:.+]]: tensor<1x8x128x128xf32>, %[[L:.+]]: tensor<2x10xf16>)
func.func @softmax(%s: tensor<1x8x128x128xf32>, %l: tensor<2x10xf16>) -> (tensor<1x8x128x128xf32>, tensor<2x10xf16>) {
  // CHECK: %[[P:.+]] = heed.softmax %[[S]] {axis = 3 : i64} : (tensor<1x8x128x128xf32>) -> tensor<1x8x128x128xf32>
  %0 = heed.softmax %s {axis = 3 : i64} : (tensor<1x8x128x128xf32>) -> tensor<1x8x128x128xf32>
  // CHECK: %[[LP:.+]] = heed.log_softmax %[[L]] {axis = 1 : i64} : (tensor<2x10xf16>) -> tensor<2x10xf16>
  %1 = heed.log_softmax %l {axis = 1 : i64} : (tensor<2x10xf16>) -> tensor<2x10xf16>
  // CHECK: return %[[P]], %[[LP]]
  return %0, %1 : tensor<1x8x128x128xf32>, tensor<2x10xf16>
}

// CHECK-LABEL: func.func @norms
// CHECK-SAME: (%[[X:.+]]: tensor<2x16x64xf32>, %[[G:.+]]: tensor<64xf32>, %[[B:.+]]: tensor<64xf32>)
func.func @norms(%x: tensor<2x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> (tensor<2x16x64xf32>, tensor<2x16x64xf32>) {
  // CHECK: %[[LN:.+]] = heed.layer_norm %[[X]], %[[G]], %[[B]] {eps = 1.000000e-05 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %0 = heed.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  // CHECK: %[[RMS:.+]] = heed.rms_norm %[[LN]], %[[G]] {eps = 0.000000e+00 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %1 = heed.rms_norm %0, %g {eps = 0.0 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  // CHECK: return %[[LN]], %[[RMS]]
  return %0, %1 : tensor<2x16x64xf32>, tensor<2x16x64xf32>
}

// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.+]]: tensor<1x16x8x8xf32>, %[[W:.+]]: tensor<16xf32>, %[[B:.+]]: tensor<16xf32>, %[[M:.+]]: tensor<16xf32>, %[[V:.+]]: tensor<16xf32>, %[[Y:.+]]: tensor<4x16xf32>)
func.func @batch_norm(%x: tensor<1x16x8x8xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>, %y: tensor<4x16xf32>)
    -> (tensor<1x16x8x8xf32>, tensor<4x16xf32>) {
  // CHECK: %[[R:.+]] = heed.batch_norm %[[X]], %[[W]], %[[B]], %[[M]], %[[V]] {eps = 1.000000e-05 : f64} : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  %0 = heed.batch_norm %x, %w, %b, %m, %v {eps = 1.0e-05 : f64} : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  // Rank 2 ([N, C]) is enough.
  // CHECK: %[[S:.+]] = heed.batch_norm %[[Y]], %[[W]], %[[B]], %[[M]], %[[V]] {eps = 1.000000e-03 : f64} : (tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %1 = heed.batch_norm %y, %w, %b, %m, %v {eps = 1.0e-03 : f64} : (tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  // CHECK: return %[[R]], %[[S]]
  return %0, %1 : tensor<1x16x8x8xf32>, tensor<4x16xf32>
}

// CHECK-LABEL: func.func @reductions
// CHECK-SAME: (%[[X:.+]]: tensor<2x8x4xf32>, %[[I:.+]]: tensor<5xi64>)
func.func @reductions(%x: tensor<2x8x4xf32>, %i: tensor<5xi64>)
    -> (tensor<2x4xf32>, tensor<2x1x1xf32>, tensor<f32>, tensor<1xi64>) {
  // The default keepdim = false is elided.
  // CHECK: %[[SUM:.+]] = heed.reduce_sum %[[X]] {axes = array<i64: 1>} : (tensor<2x8x4xf32>) -> tensor<2x4xf32>
  %0 = heed.reduce_sum %x {axes = array<i64: 1>, keepdim = false} : (tensor<2x8x4xf32>) -> tensor<2x4xf32>
  // CHECK: %[[MEAN:.+]] = heed.reduce_mean %[[X]] {axes = array<i64: 2, 1>, keepdim = true} : (tensor<2x8x4xf32>) -> tensor<2x1x1xf32>
  %1 = heed.reduce_mean %x {axes = array<i64: 2, 1>, keepdim = true} : (tensor<2x8x4xf32>) -> tensor<2x1x1xf32>
  // CHECK: %[[MAX:.+]] = heed.reduce_max %[[X]] {axes = array<i64: 0, 1, 2>} : (tensor<2x8x4xf32>) -> tensor<f32>
  %2 = heed.reduce_max %x {axes = array<i64: 0, 1, 2>} : (tensor<2x8x4xf32>) -> tensor<f32>
  // CHECK: %[[MIN:.+]] = heed.reduce_min %[[I]] {axes = array<i64: 0>, keepdim = true} : (tensor<5xi64>) -> tensor<1xi64>
  %3 = heed.reduce_min %i {axes = array<i64: 0>, keepdim = true} : (tensor<5xi64>) -> tensor<1xi64>
  // CHECK: return %[[SUM]], %[[MEAN]], %[[MAX]], %[[MIN]]
  return %0, %1, %2, %3 : tensor<2x4xf32>, tensor<2x1x1xf32>, tensor<f32>, tensor<1xi64>
}

// CHECK-LABEL: func.func @scatter
// CHECK-SAME: (%[[X:.+]]: tensor<3x5xf32>, %[[I:.+]]: tensor<2x4xi64>, %[[S:.+]]: tensor<2x5xf32>)
func.func @scatter(%x: tensor<3x5xf32>, %i: tensor<2x4xi64>, %s: tensor<2x5xf32>) -> tensor<3x5xf32> {
  // CHECK: %[[Y:.+]] = heed.scatter %[[X]], %[[I]], %[[S]] {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x4xi64>, tensor<2x5xf32>) -> tensor<3x5xf32>
  %y = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x4xi64>, tensor<2x5xf32>) -> tensor<3x5xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<3x5xf32>
}

// CHECK-LABEL: func.func @dynamic_update_slice
// CHECK-SAME: (%[[C:.+]]: tensor<1x2x8x4xf32>, %[[U:.+]]: tensor<1x2x1x4xf32>, %[[P:.+]]: tensor<4xi64>)
func.func @dynamic_update_slice(%c: tensor<1x2x8x4xf32>, %u: tensor<1x2x1x4xf32>, %p: tensor<4xi64>) -> tensor<1x2x8x4xf32> {
  // CHECK: %[[Y:.+]] = heed.dynamic_update_slice %[[C]], %[[U]], %[[P]] : (tensor<1x2x8x4xf32>, tensor<1x2x1x4xf32>, tensor<4xi64>) -> tensor<1x2x8x4xf32>
  %y = heed.dynamic_update_slice %c, %u, %p : (tensor<1x2x8x4xf32>, tensor<1x2x1x4xf32>, tensor<4xi64>) -> tensor<1x2x8x4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<1x2x8x4xf32>
}

// CHECK-LABEL: func.func @cumsum
// CHECK-SAME: (%[[X:.+]]: tensor<2x10xf32>, %[[N:.+]]: tensor<3xi64>)
func.func @cumsum(%x: tensor<2x10xf32>, %n: tensor<3xi64>) -> (tensor<2x10xf32>, tensor<3xi64>) {
  // CHECK: %[[S:.+]] = heed.cumsum %[[X]] {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  %s = heed.cumsum %x {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  // CHECK: %[[T:.+]] = heed.cumsum %[[N]] {axis = 0 : i64} : (tensor<3xi64>) -> tensor<3xi64>
  %t = heed.cumsum %n {axis = 0 : i64} : (tensor<3xi64>) -> tensor<3xi64>
  // CHECK: return %[[S]], %[[T]]
  return %s, %t : tensor<2x10xf32>, tensor<3xi64>
}

// CHECK-LABEL: func.func @top_k
// CHECK-SAME: (%[[X:.+]]: tensor<2x10xf32>)
func.func @top_k(%x: tensor<2x10xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x10xi64>) {
  // CHECK: %[[V:.+]], %[[I:.+]] = heed.top_k %[[X]] {axis = 1 : i64, k = 3 : i64} : (tensor<2x10xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  %v, %i = heed.top_k %x {axis = 1 : i64, k = 3 : i64} : (tensor<2x10xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  // CHECK: %[[W:.+]], %[[WI:.+]] = heed.top_k %[[X]] {axis = 0 : i64, k = 2 : i64} : (tensor<2x10xf32>) -> (tensor<2x10xf32>, tensor<2x10xi64>)
  %w:2 = heed.top_k %x {axis = 0 : i64, k = 2 : i64} : (tensor<2x10xf32>) -> (tensor<2x10xf32>, tensor<2x10xi64>)
  // CHECK: return %[[V]], %[[I]], %[[WI]]
  return %v, %i, %w#1 : tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x10xi64>
}

//===----------------------------------------------------------------------===//
// Recurrent layers
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @lstm
// CHECK-SAME: (%[[X:.+]]: tensor<2x10x16xf32>, %[[H0:.+]]: tensor<1x2x32xf32>, %[[C0:.+]]: tensor<1x2x32xf32>, %[[WIH:.+]]: tensor<128x16xf32>, %[[WHH:.+]]: tensor<128x32xf32>, %[[BIH:.+]]: tensor<128xf32>, %[[BHH:.+]]: tensor<128xf32>)
func.func @lstm(%x: tensor<2x10x16xf32>, %h0: tensor<1x2x32xf32>, %c0: tensor<1x2x32xf32>,
                %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %bih: tensor<128xf32>, %bhh: tensor<128xf32>)
    -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>) {
  // CHECK: %[[SEQ:.+]], %[[HN:.+]], %[[CN:.+]] = heed.lstm %[[X]], %[[H0]], %[[C0]], %[[WIH]], %[[WHH]], %[[BIH]], %[[BHH]] {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  %seq, %h, %c = heed.lstm %x, %h0, %c0, %wih, %whh, %bih, %bhh {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  // CHECK: return %[[SEQ]], %[[HN]], %[[CN]]
  return %seq, %h, %c : tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>
}

// Per-sequence lengths (a packed sequence) follow the weights.
// CHECK-LABEL: func.func @gru_lengths
// CHECK: heed.gru %arg0, %arg1, %arg2, %arg3 lengths %arg4 {bidirectional = false, has_bias = false, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<2xi64>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
func.func @gru_lengths(%x: tensor<2x10x16xf32>, %h0: tensor<1x2x32xf32>, %wih: tensor<96x16xf32>, %whh: tensor<96x32xf32>, %len: tensor<2xi64>) -> tensor<2x10x32xf32> {
  %seq, %h = heed.gru %x, %h0, %wih, %whh lengths %len {bidirectional = false, has_bias = false, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<2xi64>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  return %seq : tensor<2x10x32xf32>
}

// Two bidirectional layers without bias: per (layer, direction) weight_ih and
// weight_hh; layer 1 reads the 2 * H outputs of layer 0.
// CHECK-LABEL: func.func @lstm_bidirectional
// CHECK-SAME: (%[[X:.+]]: tensor<2x10x16xf32>, %[[S:.+]]: tensor<4x2x8xf32>, %[[W0:.+]]: tensor<32x16xf32>, %[[WH:.+]]: tensor<32x8xf32>, %[[W1:.+]]: tensor<32x16xf32>)
func.func @lstm_bidirectional(%x: tensor<2x10x16xf32>, %s: tensor<4x2x8xf32>, %w0: tensor<32x16xf32>, %wh: tensor<32x8xf32>, %w1: tensor<32x16xf32>)
    -> tensor<2x10x16xf32> {
  // CHECK: %[[SEQ:.+]], %[[HN:.+]], %[[CN:.+]] = heed.lstm %[[X]], %[[S]], %[[S]], %[[W0]], %[[WH]], %[[W0]], %[[WH]], %[[W1]], %[[WH]], %[[W1]], %[[WH]] {bidirectional = true, has_bias = false, hidden_size = 8 : i64, num_layers = 2 : i64} : (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>) -> (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>)
  %seq, %h, %c = heed.lstm %x, %s, %s, %w0, %wh, %w0, %wh, %w1, %wh, %w1, %wh {bidirectional = true, has_bias = false, hidden_size = 8 : i64, num_layers = 2 : i64} : (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>) -> (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>)
  // CHECK: return %[[SEQ]] :
  return %seq : tensor<2x10x16xf32>
}

// CHECK-LABEL: func.func @gru
// CHECK-SAME: (%[[X:.+]]: tensor<2x10x16xf32>, %[[H0:.+]]: tensor<1x2x32xf32>, %[[WIH:.+]]: tensor<96x16xf32>, %[[WHH:.+]]: tensor<96x32xf32>, %[[BIH:.+]]: tensor<96xf32>, %[[BHH:.+]]: tensor<96xf32>)
func.func @gru(%x: tensor<2x10x16xf32>, %h0: tensor<1x2x32xf32>, %wih: tensor<96x16xf32>, %whh: tensor<96x32xf32>, %bih: tensor<96xf32>, %bhh: tensor<96xf32>)
    -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>) {
  // CHECK: %[[SEQ:.+]], %[[HN:.+]] = heed.gru %[[X]], %[[H0]], %[[WIH]], %[[WHH]], %[[BIH]], %[[BHH]] {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  %seq, %h = heed.gru %x, %h0, %wih, %whh, %bih, %bhh {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  // CHECK: return %[[SEQ]], %[[HN]]
  return %seq, %h : tensor<2x10x32xf32>, tensor<1x2x32xf32>
}

// CHECK-LABEL: func.func @gru_bidirectional
// CHECK-SAME: (%[[X:.+]]: tensor<3x5x4xbf16>, %[[H0:.+]]: tensor<2x3x6xbf16>, %[[WIH:.+]]: tensor<18x4xbf16>, %[[WHH:.+]]: tensor<18x6xbf16>)
func.func @gru_bidirectional(%x: tensor<3x5x4xbf16>, %h0: tensor<2x3x6xbf16>, %wih: tensor<18x4xbf16>, %whh: tensor<18x6xbf16>)
    -> tensor<3x5x12xbf16> {
  // CHECK: %[[SEQ:.+]], %[[HN:.+]] = heed.gru %[[X]], %[[H0]], %[[WIH]], %[[WHH]], %[[WIH]], %[[WHH]] {bidirectional = true, has_bias = false, hidden_size = 6 : i64, num_layers = 1 : i64} : (tensor<3x5x4xbf16>, tensor<2x3x6xbf16>, tensor<18x4xbf16>, tensor<18x6xbf16>, tensor<18x4xbf16>, tensor<18x6xbf16>) -> (tensor<3x5x12xbf16>, tensor<2x3x6xbf16>)
  %seq, %h = heed.gru %x, %h0, %wih, %whh, %wih, %whh {bidirectional = true, has_bias = false, hidden_size = 6 : i64, num_layers = 1 : i64} : (tensor<3x5x4xbf16>, tensor<2x3x6xbf16>, tensor<18x4xbf16>, tensor<18x6xbf16>, tensor<18x4xbf16>, tensor<18x6xbf16>) -> (tensor<3x5x12xbf16>, tensor<2x3x6xbf16>)
  // CHECK: return %[[SEQ]] :
  return %seq : tensor<3x5x12xbf16>
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.+]]: tensor<1x3x8x8xf32>, %[[W:.+]]: tensor<16x3x3x3xf32>, %[[B:.+]]: tensor<16xf32>, %[[X16:.+]]: tensor<1x16x8x8xf32>, %[[DW:.+]]: tensor<16x1x3x3xf32>)
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>, %x16: tensor<1x16x8x8xf32>, %dw: tensor<16x1x3x3xf32>)
    -> (tensor<1x16x8x8xf32>, tensor<1x16x2x4xf32>, tensor<1x16x4x4xf32>) {
  // CHECK: %[[Y:.+]] = heed.conv2d %[[X]], %[[W]], %[[B]] {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  %0 = heed.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  // No bias; dilation 2 makes a 5x5 window: H = (8 - 5) / 3 + 1 = 2,
  // W = (8 - 5) / 1 + 1 = 4.
  // CHECK: %[[Z:.+]] = heed.conv2d %[[X]], %[[W]] {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 3, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x2x4xf32>
  %1 = heed.conv2d %x, %w {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 3, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x2x4xf32>
  // Depthwise (groups = channels).
  // CHECK: %[[G:.+]] = heed.conv2d %[[X16]], %[[DW]], %[[B]] {dilation = array<i64: 1, 1>, groups = 16 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %2 = heed.conv2d %x16, %dw, %b {dilation = array<i64: 1, 1>, groups = 16 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  // CHECK: return %[[Y]], %[[Z]], %[[G]]
  return %0, %1, %2 : tensor<1x16x8x8xf32>, tensor<1x16x2x4xf32>, tensor<1x16x4x4xf32>
}

// CHECK-LABEL: func.func @pooling
// CHECK-SAME: (%[[X:.+]]: tensor<1x3x8x8xf32>)
func.func @pooling(%x: tensor<1x3x8x8xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x3x4x8xf32>, tensor<1x3x1x1xf32>) {
  // CHECK: %[[MP:.+]] = heed.max_pool2d %[[X]] {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %0 = heed.max_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  // H = (8 + 2 - 3) / 2 + 1 = 4, W = (8 + 0 - 1) / 1 + 1 = 8.
  // CHECK: %[[AP:.+]] = heed.avg_pool2d %[[X]] {kernel = array<i64: 3, 1>, padding = array<i64: 1, 0>, stride = array<i64: 2, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x8xf32>
  %1 = heed.avg_pool2d %x {kernel = array<i64: 3, 1>, stride = array<i64: 2, 1>, padding = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x8xf32>
  // CHECK: %[[GP:.+]] = heed.global_avg_pool %[[X]] : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
  %2 = heed.global_avg_pool %x : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
  // CHECK: return %[[MP]], %[[AP]], %[[GP]]
  return %0, %1, %2 : tensor<1x3x4x4xf32>, tensor<1x3x4x8xf32>, tensor<1x3x1x1xf32>
}
