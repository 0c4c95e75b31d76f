// RUN: heed-opt %s -split-input-file -heedrt-to-llvm -verify-diagnostics | FileCheck %s
// RUN: heed-opt %s -split-input-file -heedrt-to-llvm='external-weights=true weights-file=/w.safetensors main=true' -verify-diagnostics | FileCheck %s --check-prefix=EXT

// One C API call per plan op, in order; buffer ids count 0, 1, 2, ... in the
// order buffers, weights, constants and views are added (runtime.h).

// CHECK-DAG: llvm.mlir.global private constant @m.i64s.{{[0-9]+}}("\04\00\00\00\00\00\00\00")
// CHECK-DAG: llvm.mlir.global external constant @m.weight.{{[0-9]+}}() {addr_space = 0 : i32, alignment = 64 : i64, heedrt.weight = "w", heedrt.weight_type = f32} : !llvm.array<16 x i8>
// CHECK-DAG: llvm.mlir.global private constant @m.const.{{[0-9]+}}("\00\00\80?") {addr_space = 0 : i32, alignment = 64 : i64}
// CHECK-DAG: llvm.mlir.global private constant @m.str.{{[0-9]+}}("attention\00")
// CHECK-LABEL: llvm.func @m_build(%arg0: !llvm.ptr, %arg1: !llvm.ptr)
// Buffer 0: the input x, f32 (dtype 0), rank 1, at offset 0.
// CHECK: %[[F32:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[R1:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[OFF0:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.call @heed_plan_add_buffer(%arg0, %[[F32]], %[[R1]], %{{.+}}, %[[OFF0]], %{{.+}})
// CHECK: llvm.call @heed_plan_add_input(%arg0, %{{.+}}, %{{.+}})
// Buffer 1: the weight, embedded.
// CHECK: llvm.call @heed_plan_add_constant
// Buffer 2: the literal.
// CHECK: llvm.call @heed_plan_add_constant
// Buffer 3: a view of buffer 0.
// CHECK: %[[SRC:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @heed_plan_add_view(%arg0, %[[SRC]],
// Buffer 4 at offset 64, then the node with its attribute.
// CHECK: %[[OFF64:.+]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: llvm.call @heed_plan_add_buffer(%arg0, %{{.+}}, %{{.+}}, %{{.+}}, %[[OFF64]], %{{.+}})
// CHECK: %[[NIN:.+]] = llvm.mlir.constant(3 : i32) : i32
// CHECK: %[[NOUT:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @heed_plan_add_node(%arg0, %{{.+}}, %{{.+}}, %[[NIN]], %{{.+}}, %[[NOUT]], %{{.+}})
// CHECK: %[[NODE:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[PI:.+]] = llvm.mlir.constant(7 : i64) : i64
// CHECK: llvm.call @heed_plan_set_int(%arg0, %[[NODE]], %{{.+}}, %[[PI]])
// CHECK: llvm.call @heed_plan_set_float(%arg0, %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, i32, !llvm.ptr, f64) -> i32
// CHECK: llvm.call @heed_plan_set_ints(%arg0, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, i32, !llvm.ptr, !llvm.ptr, i32) -> i32
// CHECK: llvm.call @heed_plan_add_output
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @m_load() -> !llvm.ptr
// CHECK: llvm.call @heed_compiled_load
// CHECK-LABEL: llvm.func @m_run(
// CHECK: llvm.call @heed_model_run_data
// CHECK-LABEL: llvm.func @m_free(
// CHECK: llvm.call @heed_model_free
// CHECK-NOT: llvm.func @main

// External weights are looked up by name; main() runs the command line with
// the random-input bounds of the inputs (0: not an integer input).
// EXT-DAG: llvm.mlir.global private constant @m.str.{{[0-9]+}}("/w.safetensors\00")
// EXT-DAG: llvm.mlir.global private constant @m.i64s.{{[0-9]+}}("\00\00\00\00\00\00\00\00\05\00\00\00\00\00\00\00")
// EXT-LABEL: llvm.func @m_build
// EXT: llvm.call @heed_plan_add_weight(%arg0, %arg1,
// EXT-NOT: heedrt.weight
// EXT-LABEL: llvm.func @main(%arg0: i32, %arg1: !llvm.ptr) -> i32
// EXT: llvm.call @heed_cli_main(%arg0, %arg1,
heedrt.plan @m attributes {arena_bytes = 192 : i64} {
  %x = heedrt.buffer offset 0 : memref<4xf32>
  heedrt.input "x", %x : memref<4xf32>
  %w = heedrt.weight "w" : memref<4xf32>
  %c = heedrt.constant dense<1.0> : tensor<f32> : memref<f32>
  %v = heedrt.view %x : memref<4xf32> to memref<2x2xf32>
  %i = heedrt.buffer offset 64 : memref<2xi64>
  heedrt.input "i", %i {random_bound = 5 : i64} : memref<2xi64>
  %y = heedrt.buffer offset 128 : memref<4xf32>
  heedrt.kernel "attention" ins(%x, %w, %c : memref<4xf32>, memref<4xf32>, memref<f32>) outs(%y : memref<4xf32>) params {q_block = 7 : i64, scale = 0.5 : f64, window = array<i64: 1, 2>}
  heedrt.output "y", %y : memref<4xf32>
}

// -----

// expected-error @+1 {{heedrt-to-llvm needs a planned plan; run heedrt-plan-memory first}}
heedrt.plan @unplanned {
  %x = heedrt.buffer : memref<4xf32>
}
