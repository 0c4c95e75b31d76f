// RUN: heed-opt %s -split-input-file -verify-diagnostics

// Every user-facing error of the heed dialect: ParamOp's verifier and the
// result type inference in dialects/heed/HeedOps.cpp (an inference failure
// reports the reason, then "failed to infer returned types"). A few cases at
// the end show the ODS type constraints and a declared/inferred mismatch.

// heed.param: init must be uniform or one_plus.
func.func @param_bad_init() {
  // expected-error @+1 {{'heed.param' op init must be "uniform" or "one_plus", got "normal"}}
  %0 = heed.param "w" {fan_in = 4 : i64, init = "normal"} : tensor<4xf32>
  return
}

// -----

// heed.param: fan_in must be at least 1.
func.func @param_bad_fan_in() {
  // expected-error @+1 {{'heed.param' op fan_in must be at least 1}}
  %0 = heed.param "w" {fan_in = 0 : i64} : tensor<4xf32>
  return
}

// -----

// heed.param: the name must not be empty.
func.func @param_empty_name() {
  // expected-error @+1 {{'heed.param' op parameter name must not be empty}}
  %0 = heed.param "" {fan_in = 4 : i64} : tensor<4xf32>
  return
}

// -----

// heed.constant: the value must be a ranked tensor (the parser infers the
// result type, so this is the only error).
func.func @constant_not_tensor() {
  // expected-error @+1 {{constant: value must be a ranked tensor}}
  %0 = heed.constant dense<1.0> : vector<4xf32>
  return
}

// -----

// heed.iota: axis out of range.
func.func @iota_bad_axis() {
  // expected-error @+2 {{iota: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.iota' op failed to infer returned types}}
  %0 = heed.iota {shape = array<i64: 8, 1>, axis = 2 : i64, dtype = i64} : () -> tensor<8x1xi64>
  return
}

// -----

// heed.iota: extents must be positive.
func.func @iota_bad_extent() {
  // expected-error @+2 {{iota: extents must be positive, got [8, 0]}}
  // expected-error @+1 {{'heed.iota' op failed to infer returned types}}
  %0 = heed.iota {shape = array<i64: 8, 0>, axis = 0 : i64, dtype = i64} : () -> tensor<8x1xi64>
  return
}

// -----

// heed.iota: i1 is not an iota dtype.
func.func @iota_bad_dtype() {
  // expected-error @+2 {{iota: dtype must be i64, i32, f32, f16 or bf16, got i1}}
  // expected-error @+1 {{'heed.iota' op failed to infer returned types}}
  %0 = heed.iota {shape = array<i64: 8>, axis = 0 : i64, dtype = i1} : () -> tensor<8xi1>
  return
}

// -----

// heed.iota: f64 is a float type, but not a heed dtype.
func.func @iota_f64() {
  // expected-error @+2 {{iota: dtype must be i64, i32, f32, f16 or bf16, got f64}}
  // expected-error @+1 {{'heed.iota' op failed to infer returned types}}
  %0 = heed.iota {shape = array<i64: 8>, axis = 0 : i64, dtype = f64} : () -> tensor<8xf32>
  return
}

// -----

