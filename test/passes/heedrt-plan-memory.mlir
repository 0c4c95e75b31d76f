// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(heedrt.plan(heedrt-plan-memory))' | FileCheck %s
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(heedrt.plan(heedrt-plan-memory{in-place=false}))' | FileCheck %s --check-prefix=NOINPLACE

// Offsets by hand: buffers are 64-byte aligned, placed largest first at the
// lowest offset free during their lifetime.

// A chain a -> b -> c -> d of 256-byte buffers, in-place off: the input a
// lives from the start to the exp that reads it while writing b, so a and b
// need two slots; c then reuses a's slot and d reuses b's.
// NOINPLACE-LABEL: heedrt.plan @chain attributes {arena_bytes = 512 : i64}
// NOINPLACE: %[[A:.+]] = heedrt.buffer offset 0 : memref<64xf32>
// NOINPLACE: %[[B:.+]] = heedrt.buffer offset 256 : memref<64xf32>
// NOINPLACE: %[[C:.+]] = heedrt.buffer offset 0 : memref<64xf32>
// NOINPLACE: %[[D:.+]] = heedrt.buffer offset 256 : memref<64xf32>
// In place, relu and tanh overwrite their dead inputs; the input a is never
// overwritten.
// CHECK-LABEL: heedrt.plan @chain attributes {arena_bytes = 512 : i64}
// CHECK: %[[A:.+]] = heedrt.buffer offset 0 : memref<64xf32>
// CHECK: %[[B:.+]] = heedrt.buffer offset 256 : memref<64xf32>
// CHECK: heedrt.kernel "exp" ins(%[[A]] : memref<64xf32>) outs(%[[B]] : memref<64xf32>)
// CHECK: heedrt.kernel "relu" ins(%[[B]] : memref<64xf32>) outs(%[[B]] : memref<64xf32>)
// CHECK: heedrt.kernel "tanh" ins(%[[B]] : memref<64xf32>) outs(%[[B]] : memref<64xf32>)
// CHECK: heedrt.output "d", %[[B]]
heedrt.plan @chain {
  %a = heedrt.buffer : memref<64xf32>
  heedrt.input "a", %a : memref<64xf32>
  %b = heedrt.buffer : memref<64xf32>
  heedrt.kernel "exp" ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  %c = heedrt.buffer : memref<64xf32>
  heedrt.kernel "relu" ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
  %d = heedrt.buffer : memref<64xf32>
  heedrt.kernel "tanh" ins(%c : memref<64xf32>) outs(%d : memref<64xf32>)
  heedrt.output "d", %d : memref<64xf32>
}

// -----

// A KV cache: dynamic_update_slice writes the new row over the cache it
// reads when the cache dies there (x is its in-place input), so the
// updated cache is the same buffer; the update and the starts are not
// overwritten (only input 0 may be), and scatter and cumsum likewise run
// over their input 0.
// CHECK-LABEL: heedrt.plan @kv_cache
// CHECK: heedrt.kernel "exp" ins(%{{.+}} : memref<2x8x4xf32>) outs(%[[C:[0-9]+]] : memref<2x8x4xf32>)
// CHECK: heedrt.kernel "dynamic_update_slice" ins(%[[C]], %{{.+}}, %{{.+}} : memref<2x8x4xf32>, memref<2x1x4xf32>, memref<3xi64>) outs(%[[C]] : memref<2x8x4xf32>)
// CHECK: heedrt.kernel "scatter" ins(%[[C]], %{{.+}}, %{{.+}} : memref<2x8x4xf32>, memref<2x1x4xi64>, memref<2x1x4xf32>) outs(%[[C]] : memref<2x8x4xf32>)
// CHECK: heedrt.kernel "cumsum" ins(%[[C]] : memref<2x8x4xf32>) outs(%[[C]] : memref<2x8x4xf32>) params {axis = 1 : i64}
// CHECK: heedrt.output "y", %[[C]]
heedrt.plan @kv_cache {
  %a = heedrt.buffer : memref<2x8x4xf32>
  heedrt.input "a", %a : memref<2x8x4xf32>
  %u = heedrt.buffer : memref<2x1x4xf32>
  heedrt.input "u", %u : memref<2x1x4xf32>
  %p = heedrt.buffer : memref<3xi64>
  heedrt.input "p", %p : memref<3xi64>
  %i = heedrt.buffer : memref<2x1x4xi64>
  heedrt.input "i", %i : memref<2x1x4xi64>
  %c = heedrt.buffer : memref<2x8x4xf32>
  heedrt.kernel "exp" ins(%a : memref<2x8x4xf32>) outs(%c : memref<2x8x4xf32>)
  %d = heedrt.buffer : memref<2x8x4xf32>
  heedrt.kernel "dynamic_update_slice" ins(%c, %u, %p : memref<2x8x4xf32>, memref<2x1x4xf32>, memref<3xi64>) outs(%d : memref<2x8x4xf32>)
  %e = heedrt.buffer : memref<2x8x4xf32>
  heedrt.kernel "scatter" ins(%d, %i, %u : memref<2x8x4xf32>, memref<2x1x4xi64>, memref<2x1x4xf32>) outs(%e : memref<2x8x4xf32>) params {axis = 1 : i64}
  %f = heedrt.buffer : memref<2x8x4xf32>
  heedrt.kernel "cumsum" ins(%e : memref<2x8x4xf32>) outs(%f : memref<2x8x4xf32>) params {axis = 1 : i64}
  heedrt.output "y", %f : memref<2x8x4xf32>
}

