// RUN: heed-opt %s -split-input-file -verify-diagnostics

// Every verifier message of the heedrt dialect (dialects/heedrt/HeedrtOps.cpp).

heedrt.plan @unknown_kernel {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op names no runtime kernel: 'frobnicate'}}
  heedrt.kernel "frobnicate" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>)
}

// -----

heedrt.plan @no_outputs {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op needs at least one output}}
  "heedrt.kernel"(%b) {kernel = "relu", operandSegmentSizes = array<i32: 1, 0>} : (memref<4xf32>) -> ()
}

// -----

heedrt.plan @write_weight {
  %b = heedrt.buffer : memref<4xf32>
  %w = heedrt.weight "w" : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op output #0 must be an arena buffer, not read-only data}}
  heedrt.kernel "relu" ins(%b : memref<4xf32>) outs(%w : memref<4xf32>)
}

// -----

heedrt.plan @bad_param {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op param 'axis' must be an i64, an f64 or an array<i64>, got "last"}}
  heedrt.kernel "softmax" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>) params {axis = "last"}
}

// -----

heedrt.plan @bad_param_width {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op param 'axis' must be an i64, an f64 or an array<i64>, got 0 : i32}}
  heedrt.kernel "softmax" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>) params {axis = 0 : i32}
}

// -----

// The kernel table (runtime/kernels/Kernels.td) says what each kernel takes.

heedrt.plan @unknown_attribute {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'softmax' has no attribute 'axes' (it takes axis)}}
  heedrt.kernel "softmax" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>) params {axis = 0 : i64, axes = array<i64: 0>}
}

// -----

heedrt.plan @attribute_of_kernel_without_attributes {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'relu' has no attribute 'alpha' (it takes none)}}
  heedrt.kernel "relu" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>) params {alpha = 1.0e-01 : f64}
}

// -----

heedrt.plan @missing_required_attribute {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'softmax' needs attribute 'axis'}}
  heedrt.kernel "softmax" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>)
}

// -----

heedrt.plan @float_for_integer {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'axis' of kernel 'softmax' must be an i64, got 0.000000e+00 : f64}}
  heedrt.kernel "softmax" ins(%b : memref<4xf32>) outs(%b : memref<4xf32>) params {axis = 0.0 : f64}
}

// -----

heedrt.plan @integer_for_float {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'value' of kernel 'fill' must be an f64, got 1 : i64}}
  heedrt.kernel "fill" outs(%b : memref<4xf32>) params {value = 1 : i64}
}

// -----

heedrt.plan @integer_for_list {
  %b = heedrt.buffer : memref<2x4xf32>
  %y = heedrt.buffer : memref<4x2xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'perm' of kernel 'transpose' must be an array<i64>, got 1 : i64}}
  heedrt.kernel "transpose" ins(%b : memref<2x4xf32>) outs(%y : memref<4x2xf32>) params {perm = 1 : i64}
}

// -----

heedrt.plan @list_length {
  %b = heedrt.buffer : memref<1x1x4x4xf32>
  %y = heedrt.buffer : memref<1x1x2x2xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'kernel' of kernel 'max_pool2d' must have 2 entries, got 3}}
  heedrt.kernel "max_pool2d" ins(%b : memref<1x1x4x4xf32>) outs(%y : memref<1x1x2x2xf32>) params {kernel = array<i64: 2, 2, 2>}
}

// -----

heedrt.plan @flag_out_of_range {
  %b = heedrt.buffer : memref<2x4xf32>
  %y = heedrt.buffer : memref<2xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'keepdim' of kernel 'reduce_sum' must be 0 or 1, got 2}}
  heedrt.kernel "reduce_sum" ins(%b : memref<2x4xf32>) outs(%y : memref<2xf32>) params {axes = array<i64: 1>, keepdim = 2 : i64}
}

// -----

heedrt.plan @enum_out_of_range {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op attribute 'structure' of kernel 'attention' must be one of 0 (none), 1 (causal), 2 (window), 3 (blocks), got 7}}
  heedrt.kernel "attention" ins(%b, %b, %b : memref<4xf32>, memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>) params {scale = 1.0 : f64, structure = 7 : i64}
}

// -----

heedrt.plan @too_few_inputs {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'attention' takes 3 to 5 inputs, got 2}}
  heedrt.kernel "attention" ins(%b, %b : memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>) params {scale = 1.0 : f64}
}