// heed.and takes i1 operands only.
func.func @and_not_bool(%a: tensor<4xf32>) {
  // expected-error @+2 {{and: operands must be i1 tensors, got f32[4] and f32[4]}}
  // expected-error @+1 {{'heed.and' op failed to infer returned types}}
  %0 = heed.and %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// heed.or takes i1 operands only.
func.func @or_not_bool(%a: tensor<4xi1>, %b: tensor<4xi64>) {
  // expected-error @+2 {{or: operands must be i1 tensors, got i1[4] and i64[4]}}
  // expected-error @+1 {{'heed.or' op failed to infer returned types}}
  %0 = heed.or %a, %b : (tensor<4xi1>, tensor<4xi64>) -> tensor<4xi1>
  return
}

// -----

// heed.and: i1 operands still have to broadcast.
func.func @and_no_broadcast(%a: tensor<4xi1>, %b: tensor<3xi1>) {
  // expected-error @+2 {{and: cannot broadcast i1[4] with i1[3]}}
  // expected-error @+1 {{'heed.and' op failed to infer returned types}}
  %0 = heed.and %a, %b : (tensor<4xi1>, tensor<3xi1>) -> tensor<4xi1>
  return
}

// -----

// Binary ops: one dtype for both operands.
func.func @add_dtype(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+2 {{add: lhs and rhs must have the same dtype, got f32[4] and f16[4]}}
  // expected-error @+1 {{'heed.add' op failed to infer returned types}}
  %0 = heed.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

// Binary ops: NumPy broadcasting.
func.func @mul_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{mul: cannot broadcast f32[2, 3] with f32[4, 3]}}
  // expected-error @+1 {{'heed.mul' op failed to infer returned types}}
  %0 = heed.mul %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

// Comparisons: one dtype for both operands.
func.func @lt_dtype(%a: tensor<8xi64>, %b: tensor<8xi32>) {
  // expected-error @+2 {{lt: lhs and rhs must have the same dtype, got i64[8] and i32[8]}}
  // expected-error @+1 {{'heed.lt' op failed to infer returned types}}
  %0 = heed.lt %a, %b : (tensor<8xi64>, tensor<8xi32>) -> tensor<8xi1>
  return
}

// -----

// Comparisons: NumPy broadcasting.
func.func @eq_no_broadcast(%a: tensor<8x2xi64>, %b: tensor<1x8xi64>) {
  // expected-error @+2 {{eq: cannot broadcast i64[8, 2] with i64[1, 8]}}
  // expected-error @+1 {{'heed.eq' op failed to infer returned types}}
  %0 = heed.eq %a, %b : (tensor<8x2xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
  return
}

// -----

// heed.where: lhs and rhs share a dtype.
func.func @where_dtype(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xi64>) {
  // expected-error @+2 {{where: lhs and rhs must have the same dtype, got f32[4] and i64[4]}}
  // expected-error @+1 {{'heed.where' op failed to infer returned types}}
  %0 = heed.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

// heed.where: lhs and rhs broadcast together.
func.func @where_values_no_broadcast(%c: tensor<2xi1>, %a: tensor<2xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{where: cannot broadcast f32[2] with f32[3]}}
  // expected-error @+1 {{'heed.where' op failed to infer returned types}}
  %0 = heed.where %c, %a, %b : (tensor<2xi1>, tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>
  return
}

// -----

// heed.where: the condition broadcasts with the values.
func.func @where_condition_no_broadcast(%c: tensor<3xi1>, %a: tensor<2xf32>, %b: tensor<f32>) {
  // expected-error @+2 {{where: cannot broadcast condition i1[3] with f32[2]}}
  // expected-error @+1 {{'heed.where' op failed to infer returned types}}
  %0 = heed.where %c, %a, %b : (tensor<3xi1>, tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  return
}

// -----

// heed.cast: only heed dtypes.
func.func @cast_bad_dtype(%a: tensor<4xf32>) {
  // expected-error @+2 {{cast: unsupported dtype f64}}
  // expected-error @+1 {{'heed.cast' op failed to infer returned types}}
  %0 = heed.cast %a {dtype = f64} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// heed.transpose: one entry per dimension.
func.func @transpose_length(%a: tensor<2x3x4xf32>) {
  // expected-error @+2 {{transpose: permutation [1, 0] has 2 entries but the input f32[2, 3, 4] has rank 3}}
  // expected-error @+1 {{'heed.transpose' op failed to infer returned types}}
  %0 = heed.transpose %a {perm = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  return
}

// -----

// heed.transpose: a repeated entry.
func.func @transpose_repeated(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{transpose: [0, 0] is not a permutation of [0, 2)}}
  // expected-error @+1 {{'heed.transpose' op failed to infer returned types}}
  %0 = heed.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

// heed.transpose: an entry out of range.
func.func @transpose_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{transpose: [-1, 0] is not a permutation of [0, 2)}}
  // expected-error @+1 {{'heed.transpose' op failed to infer returned types}}
  %0 = heed.transpose %a {perm = array<i64: -1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

// heed.reshape: no -1 placeholder, extents are explicit and positive.
func.func @reshape_bad_extent(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{reshape: extents must be positive, got [-1, 3]}}
  // expected-error @+1 {{'heed.reshape' op failed to infer returned types}}
  %0 = heed.reshape %a {shape = array<i64: -1, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// heed.reshape: same element count.
func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{reshape: cannot reshape f32[2, 3] (6 elements) to [4, 2] (8 elements)}}
  // expected-error @+1 {{'heed.reshape' op failed to infer returned types}}
  %0 = heed.reshape %a {shape = array<i64: 4, 2>} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

// heed.broadcast_to: extents must be positive.
func.func @broadcast_to_bad_extent(%a: tensor<1x3xf32>) {
  // expected-error @+2 {{broadcast_to: extents must be positive, got [-1, 3]}}
  // expected-error @+1 {{'heed.broadcast_to' op failed to infer returned types}}
  %0 = heed.broadcast_to %a {shape = array<i64: -1, 3>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return
}

// -----

// heed.broadcast_to: only extent-1 dimensions stretch.
func.func @broadcast_to_incompatible(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{broadcast_to: cannot broadcast f32[2, 3] to [4, 3]}}
  // expected-error @+1 {{'heed.broadcast_to' op failed to infer returned types}}
  %0 = heed.broadcast_to %a {shape = array<i64: 4, 3>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

// heed.broadcast_to: the target cannot drop dimensions.
func.func @broadcast_to_lower_rank(%a: tensor<1x3xf32>) {
  // expected-error @+2 {{broadcast_to: cannot broadcast f32[1, 3] to [3]}}
  // expected-error @+1 {{'heed.broadcast_to' op failed to infer returned types}}
  %0 = heed.broadcast_to %a {shape = array<i64: 3>} : (tensor<1x3xf32>) -> tensor<3xf32>
  return
}

// -----

// heed.concat: at least one input.
func.func @concat_empty() {
  // expected-error @+2 {{concat: needs at least one input}}
  // expected-error @+1 {{'heed.concat' op failed to infer returned types}}
  %0 = heed.concat {axis = 0 : i64} : () -> tensor<1xf32>
  return
}

// -----

// heed.concat: axis out of range.
func.func @concat_bad_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{concat: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.concat' op failed to infer returned types}}
  %0 = heed.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// heed.concat: one dtype.
func.func @concat_dtype(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+2 {{concat: inputs f32[2, 3] and f16[2, 3] differ in dtype or rank}}
  // expected-error @+1 {{'heed.concat' op failed to infer returned types}}
  %0 = heed.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x6xf32>
  return
}

// -----

// heed.concat: one rank.
func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+2 {{concat: inputs f32[2, 3] and f32[2, 3, 1] differ in dtype or rank}}
  // expected-error @+1 {{'heed.concat' op failed to infer returned types}}
  %0 = heed.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<2x6xf32>
  return
}

// -----

// heed.concat: shapes agree except along the axis.
func.func @concat_shape(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{concat: inputs f32[2, 3] and f32[3, 5] differ outside axis 1}}
  // expected-error @+1 {{'heed.concat' op failed to infer returned types}}
  %0 = heed.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

// heed.split: axis out of range (no negative axes).
func.func @split_bad_axis(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{split: axis -1 is out of range for rank 2}}
  // expected-error @+1 {{'heed.split' op failed to infer returned types}}
  %0:2 = heed.split %a {axis = -1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>)
  return
}

// -----

// heed.split: sizes must be positive.
func.func @split_bad_size(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{split: sizes must be positive, got [0, 8]}}
  // expected-error @+1 {{'heed.split' op failed to infer returned types}}
  %0:2 = heed.split %a {axis = 1 : i64, sizes = array<i64: 0, 8>} : (tensor<2x8xf32>) -> (tensor<2x0xf32>, tensor<2x8xf32>)
  return
}

// -----

// heed.split: sizes sum to the extent.
func.func @split_bad_sum(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{split: sizes [3, 4] sum to 7 but axis 1 of f32[2, 8] has extent 8}}
  // expected-error @+1 {{'heed.split' op failed to infer returned types}}
  %0:2 = heed.split %a {axis = 1 : i64, sizes = array<i64: 3, 4>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x4xf32>)
  return
}

// -----

// heed.split: at least one piece.
func.func @split_no_sizes(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{split: sizes [] sum to 0 but axis 1 of f32[2, 8] has extent 8}}
  // expected-error @+1 {{'heed.split' op failed to infer returned types}}
  heed.split %a {axis = 1 : i64, sizes = array<i64>} : (tensor<2x8xf32>) -> ()
  return
}

// -----

// heed.slice: axis out of range.
func.func @slice_bad_axis(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 2 : i64, start = 0 : i64, end = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// heed.slice: start <= end.
func.func @slice_reversed(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: needs 0 <= start <= end <= 8 and step >= 1, got start 5, end 3, step 1}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 1 : i64, start = 5 : i64, end = 3 : i64} : (tensor<2x8xf32>) -> tensor<2x2xf32>
  return
}

// -----

// heed.slice: end <= extent.
func.func @slice_past_end(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: needs 0 <= start <= end <= 8 and step >= 1, got start 4, end 9, step 1}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 1 : i64, start = 4 : i64, end = 9 : i64} : (tensor<2x8xf32>) -> tensor<2x5xf32>
  return
}

// -----

// heed.slice: no negative indices.
func.func @slice_negative_start(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: needs 0 <= start <= end <= 8 and step >= 1, got start -2, end 8, step 1}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 1 : i64, start = -2 : i64, end = 8 : i64} : (tensor<2x8xf32>) -> tensor<2x2xf32>
  return
}

