// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-tile{l2-bytes=1048576 cores=2}))' | FileCheck %s
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-tile{l2-bytes=1048576 cores=2 q-block=32 k-block=128}))' | FileCheck %s --check-prefix=FORCED
// RUN: heed-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(attn-tile{l2-bytes=1048576 cores=2}),heed-to-heedrt)' | FileCheck %s --check-prefix=LOWERED

// attn-tile with a 1 MiB L2 and 2 cores, D = Dv = 64, L = 2048 (the
// measurements of docs/passes.md). Costs by hand, per head, with tile-ns =
// 3600 and 0.0116 ns per flop (2.97 ns per score element):
//   64 x 512: 4 x 32 = 128 tiles, 2048^2 elements: 0.46 + 12.46 = 12.92 ms
//   64 x 256: 256 tiles: 0.92 + 12.46 = 13.38 ms
//   64 x 1024, 128 x 512, 256 x 256, ...: working set over 512 KiB
//   128 x 256: 128 tiles, the same 12.92 ms: not 2% cheaper, so 64 x 512.
// CHECK-LABEL: func.func @dense
// CHECK: attn.attention {{.*}}tile = array<i64: 64, 512>
// FORCED-LABEL: func.func @dense
// FORCED: tile = array<i64: 32, 128>
// LOWERED: heedrt.kernel "attention" {{.*}}k_block = 512 : i64{{.*}}q_block = 64 : i64
func.func @dense(%q: tensor<1x8x2048x64xf32>) -> tensor<1x8x2048x64xf32> {
  %o = attn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x8x2048x64xf32>, tensor<1x8x2048x64xf32>, tensor<1x8x2048x64xf32>) -> tensor<1x8x2048x64xf32>
  return %o : tensor<1x8x2048x64xf32>
}

// -----

// Small problems: tiles never exceed the lengths, and with 1 x 1 x 16 rows
// there is one task whatever the tile, so the cheapest (largest) wins.
// CHECK-LABEL: func.func @short
// CHECK: tile = array<i64: 16, 16>
func.func @short(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  %o = attn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return %o : tensor<1x1x16x8xf32>
}

// -----

// negative_: block maps keep their own tiles; bf16 keeps the kernel's bf16
// default; an existing tile stays.
// CHECK-LABEL: func.func @negative_untouched
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, structure = #attn.blocks
// CHECK-NOT: tile
// CHECK: attn.attention %arg1, %arg1, %arg1 {scale = 1.000000e+00 : f64} :
// CHECK: attn.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64, tile = array<i64: 8, 8>}
func.func @negative_untouched(%q: tensor<1x1x16x8xf32>, %h: tensor<1x1x16x8xbf16>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16x8xbf16>, tensor<1x1x16x8xf32>) {
  %a = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: 0, 1>]>} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  %b = attn.attention %h, %h, %h {scale = 1.0 : f64} : (tensor<1x1x16x8xbf16>, tensor<1x1x16x8xbf16>, tensor<1x1x16x8xbf16>) -> tensor<1x1x16x8xbf16>
  %c = attn.attention %q, %q, %q {scale = 1.0 : f64, tile = array<i64: 8, 8>} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return %a, %b, %c : tensor<1x1x16x8xf32>, tensor<1x1x16x8xbf16>, tensor<1x1x16x8xf32>
}