// -----

// negative_: no in-place when the input is read again later, when the
// kernel does not allow it (matmul), when types differ, or when the same
// bytes are read twice by the kernel.
// CHECK-LABEL: heedrt.plan @negative_in_place
// CHECK: %[[A:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xf32>
// CHECK: %[[B:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xf32>
// CHECK: heedrt.kernel "exp" ins(%[[A]] : memref<4x4xf32>) outs(%[[B]] : memref<4x4xf32>)
// CHECK: %[[C:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xf32>
// CHECK: heedrt.kernel "relu" ins(%[[B]] : memref<4x4xf32>) outs(%[[C]] : memref<4x4xf32>)
// CHECK: %[[D:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xf32>
// CHECK: heedrt.kernel "matmul" ins(%[[B]], %[[C]] : memref<4x4xf32>, memref<4x4xf32>) outs(%[[D]] : memref<4x4xf32>)
// CHECK: %[[E:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xi1>
// CHECK: heedrt.kernel "gt" ins(%[[D]], %[[D]] : {{.*}}) outs(%[[E]] : memref<4x4xi1>)
// CHECK: %[[F:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<4x4xf32>
// CHECK: heedrt.kernel "add" ins(%[[D]], %[[D]] : {{.*}}) outs(%[[F]] : memref<4x4xf32>)
heedrt.plan @negative_in_place {
  %a = heedrt.buffer : memref<4x4xf32>
  heedrt.input "a", %a : memref<4x4xf32>
  %b = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "exp" ins(%a : memref<4x4xf32>) outs(%b : memref<4x4xf32>)
  %c = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "relu" ins(%b : memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  %d = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "matmul" ins(%b, %c : memref<4x4xf32>, memref<4x4xf32>) outs(%d : memref<4x4xf32>)
  %e = heedrt.buffer : memref<4x4xi1>
  heedrt.kernel "gt" ins(%d, %d : memref<4x4xf32>, memref<4x4xf32>) outs(%e : memref<4x4xi1>)
  %f = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "add" ins(%d, %d : memref<4x4xf32>, memref<4x4xf32>) outs(%f : memref<4x4xf32>)
  heedrt.output "e", %e : memref<4x4xi1>
  heedrt.output "f", %f : memref<4x4xf32>
}

// -----

// A view keeps its buffer alive: a is read through its view by the slice,
// so c cannot take a's bytes, and b is an output, live to the end: c goes
// above both.
// CHECK-LABEL: heedrt.plan @views_extend_life attributes {arena_bytes = 320 : i64}
// CHECK: heedrt.buffer offset 0 : memref<32xf32>
// CHECK: heedrt.buffer offset 128 : memref<32xf32>
// CHECK: heedrt.buffer offset 256 : memref<4x4xf32>
heedrt.plan @views_extend_life {
  %a = heedrt.buffer : memref<32xf32>
  heedrt.input "a", %a : memref<32xf32>
  %b = heedrt.buffer : memref<32xf32>
  heedrt.kernel "exp" ins(%a : memref<32xf32>) outs(%b : memref<32xf32>)
  %v = heedrt.view %a : memref<32xf32> to memref<2x16xf32>
  %c = heedrt.buffer : memref<4x4xf32>
  heedrt.kernel "slice" ins(%v : memref<2x16xf32>) outs(%c : memref<4x4xf32>) params {axis = 0 : i64, start = 0 : i64}
  heedrt.output "b", %b : memref<32xf32>
  heedrt.output "c", %c : memref<4x4xf32>
}

// -----

// Two states, s and t: a state's buffer keeps its bytes to the end of the
// run (the runtime copies an out-of-place next value into it afterwards),
// so t's next value, exp(s), may not run in place on s's buffer although s
// is still live only for the add; s's own next value, add(s, t), the last
// use of s, does.
// CHECK-LABEL: heedrt.plan @two_states attributes {arena_bytes = 768 : i64}
// CHECK: %[[S:.+]] = heedrt.buffer offset 0 : memref<64xf32>
// CHECK: heedrt.state_read "s", %[[S]]
// CHECK: %[[T:.+]] = heedrt.buffer offset 256 : memref<64xf32>
// CHECK: heedrt.state_read "t", %[[T]]
// CHECK: %[[TN:.+]] = heedrt.buffer offset 512 : memref<64xf32>
// CHECK: heedrt.kernel "exp" ins(%[[S]] : memref<64xf32>) outs(%[[TN]] : memref<64xf32>)
// CHECK: heedrt.kernel "add" ins(%[[S]], %[[T]] : memref<64xf32>, memref<64xf32>) outs(%[[S]] : memref<64xf32>)
// CHECK: heedrt.state_write "s", %[[S]]
// CHECK: heedrt.state_write "t", %[[TN]]
heedrt.plan @two_states {
  %s = heedrt.buffer : memref<64xf32>
  heedrt.state_read "s", %s : memref<64xf32>
  %t = heedrt.buffer : memref<64xf32>
  heedrt.state_read "t", %t : memref<64xf32>
  %tn = heedrt.buffer : memref<64xf32>
  heedrt.kernel "exp" ins(%s : memref<64xf32>) outs(%tn : memref<64xf32>)
  %sn = heedrt.buffer : memref<64xf32>
  heedrt.kernel "add" ins(%s, %t : memref<64xf32>, memref<64xf32>) outs(%sn : memref<64xf32>)
  heedrt.state_write "s", %sn : memref<64xf32>
  heedrt.state_write "t", %tn : memref<64xf32>
}

// -----

// A KV cache: dynamic_update_slice's result is the state's next value and
// the cache's last use, so it runs in place on the state's buffer.
// CHECK-LABEL: heedrt.plan @cache_in_place
// CHECK: %[[C:.+]] = heedrt.buffer offset {{[0-9]+}} : memref<8x4xf32>
// CHECK: heedrt.state_read "cache", %[[C]]
// CHECK: heedrt.kernel "dynamic_update_slice" ins(%[[C]], %{{.+}}, %{{.+}} : memref<8x4xf32>, memref<1x4xf32>, memref<2xi64>) outs(%[[C]] : memref<8x4xf32>)
// CHECK: heedrt.state_write "cache", %[[C]]
heedrt.plan @cache_in_place {
  %c = heedrt.buffer : memref<8x4xf32>
  heedrt.state_read "cache", %c : memref<8x4xf32>
  %k = heedrt.buffer : memref<1x4xf32>
  heedrt.input "k", %k : memref<1x4xf32>
  %p = heedrt.buffer : memref<2xi64>
  heedrt.input "p", %p : memref<2xi64>
  %n = heedrt.buffer : memref<8x4xf32>
  heedrt.kernel "dynamic_update_slice" ins(%c, %k, %p : memref<8x4xf32>, memref<1x4xf32>, memref<2xi64>) outs(%n : memref<8x4xf32>)
  heedrt.state_write "cache", %n : memref<8x4xf32>
}

// -----

// States that swap (s' = relu(t), t' = exp(s), like an LSTM's h and c):
// neither next value is its own state's, so both are computed out of place,
// and relu(t) may not take s's bytes although s is dead by then: the
// runtime copies both next values after the run, and s's copy would
// overwrite t's before it is read. Four distinct buffers.
// CHECK-LABEL: heedrt.plan @swapping_states attributes {arena_bytes = 1024 : i64}
// CHECK: heedrt.state_write "s", %[[SN:.+]] :
// CHECK: heedrt.state_write "t", %[[TN:.+]] :
heedrt.plan @swapping_states {
  %s = heedrt.buffer : memref<64xf32>
  heedrt.state_read "s", %s : memref<64xf32>
  %t = heedrt.buffer : memref<64xf32>
  heedrt.state_read "t", %t : memref<64xf32>
  %tn = heedrt.buffer : memref<64xf32>
  heedrt.kernel "exp" ins(%s : memref<64xf32>) outs(%tn : memref<64xf32>)
  %sn = heedrt.buffer : memref<64xf32>
  heedrt.kernel "relu" ins(%t : memref<64xf32>) outs(%sn : memref<64xf32>)
  heedrt.state_write "s", %sn : memref<64xf32>
  heedrt.state_write "t", %tn : memref<64xf32>
}