// -----

// heed.slice: step >= 1.
func.func @slice_bad_step(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: needs 0 <= start <= end <= 8 and step >= 1, got start 0, end 8, step 0}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 1 : i64, start = 0 : i64, end = 8 : i64, step = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// heed.slice: the result must not be empty.
func.func @slice_empty(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{slice: slice [3, 3) is empty}}
  // expected-error @+1 {{'heed.slice' op failed to infer returned types}}
  %0 = heed.slice %a {axis = 1 : i64, start = 3 : i64, end = 3 : i64} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  return
}

// -----

// heed.gather: axis out of range.
func.func @gather_bad_axis(%a: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{gather: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.gather' op failed to infer returned types}}
  %0 = heed.gather %a, %i {axis = 2 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

// heed.embedding: the table is [num, dim].
func.func @embedding_weight_rank(%ids: tensor<4xi64>, %w: tensor<10xf32>) {
  // expected-error @+2 {{embedding: weight must have rank 2, got f32[10]}}
  // expected-error @+1 {{'heed.embedding' op failed to infer returned types}}
  %0 = heed.embedding %ids, %w : (tensor<4xi64>, tensor<10xf32>) -> tensor<4x10xf32>
  return
}

// -----

// heed.tril: rank >= 2.
func.func @tril_rank(%a: tensor<8xf32>) {
  // expected-error @+2 {{tril: input must have rank >= 2, got f32[8]}}
  // expected-error @+1 {{'heed.tril' op failed to infer returned types}}
  %0 = heed.tril %a : (tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

// heed.triu: rank >= 2.
func.func @triu_rank(%a: tensor<i1>) {
  // expected-error @+2 {{triu: input must have rank >= 2, got i1[]}}
  // expected-error @+1 {{'heed.triu' op failed to infer returned types}}
  %0 = heed.triu %a {k = 1 : i64} : (tensor<i1>) -> tensor<i1>
  return
}

// -----

// heed.matmul: one dtype.
func.func @matmul_dtype(%a: tensor<2x3xf32>, %b: tensor<3x4xbf16>) {
  // expected-error @+2 {{matmul: lhs and rhs must have the same dtype, got f32[2, 3] and bf16[3, 4]}}
  // expected-error @+1 {{'heed.matmul' op failed to infer returned types}}
  %0 = heed.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xbf16>) -> tensor<2x4xf32>
  return
}

// -----

// heed.matmul: no vector operands.
func.func @matmul_rank(%a: tensor<3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+2 {{matmul: operands must have rank >= 2, got f32[3] and f32[3, 4]}}
  // expected-error @+1 {{'heed.matmul' op failed to infer returned types}}
  %0 = heed.matmul %a, %b : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  return
}

// -----

// heed.matmul: inner dimensions agree.
func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{matmul: inner dimensions differ: f32[2, 3] x f32[4, 5] (3 vs 4)}}
  // expected-error @+1 {{'heed.matmul' op failed to infer returned types}}
  %0 = heed.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// heed.matmul: batch dimensions broadcast.
func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+2 {{matmul: cannot broadcast the batch dimensions of f32[2, 3, 4] and f32[3, 4, 5]}}
  // expected-error @+1 {{'heed.matmul' op failed to infer returned types}}
  %0 = heed.matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

// heed.linear: input and weight share a dtype.
func.func @linear_dtype(%x: tensor<2x64xf32>, %w: tensor<32x64xbf16>) {
  // expected-error @+2 {{linear: input and weight must have the same dtype, got f32[2, 64] and bf16[32, 64]}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w : (tensor<2x64xf32>, tensor<32x64xbf16>) -> tensor<2x32xf32>
  return
}

// -----

// heed.linear: the input has a feature dimension.
func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<32x1xf32>) {
  // expected-error @+2 {{linear: input must have rank >= 1}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w : (tensor<f32>, tensor<32x1xf32>) -> tensor<32xf32>
  return
}

// -----

// heed.linear: weight is [out, in].
func.func @linear_weight_shape(%x: tensor<2x64xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+2 {{linear: weight must be [out, 64] for input f32[2, 64], got f32[64, 32]}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.linear: weight has rank 2.
func.func @linear_weight_rank(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{linear: weight must be [out, 64] for input f32[2, 64], got f32[64]}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2xf32>
  return
}

// -----

// heed.linear: bias shares the input's dtype.
func.func @linear_bias_dtype(%x: tensor<2x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf16>) {
  // expected-error @+2 {{linear: input and bias must have the same dtype, got f32[2, 64] and f16[32]}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w, %b : (tensor<2x64xf32>, tensor<32x64xf32>, tensor<32xf16>) -> tensor<2x32xf32>
  return
}

// -----

// heed.linear: bias is [out].
func.func @linear_bias_shape(%x: tensor<2x64xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{linear: bias must have shape [32], got f32[64]}}
  // expected-error @+1 {{'heed.linear' op failed to infer returned types}}
  %0 = heed.linear %x, %w, %b : (tensor<2x64xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<2x32xf32>
  return
}

// -----

// heed.softmax: axis out of range.
func.func @softmax_bad_axis(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{softmax: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.softmax' op failed to infer returned types}}
  %0 = heed.softmax %x {axis = 2 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// heed.log_softmax: no negative axes.
func.func @log_softmax_negative_axis(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{log_softmax: axis -1 is out of range for rank 2}}
  // expected-error @+1 {{'heed.log_softmax' op failed to infer returned types}}
  %0 = heed.log_softmax %x {axis = -1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// heed.layer_norm: the input has a last dimension.
func.func @layer_norm_scalar(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+2 {{layer_norm: input must have rank >= 1}}
  // expected-error @+1 {{'heed.layer_norm' op failed to infer returned types}}
  %0 = heed.layer_norm %x, %g, %g {eps = 1.0e-05 : f64} : (tensor<f32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

// heed.layer_norm: eps >= 0.
func.func @layer_norm_eps(%x: tensor<2x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+2 {{layer_norm: eps must be non-negative}}
  // expected-error @+1 {{'heed.layer_norm' op failed to infer returned types}}
  %0 = heed.layer_norm %x, %g, %g {eps = -1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.layer_norm: parameters share the input's dtype.
func.func @layer_norm_weight_dtype(%x: tensor<2x64xf32>, %g: tensor<64xbf16>, %b: tensor<64xf32>) {
  // expected-error @+2 {{layer_norm: input and weight must have the same dtype, got f32[2, 64] and bf16[64]}}
  // expected-error @+1 {{'heed.layer_norm' op failed to infer returned types}}
  %0 = heed.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64xbf16>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.layer_norm: parameters are [D].
func.func @layer_norm_bias_shape(%x: tensor<2x64xf32>, %g: tensor<64xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{layer_norm: bias must have shape [64], got f32[32]}}
  // expected-error @+1 {{'heed.layer_norm' op failed to infer returned types}}
  %0 = heed.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : (tensor<2x64xf32>, tensor<64xf32>, tensor<32xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.rms_norm: weight is [D].
func.func @rms_norm_weight_shape(%x: tensor<2x64xf32>, %g: tensor<1x64xf32>) {
  // expected-error @+2 {{rms_norm: weight must have shape [64], got f32[1, 64]}}
  // expected-error @+1 {{'heed.rms_norm' op failed to infer returned types}}
  %0 = heed.rms_norm %x, %g {eps = 1.0e-06 : f64} : (tensor<2x64xf32>, tensor<1x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.rms_norm: a NaN eps is rejected too.
func.func @rms_norm_nan_eps(%x: tensor<2x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+2 {{rms_norm: eps must be non-negative}}
  // expected-error @+1 {{'heed.rms_norm' op failed to infer returned types}}
  %0 = heed.rms_norm %x, %g {eps = 0x7FF8000000000000 : f64} : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

// heed.batch_norm: the input is [N, C, ...].
func.func @batch_norm_rank(%x: tensor<16xf32>, %p: tensor<16xf32>) {
  // expected-error @+2 {{batch_norm: input must be [N, C, ...], got f32[16]}}
  // expected-error @+1 {{'heed.batch_norm' op failed to infer returned types}}
  %0 = heed.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-05 : f64} : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return
}

// -----

// heed.batch_norm: parameters share the input's dtype.
func.func @batch_norm_mean_dtype(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>, %m: tensor<16xf16>) {
  // expected-error @+2 {{batch_norm: input and running_mean must have the same dtype, got f32[1, 16, 4, 4] and f16[16]}}
  // expected-error @+1 {{'heed.batch_norm' op failed to infer returned types}}
  %0 = heed.batch_norm %x, %p, %p, %m, %p {eps = 1.0e-05 : f64} : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf16>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  return
}

// -----

// heed.batch_norm: parameters are [C].
func.func @batch_norm_var_shape(%x: tensor<1x16x4x4xf32>, %p: tensor<16xf32>, %v: tensor<4xf32>) {
  // expected-error @+2 {{batch_norm: running_var must have shape [16], got f32[4]}}
  // expected-error @+1 {{'heed.batch_norm' op failed to infer returned types}}
  %0 = heed.batch_norm %x, %p, %p, %p, %v {eps = 1.0e-05 : f64} : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<4xf32>) -> tensor<1x16x4x4xf32>
  return
}

// -----

// Reductions: axes in range.
func.func @reduce_sum_bad_axis(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{reduce_sum: axis 3 is out of range for rank 3}}
  // expected-error @+1 {{'heed.reduce_sum' op failed to infer returned types}}
  %0 = heed.reduce_sum %x {axes = array<i64: 0, 3>} : (tensor<2x8x4xf32>) -> tensor<8xf32>
  return
}

// -----

// Reductions: no negative axes.
func.func @reduce_max_negative_axis(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{reduce_max: axis -1 is out of range for rank 2}}
  // expected-error @+1 {{'heed.reduce_max' op failed to infer returned types}}
  %0 = heed.reduce_max %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

// -----

// Reductions: distinct axes.
func.func @reduce_mean_repeated_axis(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{reduce_mean: axis 1 is listed twice}}
  // expected-error @+1 {{'heed.reduce_mean' op failed to infer returned types}}
  %0 = heed.reduce_mean %x {axes = array<i64: 1, 2, 1>} : (tensor<2x8x4xf32>) -> tensor<2xf32>
  return
}

// -----

// Reductions: keepdim keeps extent-1 axes, so the declared type is wrong.
func.func @reduce_min_keepdim(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{'heed.reduce_min' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @+1 {{'heed.reduce_min' op failed to infer returned types}}
  %0 = heed.reduce_min %x {axes = array<i64: 1>, keepdim = true} : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

// -----

// heed.top_k: axis out of range.
func.func @top_k_bad_axis(%x: tensor<2x10xf32>) {
  // expected-error @+2 {{top_k: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.top_k' op failed to infer returned types}}
  %0:2 = heed.top_k %x {axis = 2 : i64, k = 3 : i64} : (tensor<2x10xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  return
}

// -----

// heed.top_k: k <= extent.
func.func @top_k_too_large(%x: tensor<2x10xf32>) {
  // expected-error @+2 {{top_k: k = 11 must be in [1, 10]}}
  // expected-error @+1 {{'heed.top_k' op failed to infer returned types}}
  %0:2 = heed.top_k %x {axis = 1 : i64, k = 11 : i64} : (tensor<2x10xf32>) -> (tensor<2x11xf32>, tensor<2x11xi64>)
  return
}

// -----

// heed.top_k: k >= 1.
func.func @top_k_zero(%x: tensor<2x10xf32>) {
  // expected-error @+2 {{top_k: k = 0 must be in [1, 10]}}
  // expected-error @+1 {{'heed.top_k' op failed to infer returned types}}
  %0:2 = heed.top_k %x {axis = 1 : i64, k = 0 : i64} : (tensor<2x10xf32>) -> (tensor<2x1xf32>, tensor<2x1xi64>)
  return
}

// -----

// heed.scatter: axis out of range.
func.func @scatter_bad_axis(%x: tensor<3x5xf32>, %i: tensor<2x5xi64>, %s: tensor<2x5xf32>) {
  // expected-error @+2 {{scatter: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 2 : i64} : (tensor<3x5xf32>, tensor<2x5xi64>, tensor<2x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

// heed.scatter: the index is i64.
func.func @scatter_i32_index(%x: tensor<3x5xf32>, %i: tensor<2x5xi32>, %s: tensor<2x5xf32>) {
  // expected-error @+2 {{scatter: index must be i64, got i32[2, 5]}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x5xi32>, tensor<2x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

// heed.scatter: src has the input's dtype.
func.func @scatter_src_dtype(%x: tensor<3x5xf32>, %i: tensor<2x5xi64>, %s: tensor<2x5xi64>) {
  // expected-error @+2 {{scatter: input and src must have the same dtype, got f32[3, 5] and i64[2, 5]}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x5xi64>, tensor<2x5xi64>) -> tensor<3x5xf32>
  return
}

// -----

// heed.scatter: index and src have the input's rank.
func.func @scatter_rank(%x: tensor<3x5xf32>, %i: tensor<5xi64>, %s: tensor<5xf32>) {
  // expected-error @+2 {{scatter: index i64[5] and src f32[5] must have the rank of the input f32[3, 5]}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<5xi64>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

// heed.scatter: index is no larger than src.
func.func @scatter_src_small(%x: tensor<3x5xf32>, %i: tensor<2x5xi64>, %s: tensor<2x4xf32>) {
  // expected-error @+2 {{scatter: index i64[2, 5] is larger than src f32[2, 4] along axis 1}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x5xi64>, tensor<2x4xf32>) -> tensor<3x5xf32>
  return
}

// -----

// heed.scatter: index is no larger than the input off the axis.
func.func @scatter_index_large(%x: tensor<3x5xf32>, %i: tensor<2x6xi64>, %s: tensor<2x6xf32>) {
  // expected-error @+2 {{scatter: index i64[2, 6] is larger than the input f32[3, 5] along axis 1}}
  // expected-error @+1 {{'heed.scatter' op failed to infer returned types}}
  %0 = heed.scatter %x, %i, %s {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x6xi64>, tensor<2x6xf32>) -> tensor<3x5xf32>
  return
}

// -----

// heed.dynamic_update_slice: the update has the input's dtype.
func.func @dus_dtype(%x: tensor<4x3xf32>, %u: tensor<1x3xi64>, %p: tensor<2xi64>) {
  // expected-error @+2 {{dynamic_update_slice: input and update must have the same dtype, got f32[4, 3] and i64[1, 3]}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<4x3xf32>, tensor<1x3xi64>, tensor<2xi64>) -> tensor<4x3xf32>
  return
}

// -----

// heed.dynamic_update_slice: the update has the input's rank.
func.func @dus_rank(%x: tensor<4x3xf32>, %u: tensor<3xf32>, %p: tensor<2xi64>) {
  // expected-error @+2 {{dynamic_update_slice: update f32[3] must have the rank of the input f32[4, 3]}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<4x3xf32>, tensor<3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  return
}

// -----

// heed.dynamic_update_slice: the update is no larger than the input.
func.func @dus_larger(%x: tensor<4x3xf32>, %u: tensor<1x4xf32>, %p: tensor<2xi64>) {
  // expected-error @+2 {{dynamic_update_slice: update f32[1, 4] is larger than the input f32[4, 3] along axis 1}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<4x3xf32>, tensor<1x4xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  return
}

// -----

// heed.dynamic_update_slice: one i64 start per axis.
func.func @dus_starts(%x: tensor<4x3xf32>, %u: tensor<1x3xf32>, %p: tensor<3xi64>) {
  // expected-error @+2 {{dynamic_update_slice: starts must be i64[2] (one per axis of the input), got i64[3]}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<4x3xf32>, tensor<1x3xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return
}

// -----

// heed.dynamic_update_slice: the starts are i64.
func.func @dus_starts_i32(%x: tensor<4x3xf32>, %u: tensor<1x3xf32>, %p: tensor<2xi32>) {
  // expected-error @+2 {{dynamic_update_slice: starts must be i64[2] (one per axis of the input), got i32[2]}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<4x3xf32>, tensor<1x3xf32>, tensor<2xi32>) -> tensor<4x3xf32>
  return
}

// -----

// heed.dynamic_update_slice: rank >= 1.
func.func @dus_scalar(%x: tensor<f32>, %u: tensor<f32>, %p: tensor<1xi64>) {
  // expected-error @+2 {{dynamic_update_slice: input must have rank >= 1, got f32[]}}
  // expected-error @+1 {{'heed.dynamic_update_slice' op failed to infer returned types}}
  %0 = heed.dynamic_update_slice %x, %u, %p : (tensor<f32>, tensor<f32>, tensor<1xi64>) -> tensor<f32>
  return
}

// -----

// heed.cumsum: axis out of range.
func.func @cumsum_bad_axis(%x: tensor<2x10xf32>) {
  // expected-error @+2 {{cumsum: axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'heed.cumsum' op failed to infer returned types}}
  %0 = heed.cumsum %x {axis = 2 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return
}

// -----

// heed.cumsum: a number tensor, not i1.
func.func @cumsum_bool(%m: tensor<4xi1>) {
  // expected-error @+2 {{cumsum: input must be a number tensor, got i1[4]}}
  // expected-error @+1 {{'heed.cumsum' op failed to infer returned types}}
  %0 = heed.cumsum %m {axis = 0 : i64} : (tensor<4xi1>) -> tensor<4xi1>
  return
}

// -----

// heed.lstm: the input is [batch, time, features].
func.func @lstm_input_rank(%x: tensor<10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>) {
  // expected-error @+2 {{lstm: input [batch, time, features] must have rank 3, got f32[10, 16]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh, %b, %b {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: hidden_size >= 1.
func.func @lstm_hidden_size(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>) {
  // expected-error @+2 {{lstm: hidden size and layer count must be positive}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s {bidirectional = false, has_bias = false, hidden_size = 0 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.gru: num_layers >= 1.
func.func @gru_num_layers(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>) {
  // expected-error @+2 {{gru: hidden size and layer count must be positive}}
  // expected-error @+1 {{'heed.gru' op failed to infer returned types}}
  %0:2 = heed.gru %x, %s {bidirectional = false, has_bias = false, hidden_size = 32 : i64, num_layers = 0 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: the initial states share the input's dtype.
func.func @lstm_state_dtype(%x: tensor<2x10x16xf32>, %h: tensor<1x2x32xbf16>, %c: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>) {
  // expected-error @+2 {{lstm: input and initial state must have the same dtype, got f32[2, 10, 16] and bf16[1, 2, 32]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %h, %c, %wih, %whh, %b, %b {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xbf16>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: the initial states are [layers * dirs, batch, hidden].
func.func @lstm_state_shape(%x: tensor<2x10x16xf32>, %h: tensor<1x2x32xf32>, %c: tensor<1x2x16xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>) {
  // expected-error @+2 {{lstm: initial state must have shape [1, 2, 32], got f32[1, 2, 16]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %h, %c, %wih, %whh, %b, %b {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x16xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.gru: a bidirectional layer needs two initial states.
func.func @gru_bidirectional_state_shape(%x: tensor<3x5x4xf32>, %h: tensor<1x3x6xf32>, %wih: tensor<18x4xf32>, %whh: tensor<18x6xf32>) {
  // expected-error @+2 {{gru: initial state must have shape [2, 3, 6], got f32[1, 3, 6]}}
  // expected-error @+1 {{'heed.gru' op failed to infer returned types}}
  %0:2 = heed.gru %x, %h, %wih, %whh, %wih, %whh {bidirectional = true, has_bias = false, hidden_size = 6 : i64, num_layers = 1 : i64} : (tensor<3x5x4xf32>, tensor<1x3x6xf32>, tensor<18x4xf32>, tensor<18x6xf32>, tensor<18x4xf32>, tensor<18x6xf32>) -> (tensor<3x5x12xf32>, tensor<1x3x6xf32>)
  return
}

// -----

// heed.lstm: with has_bias, four weights per layer and direction.
func.func @lstm_weight_count(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>) {
  // expected-error @+2 {{lstm: expected 4 weight tensors, got 2}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.gru: bidirectional without bias, two weights per direction.
func.func @gru_weight_count(%x: tensor<3x5x4xf32>, %h: tensor<2x3x6xf32>, %wih: tensor<18x4xf32>, %whh: tensor<18x6xf32>) {
  // expected-error @+2 {{gru: expected 4 weight tensors, got 2}}
  // expected-error @+1 {{'heed.gru' op failed to infer returned types}}
  %0:2 = heed.gru %x, %h, %wih, %whh {bidirectional = true, has_bias = false, hidden_size = 6 : i64, num_layers = 1 : i64} : (tensor<3x5x4xf32>, tensor<2x3x6xf32>, tensor<18x4xf32>, tensor<18x6xf32>) -> (tensor<3x5x12xf32>, tensor<2x3x6xf32>)
  return
}

// -----

// heed.lstm: the weights share the input's dtype.
func.func @lstm_weight_dtype(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xbf16>, %b: tensor<128xf32>) {
  // expected-error @+2 {{lstm: input and weight_hh_l0 must have the same dtype, got f32[2, 10, 16] and bf16[128, 32]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh, %b, %b {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xbf16>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: weight_ih is [4 H, features].
func.func @lstm_weight_ih_shape(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x32xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>) {
  // expected-error @+2 {{lstm: weight_ih_l0 must have shape [128, 16], got f32[128, 32]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh, %b, %b {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x32xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: biases are [4 H].
func.func @lstm_bias_shape(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>, %b2: tensor<96xf32>) {
  // expected-error @+2 {{lstm: bias_hh_l0 must have shape [128], got f32[96]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh, %b, %b2 {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<96xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.lstm: layer 1 reads the 2 H outputs of a bidirectional layer 0; the
// reverse direction's weights are named with _reverse.
func.func @lstm_second_layer_reverse(%x: tensor<2x10x16xf32>, %s: tensor<4x2x8xf32>, %w0: tensor<32x16xf32>, %wh: tensor<32x8xf32>, %bad: tensor<32x8xf32>) {
  // expected-error @+2 {{lstm: weight_ih_l1_reverse must have shape [32, 16], got f32[32, 8]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %w0, %wh, %w0, %wh, %w0, %wh, %bad, %wh {bidirectional = true, has_bias = false, hidden_size = 8 : i64, num_layers = 2 : i64} : (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x16xf32>, tensor<32x8xf32>, tensor<32x8xf32>, tensor<32x8xf32>) -> (tensor<2x10x16xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>)
  return
}

// -----

// heed.gru: three gates, so weight_ih is [3 H, features].
func.func @gru_weight_shape(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<96x32xf32>) {
  // expected-error @+2 {{gru: weight_ih_l0 must have shape [96, 16], got f32[128, 16]}}
  // expected-error @+1 {{'heed.gru' op failed to infer returned types}}
  %0:2 = heed.gru %x, %s, %wih, %whh {bidirectional = false, has_bias = false, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<96x32xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.conv2d: the input is NCHW.
func.func @conv2d_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: input [N, C, H, W] must have rank 4, got f32[3, 8, 8]}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: the weight is [O, C / groups, kh, kw].
func.func @conv2d_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3xf32>) {
  // expected-error @+2 {{conv2d: weight [O, C/groups, kh, kw] must have rank 4, got f32[16, 3, 3]}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: input and weight share a dtype.
func.func @conv2d_dtype(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf16>) {
  // expected-error @+2 {{conv2d: input and weight must have the same dtype, got f32[1, 3, 8, 8] and f16[16, 3, 3, 3]}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf16>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: groups divide both channel counts.
func.func @conv2d_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<16x1x3x3xf32>) {
  // expected-error @+2 {{conv2d: groups = 2 must divide the input channels 3 and the output channels 16}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: groups >= 1.
func.func @conv2d_zero_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: groups = 0 must divide the input channels 3 and the output channels 16}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 0 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: the weight's second extent is C / groups.
func.func @conv2d_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<16x4x3x3xf32>) {
  // expected-error @+2 {{conv2d: weight f32[16, 4, 3, 3] expects 4 input channels, input f32[1, 3, 8, 8] has 3}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: bias shares the input's dtype.
func.func @conv2d_bias_dtype(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xbf16>) {
  // expected-error @+2 {{conv2d: input and bias must have the same dtype, got f32[1, 3, 8, 8] and bf16[16]}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xbf16>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: bias is [O].
func.func @conv2d_bias_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{conv2d: bias must have shape [16], got f32[3]}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: stride, padding and dilation have two entries.
func.func @conv2d_stride_entries(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: kernel, stride, padding and dilation need two entries (height, width)}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: dilation >= 1.
func.func @conv2d_zero_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: kernel, stride and dilation must be >= 1 and padding >= 0}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 0>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
  return
}

// -----

// heed.conv2d: padding >= 0.
func.func @conv2d_negative_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: kernel, stride and dilation must be >= 1 and padding >= 0}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: -1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x4x8xf32>
  return
}

// -----

// heed.conv2d: the dilated window (2 * (3 - 1) + 1 = 5) must fit the padded
// input.
func.func @conv2d_window_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<16x3x3x3xf32>) {
  // expected-error @+2 {{conv2d: window of 5 does not fit the input extent 4 (padding 0)}}
  // expected-error @+1 {{'heed.conv2d' op failed to infer returned types}}
  %0 = heed.conv2d %x, %w {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x1x1xf32>
  return
}

// -----

// Pooling: the input is NCHW.
func.func @max_pool2d_rank(%x: tensor<3x8x8xf32>) {
  // expected-error @+2 {{max_pool2d: input [N, C, H, W] must have rank 4, got f32[3, 8, 8]}}
  // expected-error @+1 {{'heed.max_pool2d' op failed to infer returned types}}
  %0 = heed.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<3x8x8xf32>) -> tensor<3x4x4xf32>
  return
}

// -----

// Pooling: padding at most half the kernel (as in PyTorch).
func.func @max_pool2d_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{max_pool2d: padding must be at most half the kernel size}}
  // expected-error @+1 {{'heed.max_pool2d' op failed to infer returned types}}
  %0 = heed.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 2>, stride = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x6xf32>
  return
}

// -----

// Pooling: kernel, stride and padding have two entries.
func.func @avg_pool2d_kernel_entries(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{avg_pool2d: kernel, stride, padding and dilation need two entries (height, width)}}
  // expected-error @+1 {{'heed.avg_pool2d' op failed to infer returned types}}
  %0 = heed.avg_pool2d %x {kernel = array<i64: 2, 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

// Pooling: stride >= 1.
func.func @avg_pool2d_zero_stride(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{avg_pool2d: kernel, stride and dilation must be >= 1 and padding >= 0}}
  // expected-error @+1 {{'heed.avg_pool2d' op failed to infer returned types}}
  %0 = heed.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 0, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

// Pooling: the window must fit the padded input.
func.func @max_pool2d_window_too_large(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{max_pool2d: window of 10 does not fit the input extent 8 (padding 0)}}
  // expected-error @+1 {{'heed.max_pool2d' op failed to infer returned types}}
  %0 = heed.max_pool2d %x {kernel = array<i64: 2, 10>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x1xf32>
  return
}

// -----

// heed.global_avg_pool: the input is NCHW.
func.func @global_avg_pool_rank(%x: tensor<2x16xf32>) {
  // expected-error @+2 {{global_avg_pool: input [N, C, H, W] must have rank 4, got f32[2, 16]}}
  // expected-error @+1 {{'heed.global_avg_pool' op failed to infer returned types}}
  %0 = heed.global_avg_pool %x : (tensor<2x16xf32>) -> tensor<2x16x1x1xf32>
  return
}

// -----

// A declared result type that differs from the inferred one.
func.func @declared_type_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'heed.matmul' op inferred type(s) 'tensor<2x5xf32>' are incompatible with return type(s) of operation 'tensor<5x2xf32>'}}
  // expected-error @+1 {{'heed.matmul' op failed to infer returned types}}
  %0 = heed.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<5x2xf32>
  return
}

// -----

// heed.split: one result per size.
func.func @declared_result_count(%a: tensor<2x8xf32>) {
  // expected-error @+2 {{'heed.split' op inferred type(s) 'tensor<2x3xf32>', 'tensor<2x5xf32>' are incompatible with return type(s) of operation 'tensor<2x8xf32>'}}
  // expected-error @+1 {{'heed.split' op failed to infer returned types}}
  %0 = heed.split %a {axis = 1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// ODS constraints come first: transcendental ops take float tensors.
func.func @ods_float_operand(%a: tensor<4xi64>) {
  // expected-error @+1 {{'heed.exp' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<4xi64>'}}
  %0 = heed.exp %a : (tensor<4xi64>) -> tensor<4xi64>
  return
}

// -----

// ODS constraints: comparisons return i1.
func.func @ods_compare_result(%a: tensor<4xf32>) {
  // expected-error @+1 {{'heed.gt' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = heed.gt %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// ODS constraints: embedding ids are i64 or i32.
func.func @ods_index_operand(%ids: tensor<4xf32>, %w: tensor<10x8xf32>) {
  // expected-error @+1 {{'heed.embedding' op operand #0 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = heed.embedding %ids, %w : (tensor<4xf32>, tensor<10x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

// ODS constraints: f64 is not a heed dtype.
func.func @ods_bad_dtype() {
  // expected-error @+1 {{'heed.constant' op result #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values, but got 'tensor<f64>'}}
  %0 = heed.constant dense<1.0> : tensor<f64>
  return
}

// -----

// heed.lstm: lengths are one per batch row.
func.func @lstm_lengths_shape(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<128x16xf32>, %whh: tensor<128x32xf32>, %b: tensor<128xf32>, %len: tensor<3xi64>) {
  // expected-error @+2 {{lstm: lengths must have shape [2], got i64[3]}}
  // expected-error @+1 {{'heed.lstm' op failed to infer returned types}}
  %0:3 = heed.lstm %x, %s, %s, %wih, %whh, %b, %b lengths %len {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>, tensor<3xi64>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

// heed.gru: lengths are i64.
func.func @gru_lengths_dtype(%x: tensor<2x10x16xf32>, %s: tensor<1x2x32xf32>, %wih: tensor<96x16xf32>, %whh: tensor<96x32xf32>, %len: tensor<2xi32>) {
  // expected-error @+1 {{'heed.gru' op operand #4 must be tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0:2 = heed.gru %x, %s, %wih, %whh lengths %len {bidirectional = false, has_bias = false, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<2xi32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
  return
}