// -----

heedrt.plan @too_many_outputs {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'add' takes 1 output, got 2}}
  heedrt.kernel "add" ins(%b, %b : memref<4xf32>, memref<4xf32>) outs(%b, %b : memref<4xf32>, memref<4xf32>)
}

// -----

heedrt.plan @misaligned {
  // expected-error @+1 {{'heedrt.buffer' op offset 32 must be a non-negative multiple of 64}}
  %b = heedrt.buffer offset 32 : memref<4xf32>
}

// -----

heedrt.plan @past_arena attributes {arena_bytes = 64 : i64} {
  // expected-error @+1 {{'heedrt.buffer' op ends at byte 80, past the arena's 64 bytes}}
  %b = heedrt.buffer offset 64 : memref<4xf32>
}

// -----

heedrt.plan @unplanned_buffer attributes {arena_bytes = 64 : i64} {
  // expected-error @+1 {{'heedrt.buffer' op has no offset but the plan's memory is planned}}
  %b = heedrt.buffer : memref<4xf32>
}

// -----

heedrt.plan @constant_mismatch {
  // expected-error @+1 {{'heedrt.constant' op value of type 'tensor<2xf32>' does not fit the buffer 'memref<4xf32>'}}
  %c = heedrt.constant dense<1.0> : tensor<2xf32> : memref<4xf32>
}

// -----

heedrt.plan @view_mismatch {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.view' op cannot view 'memref<4xf32>' as 'memref<5xf32>': element type and count must be the same}}
  %v = heedrt.view %b : memref<4xf32> to memref<5xf32>
}

// -----

heedrt.plan @input_weight {
  %w = heedrt.weight "w" : memref<4xf32>
  // expected-error @+1 {{'heedrt.input' op needs an arena buffer (heedrt.buffer or a view of one), not read-only data}}
  heedrt.input "x", %w : memref<4xf32>
}

// -----

heedrt.plan @output_twice {
  %b = heedrt.buffer : memref<4xf32>
  heedrt.output "y", %b : memref<4xf32>
  // expected-error @+1 {{'heedrt.output' op output 'y' is declared twice}}
  heedrt.output "y", %b : memref<4xf32>
}

// -----

heedrt.plan @input_twice {
  %b = heedrt.buffer : memref<4xf32>
  heedrt.input "x", %b : memref<4xf32>
  // expected-error @+1 {{'heedrt.input' op input 'x' is declared twice}}
  heedrt.input "x", %b : memref<4xf32>
}

// -----

func.func @outside_plan() {
  // expected-error @+1 {{'heedrt.buffer' op expects parent op 'heedrt.plan'}}
  %b = heedrt.buffer : memref<4xf32>
  return
}

// -----

heedrt.plan @state_twice {
  %b = heedrt.buffer : memref<4xf32>
  heedrt.state_read "s", %b : memref<4xf32>
  // expected-error @+1 {{'heedrt.state_read' op state 's' is declared twice}}
  heedrt.state_read "s", %b : memref<4xf32>
}

// -----

heedrt.plan @state_write_without_read {
  %b = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.state_write' op state 's' has no earlier heedrt.state_read}}
  heedrt.state_write "s", %b : memref<4xf32>
}

// -----

heedrt.plan @state_write_other_type {
  %b = heedrt.buffer : memref<4xf32>
  %c = heedrt.buffer : memref<2x2xf32>
  heedrt.state_read "s", %b : memref<4xf32>
  // expected-error @+1 {{'heedrt.state_write' op state 's' is read as 'memref<4xf32>' but written as 'memref<2x2xf32>'}}
  heedrt.state_write "s", %c : memref<2x2xf32>
}

// -----

heedrt.plan @state_written_twice {
  %b = heedrt.buffer : memref<4xf32>
  heedrt.state_read "s", %b : memref<4xf32>
  heedrt.state_write "s", %b : memref<4xf32>
  // expected-error @+1 {{'heedrt.state_write' op state 's' is written twice}}
  heedrt.state_write "s", %b : memref<4xf32>
}

// -----

heedrt.plan @state_in_weight {
  %w = heedrt.weight "w" : memref<4xf32>
  // expected-error @+1 {{'heedrt.state_read' op needs an arena buffer (heedrt.buffer or a view of one), not read-only data}}
  heedrt.state_read "s", %w : memref<4xf32>
}

