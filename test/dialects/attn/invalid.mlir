// RUN: heed-opt %s -split-input-file -verify-diagnostics

// Every user-facing error of the attn dialect: the attribute verifiers in
// dialects/attn/AttnDialect.cpp and the result type inference in
// dialects/attn/AttnOps.cpp (an inference failure reports the reason, then
// "failed to infer returned types").

// #attn.window: sizes are non-negative.
func.func @window_negative_left(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{window sizes must be non-negative, got <-1, 2>}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.window<-1, 2>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.window: sizes are non-negative.
func.func @window_negative_right(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{window sizes must be non-negative, got <4, -4>}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.window<4, -4>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.blocks: tile sizes are positive.
func.func @blocks_zero_q_block(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{block sizes must be positive, got q_block = 0, k_block = 8}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 0, k_block = 8, visit = []>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.blocks: tile sizes are positive.
func.func @blocks_negative_k_block(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{block sizes must be positive, got q_block = 8, k_block = -8}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = -8, visit = [array<i64: 0>, array<i64: 0>]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.blocks: each visit entry is a dense i64 array.
func.func @blocks_visit_not_array(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{each visit entry must be an array<i64: ...> of key tile indices}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, [0, 1]]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.blocks: key tile indices are non-negative.
func.func @blocks_negative_tile(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{key tile indices must be non-negative}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: -1, 0>]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.topk: 0 < ratio.
func.func @topk_zero(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{top-k ratio must be in (0, 1], got 0.000000e+00}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, topk = #attn.topk<0.0>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.topk: 0 < ratio.
func.func @topk_negative(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{top-k ratio must be in (0, 1], got -5.000000e-01}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, topk = #attn.topk<-0.5>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.topk: ratio <= 1.
func.func @topk_above_one(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{top-k ratio must be in (0, 1], got 1.500000e+00}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, topk = #attn.topk<1.5>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// #attn.topk: the ratio is a float literal.
func.func @topk_integer(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{unexpected decimal integer literal for a floating point value}}
  // expected-note @+1 {{add a trailing dot to make the literal a float}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, topk = #attn.topk<1>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// `structure` takes #attn.causal, #attn.window or #attn.blocks only.
func.func @structure_not_structure(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'attn.attention' op attribute 'structure' failed to satisfy constraint: #attn.causal, #attn.window or #attn.blocks}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.topk<0.5>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: query is [B, H, L, D].
func.func @attention_query_rank(%q: tensor<8x16x64xf32>, %k: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{attention: query [B, H, L, D] must have rank 4, got f32[8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<8x16x64xf32>
  return
}

// -----

// attn.attention: key is [B, H, L, D].
func.func @attention_key_rank(%q: tensor<1x8x16x64xf32>, %k: tensor<1x1x8x16x64xf32>) {
  // expected-error @+2 {{attention: key [B, H, L, D] must have rank 4, got f32[1, 1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: value is [B, H, L, D].
func.func @attention_value_rank(%q: tensor<1x8x16x64xf32>, %v: tensor<16x64xf32>) {
  // expected-error @+2 {{attention: value [B, H, L, D] must have rank 4, got f32[16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %v {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: query and key share a dtype.
func.func @attention_key_dtype(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xbf16>) {
  // expected-error @+2 {{attention: query and key must have the same dtype, got f32[1, 8, 16, 64] and bf16[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xbf16>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: query and value share a dtype.
func.func @attention_value_dtype(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf16>) {
  // expected-error @+2 {{attention: query and value must have the same dtype, got f32[1, 8, 16, 64] and f16[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %v {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf16>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: key has the query's batch.
func.func @attention_key_batch(%q: tensor<1x8x16x64xf32>, %k: tensor<2x8x16x64xf32>) {
  // expected-error @+2 {{attention: key f32[2, 8, 16, 64] must be [1, Hkv, Lk, 64] for query f32[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: key has the query's head dimension.
func.func @attention_key_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{attention: key f32[1, 8, 16, 32] must be [1, Hkv, Lk, 64] for query f32[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: value has the key's batch, heads and length.
func.func @attention_value_length(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x24x64xf32>) {
  // expected-error @+2 {{attention: value f32[1, 8, 24, 64] must be [1, 8, 16, Dv] to match key f32[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %v {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x24x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: value has the key's heads.
func.func @attention_value_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x4x16x64xf32>) {
  // expected-error @+2 {{attention: value f32[1, 4, 16, 64] must be [1, 2, 16, Dv] to match key f32[1, 2, 16, 64]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: query heads are a multiple of key/value heads.
func.func @attention_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x3x16x64xf32>) {
  // expected-error @+2 {{attention: query heads (8) must be a multiple of key/value heads (3)}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: zero key/value heads is an error, not a division by zero.
func.func @attention_zero_kv_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x0x16x64xf32>) {
  // expected-error @+2 {{attention: query heads (8) must be a multiple of key/value heads (0)}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x0x16x64xf32>, tensor<1x0x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: the mask broadcasts to [B, Hq, Lq, Lk].
func.func @attention_mask_shape(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x24x64xf32>, %m: tensor<1x1x16x16xf32>) {
  // expected-error @+2 {{attention: mask f32[1, 1, 16, 16] does not broadcast to the scores [1, 8, 16, 24]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %k, %k, %m {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x24x64xf32>, tensor<1x8x24x64xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: the mask must not widen the scores (here the batch).
func.func @attention_mask_widens(%q: tensor<1x8x16x64xf32>, %m: tensor<2x1x16x16xi1>) {
  // expected-error @+2 {{attention: mask i1[2, 1, 16, 16] does not broadcast to the scores [1, 8, 16, 16]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<2x1x16x16xi1>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: the mask has rank <= 4.
func.func @attention_mask_rank(%q: tensor<1x8x16x64xf32>, %m: tensor<1x1x1x16x16xf32>) {
  // expected-error @+2 {{attention: mask f32[1, 1, 1, 16, 16] does not broadcast to the scores [1, 8, 16, 16]}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x1x1x16x16xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: one visit entry per query tile (16 rows / 8 = 2 tiles).
func.func @attention_blocks_rows(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{attention: block map lists 1 query tiles, expected 2}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: key tiles exist (16 keys / 8 = 2 tiles).
func.func @attention_blocks_tile(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{attention: block map visits key tile 2 but there are only 2}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: 1, 2>]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: return_probs adds the probabilities as a second result.
func.func @attention_missing_probs(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{'attn.attention' op inferred type(s) 'tensor<1x8x16x64xf32>', 'tensor<1x8x16x16xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>'}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q {return_probs, scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.attention: without return_probs there is one result.
func.func @attention_unrequested_probs(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{'attn.attention' op inferred type(s) 'tensor<1x8x16x64xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>', 'tensor<1x8x16x16xf32>'}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0:2 = attn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> (tensor<1x8x16x64xf32>, tensor<1x8x16x16xf32>)
  return
}

// -----

// attn.attention: the output is [B, Hq, Lq, Dv].
func.func @attention_output_shape(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{'attn.attention' op inferred type(s) 'tensor<1x8x16x32xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>'}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %v {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// ODS constraints come first: query, key and value are float tensors.
func.func @attention_int_query(%q: tensor<1x8x16x64xi32>) {
  // expected-error @+1 {{'attn.attention' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<1x8x16x64xi32>'}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xi32>, tensor<1x8x16x64xi32>, tensor<1x8x16x64xi32>) -> tensor<1x8x16x64xi32>
  return
}

// -----

// attn.gated_attention: the attention checks apply, named after the op.
func.func @gated_attention_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x3x16x64xf32>) {
  // expected-error @+2 {{gated_attention: query heads (8) must be a multiple of key/value heads (3)}}
  // expected-error @+1 {{'attn.gated_attention' op failed to infer returned types}}
  %0 = attn.gated_attention %q, %k, %k, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.gated_attention: block maps are checked too.
func.func @gated_attention_blocks(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+2 {{gated_attention: block map lists 3 query tiles, expected 1}}
  // expected-error @+1 {{'attn.gated_attention' op failed to infer returned types}}
  %0 = attn.gated_attention %q, %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 16, k_block = 16, visit = [array<i64: 0>, array<i64: 0>, array<i64: 0>]>} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.gated_attention: the gate is shaped like the output [B, Hq, Lq, Dv].
func.func @gated_attention_gate_shape(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{gated_attention: gate must have shape [1, 8, 16, 32], got f32[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.gated_attention' op failed to infer returned types}}
  %0 = attn.gated_attention %q, %q, %v, %q {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x32xf32>
  return
}

// -----

// attn.gated_attention: the gate shares the query's dtype.
func.func @gated_attention_gate_dtype(%q: tensor<1x8x16x64xf32>, %g: tensor<1x8x16x64xbf16>) {
  // expected-error @+2 {{gated_attention: query and gate must have the same dtype, got f32[1, 8, 16, 64] and bf16[1, 8, 16, 64]}}
  // expected-error @+1 {{'attn.gated_attention' op failed to infer returned types}}
  %0 = attn.gated_attention %q, %q, %q, %g {scale = 1.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xbf16>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// attn.additive_attention: hidden is [B, D].
func.func @additive_hidden_rank(%h: tensor<2x1x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{additive_attention: hidden [B, D] must have rank 2, got f32[2, 1, 32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x1x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: states is [B, T, D].
func.func @additive_states_rank(%h: tensor<2x32xf32>, %s: tensor<20x32xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{additive_attention: states [B, T, D] must have rank 3, got f32[20, 32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<20x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: hidden and states share a dtype.
func.func @additive_states_dtype(%h: tensor<2x32xf32>, %s: tensor<2x10x32xbf16>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{additive_attention: hidden and states must have the same dtype, got f32[2, 32] and bf16[2, 10, 32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x32xbf16>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: states match hidden's batch and width.
func.func @additive_states_shape(%h: tensor<2x32xf32>, %s: tensor<2x10x16xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{additive_attention: states f32[2, 10, 16] must be [2, T, 32] to match hidden f32[2, 32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x16xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: states match hidden's batch.
func.func @additive_states_batch(%h: tensor<2x32xf32>, %s: tensor<3x10x32xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{additive_attention: states f32[3, 10, 32] must be [2, T, 32] to match hidden f32[2, 32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<3x10x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: the weight shares hidden's dtype.
func.func @additive_weight_dtype(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf16>) {
  // expected-error @+2 {{additive_attention: hidden and weight must have the same dtype, got f32[2, 32] and f16[1, 64]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf16>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: the weight is [1, 2 D] (nn.Linear(2 D, 1)).
func.func @additive_weight_shape(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{additive_attention: weight must have shape [1, 64], got f32[64]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<64xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: the bias shares hidden's dtype.
func.func @additive_bias_dtype(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf32>, %b: tensor<1xbf16>) {
  // expected-error @+2 {{additive_attention: hidden and bias must have the same dtype, got f32[2, 32] and bf16[1]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w, %b : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>, tensor<1xbf16>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: the bias is [1].
func.func @additive_bias_shape(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf32>, %b: tensor<32xf32>) {
  // expected-error @+2 {{additive_attention: bias must have shape [1], got f32[32]}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w, %b : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>, tensor<32xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
  return
}

// -----

// attn.additive_attention: alpha is [B, T].
func.func @additive_alpha_shape(%h: tensor<2x32xf32>, %s: tensor<2x10x32xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+2 {{'attn.additive_attention' op inferred type(s) 'tensor<2x32xf32>', 'tensor<2x10xf32>' are incompatible with return type(s) of operation 'tensor<2x32xf32>', 'tensor<2x32xf32>'}}
  // expected-error @+1 {{'attn.additive_attention' op failed to infer returned types}}
  %0:2 = attn.additive_attention %h, %s, %w : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>)
  return
}

// -----

// tile: two positive sizes.
func.func @tile_bad(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+2 {{attention: tile must be [q_block, k_block], both positive}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, tile = array<i64: 0, 8>} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}

// -----

// tile: not with a block map.
func.func @tile_with_blocks(%q: tensor<1x1x16x8xf32>) {
  // expected-error @+2 {{attention: a block map fixes its own tiles; drop the tile}}
  // expected-error @+1 {{'attn.attention' op failed to infer returned types}}
  %0 = attn.attention %q, %q, %q {scale = 1.0 : f64, structure = #attn.blocks<q_block = 8, k_block = 8, visit = [array<i64: 0>, array<i64: 1>]>, tile = array<i64: 8, 8>} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return
}