// -----

// expected-error @+1 {{'heedrt.plan' op bounded dimension 'L' must be array<i64: lo, hi> with 1 <= lo <= hi, got array<i64: 0, 8>}}
heedrt.plan @bad_range attributes {bounded_dims = {L = array<i64: 0, 8>}} {
}

// -----

heedrt.plan @bad_triples attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  // expected-error @+1 {{'heedrt.buffer' op bounded needs (axis, dimension, coefficient) triples, got 2 values}}
  %b = heedrt.buffer {bounded = array<i64: 0, 0>} : memref<8xf32>
}

// -----

heedrt.plan @bad_axis attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  // expected-error @+1 {{'heedrt.buffer' op bounded axis 1 is out of range}}
  %b = heedrt.buffer {bounded = array<i64: 1, 0, 1>} : memref<8xf32>
}

// -----

heedrt.plan @no_such_dim attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  %b = heedrt.buffer : memref<8xf32>
  // expected-error @+1 {{'heedrt.view' op bounded dimension 1 is not one of the plan's 1 bounded_dims}}
  %v = heedrt.view %b {bounded = array<i64: 0, 1, 1>} : memref<8xf32> to memref<8xf32>
}

// -----

heedrt.plan @zero_coefficient attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  // expected-error @+1 {{'heedrt.buffer' op bounded coefficient 0 must be positive}}
  %b = heedrt.buffer {bounded = array<i64: 0, 0, 0>} : memref<8xf32>
}

// -----

heedrt.plan @bound_float_param attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  %b = heedrt.buffer : memref<8xf32>
  // expected-error @+1 {{'heedrt.kernel' op bounded param 'value' must be an integer param, bound by an array<i64>}}
  heedrt.kernel "fill" outs(%b : memref<8xf32>) params {value = 0.5 : f64} {bounded_params = {value = array<i64: 0, 0, 1>}}
}

// -----

heedrt.plan @bound_index attributes {bounded_dims = {L = array<i64: 1, 8>}} {
  %b = heedrt.buffer : memref<8xf32>
  %c = heedrt.buffer : memref<4xf32>
  // expected-error @+1 {{'heedrt.kernel' op bounded index 1 is out of range}}
  heedrt.kernel "slice" ins(%b : memref<8xf32>) outs(%c : memref<4xf32>) params {axis = 0 : i64, start = 0 : i64} {bounded_params = {start = array<i64: 1, 0, 1>}}
}

// -----

heedrt.plan @attention_map_on_matmul {
  %b = heedrt.buffer : memref<4x4xf32>
  // expected-error @+1 {{'heedrt.kernel' op kernel 'matmul' computes no attention map (only attention, additive_attention and softmax do)}}
  heedrt.kernel "matmul" ins(%b, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%b : memref<4x4xf32>) {attention_map = "p"}
}

// -----

heedrt.plan @attention_map_empty {
  %b = heedrt.buffer : memref<4x4xf32>
  // expected-error @+1 {{'heedrt.kernel' op has an empty attention_map name}}
  heedrt.kernel "softmax" ins(%b : memref<4x4xf32>) outs(%b : memref<4x4xf32>) params {axis = 1 : i64} {attention_map = ""}
}

// -----

heedrt.plan @attention_map_twice {
  %b = heedrt.buffer : memref<4x4xf32>
  %c = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "softmax" ins(%b : memref<4x4xf32>) outs(%c : memref<4x4xf32>) params {axis = 1 : i64} {attention_map = "p"}
  // expected-error @+1 {{'heedrt.kernel' op attention map 'p' is named twice}}
  heedrt.kernel "softmax" ins(%c : memref<4x4xf32>) outs(%b : memref<4x4xf32>) params {axis = 1 : i64} {attention_map = "p"}
}

// -----

heedrt.plan @one_query_not_softmax {
  %b = heedrt.buffer : memref<1x1x4x4xf32>
  // expected-error @+1 {{'heedrt.kernel' op attention_map_one_query needs a softmax kernel with an attention_map}}
  heedrt.kernel "attention" ins(%b, %b, %b : memref<1x1x4x4xf32>, memref<1x1x4x4xf32>, memref<1x1x4x4xf32>) outs(%b : memref<1x1x4x4xf32>) params {scale = 1.0 : f64} {attention_map = "p", attention_map_one_query}
}
