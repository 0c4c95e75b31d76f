/*===- heed/runtime.h - The C API of libheedrt -------------------*- C -*-===*\
 *
 * libheedrt runs compiled Heed models. A model is a *plan*: buffers (dtype,
 * shape, an offset into one arena), constants (weights, borrowed), named
 * inputs and outputs, and kernel nodes that read and write buffers. Compiled
 * code builds the plan through this API when the model loads; finalizing it
 * creates the kernels (oneDNN primitives are made once here), allocates the
 * 64-byte-aligned arena and builds the task graph, giving a *model* that can
 * be run any number of times.
 *
 * Conventions:
 *  - Every function that can fail returns a heed_status; on failure
 *    heed_last_error() gives a message for the calling thread.
 *  - The runtime never aborts, never prints, and never lets a C++ exception
 *    cross this API.
 *  - heed_model_run may be called repeatedly, and concurrently on distinct
 *    models; one model runs one call at a time.
 *  - Outputs are bitwise identical for any thread count.
 *  - Plan errors are sticky: a plan remembers the first heed_plan_* call
 *    that failed on it (its status and message, which names the call, e.g.
 *    'heed_plan_add_node("matmul"): buffer 7 does not exist'), and
 *    heed_plan_finalize returns that failure instead of finalizing. Compiled
 *    code may therefore build a plan as straight-line calls and check only
 *    the status of heed_plan_finalize.
 *
 * docs/runtime.md walks through a complete example.
\*===----------------------------------------------------------------------===*/

#ifndef HEED_RUNTIME_H
#define HEED_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped whenever a change breaks code compiled against an older header. */
#define HEED_RUNTIME_ABI_VERSION 1u

/** Let the runtime place a buffer in the arena (no reuse). */
#define HEED_AUTO_OFFSET (-1)

/** Status codes. heed_status is a fixed-width integer rather than the enum
 *  type so that any value a caller passes (say, to heed_status_name) is a
 *  valid value of the parameter's type. */
enum {
  HEED_OK = 0,
  HEED_ERROR_INVALID_ARGUMENT = 1, /**< null pointer, bad id, bad attribute */
  HEED_ERROR_SHAPE = 2,            /**< shapes do not fit the kernel */
  HEED_ERROR_DTYPE = 3,            /**< dtype not supported by the kernel */
  HEED_ERROR_ABI = 4,              /**< compiled against another runtime */
  HEED_ERROR_OUT_OF_MEMORY = 5,
  HEED_ERROR_UNKNOWN_KERNEL = 6,
  HEED_ERROR_STATE = 7, /**< e.g. adding to a finalized plan */
  HEED_ERROR_INTERNAL = 8
};
typedef int32_t heed_status;

/** Element types; the numbering matches heed::DType. heed_dtype is a
 *  fixed-width integer, not the enum type: the runtime checks every dtype it
 *  is given, and an out-of-range value must be a valid value to check. */
enum {
  HEED_F32 = 0,
  HEED_F16 = 1,
  HEED_BF16 = 2,
  HEED_I64 = 3,
  HEED_I32 = 4,
  HEED_I1 = 5 /**< one byte per element, 0 or 1 */
};
typedef int32_t heed_dtype;

typedef struct heed_plan heed_plan;
typedef struct heed_model heed_model;
typedef struct heed_tensor heed_tensor;

/*===--- Errors and versions ----------------------------------------------===*/

/** The ABI version this library implements. */
uint32_t heed_abi_version(void);
/** HEED_OK when code compiled against \p compiled_version can use this
 *  library; HEED_ERROR_ABI with a message naming both versions otherwise. */
heed_status heed_check_abi(uint32_t compiled_version);
/** The message of the last failing call on this thread ("" if none). */
const char *heed_last_error(void);
/** "HEED_OK", "HEED_ERROR_SHAPE", ... */
const char *heed_status_name(heed_status status);

/*===--- Tensors ----------------------------------------------------------===*/

/** A new zero-filled, 64-byte-aligned tensor that owns its data. */
heed_status heed_tensor_create(heed_dtype dtype, int32_t rank,
                               const int64_t *shape, heed_tensor **out);
/** A tensor over caller-owned \p data (row-major), which must outlive it. */
heed_status heed_tensor_wrap(heed_dtype dtype, int32_t rank,
                             const int64_t *shape, void *data,
                             heed_tensor **out);
/** Frees the tensor (and its data if owned). Null is allowed. */
void heed_tensor_free(heed_tensor *tensor);
heed_dtype heed_tensor_dtype(const heed_tensor *tensor);
int32_t heed_tensor_rank(const heed_tensor *tensor);
const int64_t *heed_tensor_shape(const heed_tensor *tensor);
void *heed_tensor_data(heed_tensor *tensor);
size_t heed_tensor_nbytes(const heed_tensor *tensor);

/*===--- Plans ------------------------------------------------------------===*/

/* Ids are predictable, and compiled code relies on it: buffer ids are
 * assigned consecutively from 0 in the order of the successful
 * heed_plan_add_buffer, heed_plan_add_constant, heed_plan_add_view and
 * heed_plan_add_weight (heed/compiled.h) calls, one sequence for all four,
 * node ids consecutively
 * from 0 in the order of the successful heed_plan_add_node calls. The id
 * out-parameters may therefore be null. A failed call assigns no id (and makes
 * the plan fail to finalize; see the conventions above). */

heed_status heed_plan_create(heed_plan **out);
void heed_plan_free(heed_plan *plan);

/** A buffer at \p offset bytes into the arena (64-byte aligned), or at a
 *  runtime-chosen place with HEED_AUTO_OFFSET. Buffers may share arena bytes
 *  (the compiler's liveness plan); the runtime orders nodes accordingly.
 *  \p buffer_id (may be null) receives the new buffer's id. */
heed_status heed_plan_add_buffer(heed_plan *plan, heed_dtype dtype,
                                 int32_t rank, const int64_t *shape,
                                 int64_t offset, int32_t *buffer_id);
/** A read-only buffer over \p data (borrowed; must outlive the model).
 *  \p buffer_id (may be null) receives the new buffer's id. */
heed_status heed_plan_add_constant(heed_plan *plan, heed_dtype dtype,
                                   int32_t rank, const int64_t *shape,
                                   const void *data, int32_t *buffer_id);
/** A buffer over the same bytes as buffer \p source (arena or constant)
 *  with another shape of the same element count: a reshape that costs
 *  nothing. */
heed_status heed_plan_add_view(heed_plan *plan, int32_t source, int32_t rank,
                               const int64_t *shape, int32_t *buffer_id);
/** Marks a buffer as the next model input / output, with a name. */
heed_status heed_plan_add_input(heed_plan *plan, const char *name,
                                int32_t buffer_id);
heed_status heed_plan_add_output(heed_plan *plan, const char *name,
                                 int32_t buffer_id);
/** Declares state \p name (a KV cache, say), kept in arena buffer
 *  \p buffer_id between runs: zeros when the model is finalized and after
 *  heed_model_reset_state, never fed or returned by heed_model_run. */
heed_status heed_plan_add_state(heed_plan *plan, const char *name,
                                int32_t buffer_id);
/** Names the arena buffer that holds state \p name's next value at the end
 *  of a run (same dtype and shape); after each run it is copied into the
 *  state's buffer unless it is that buffer (updated in place). A state with
 *  none keeps its value. */
heed_status heed_plan_set_state_next(heed_plan *plan, const char *name,
                                     int32_t buffer_id);

/** Declares a dimension known only at run time, \p name in [\p lo, \p hi]
 *  (1 <= lo <= hi), e.g. a sequence length (`heedc --dim L=1..512`). The
 *  plan is written with every such dimension at its largest value \p hi:
 *  buffer shapes, offsets (the arena is planned for the bound) and
 *  attributes. heed_plan_bind_dim and heed_plan_bind_int say which extents
 *  and attribute values follow it. A run takes the values its inputs' shapes
 *  give, and the kernels see the actual sizes. \p dim_id may be null. */
heed_status heed_plan_add_dim(heed_plan *plan, const char *name, int64_t lo,
                              int64_t hi, int32_t *dim_id);
/** Axis \p axis of buffer \p buffer_id (declared at the bound) has extent
 *  declared + \p coeff * (value - hi) (\p coeff >= 1) for a value of
 *  dimension \p dim_id. Every dimension must be an extent of some input;
 *  states cannot follow one, and a constant that does is its leading
 *  elements at smaller sizes. */
heed_status heed_plan_bind_dim(heed_plan *plan, int32_t buffer_id, int32_t axis,
                               int32_t dim_id, int64_t coeff);

/** Appends a node running \p kernel (e.g. "matmul", "softmax"; see
 *  docs/runtime.md) on the given buffers. Nodes run as if in the order they
 *  were added; independent nodes may run concurrently. \p node_id (may be
 *  null) receives the new node's id. */
heed_status heed_plan_add_node(heed_plan *plan, const char *kernel,
                               const int32_t *inputs, int32_t num_inputs,
                               const int32_t *outputs, int32_t num_outputs,
                               int32_t *node_id);
/** Node attributes, as the kernel declares them (runtime/kernels/Kernels.td,
 *  listed in docs/runtime.md and in heed/KernelSpec.h): integers, flags and
 *  enum values with heed_plan_set_int (or heed_plan_set_ints with one
 *  value), integer lists with heed_plan_set_ints, floats with
 *  heed_plan_set_float. heed_plan_finalize rejects an attribute the kernel
 *  does not declare, one set the wrong way, a flag other than 0/1, an enum
 *  value outside its cases and a missing required attribute, with
 *  HEED_ERROR_INVALID_ARGUMENT naming the kernel and the attribute. */
heed_status heed_plan_set_int(heed_plan *plan, int32_t node_id,
                              const char *name, int64_t value);
heed_status heed_plan_set_ints(heed_plan *plan, int32_t node_id,
                               const char *name, const int64_t *values,
                               int32_t count);
heed_status heed_plan_set_float(heed_plan *plan, int32_t node_id,
                                const char *name, double value);
/** Element \p index of integer attribute \p name of node \p node_id (set
 *  before, at the bound) is declared + \p coeff * (value - hi) for a value
 *  of dimension \p dim_id: a slice's end at the sequence length, say. */
heed_status heed_plan_bind_int(heed_plan *plan, int32_t node_id,
                               const char *name, int32_t index, int32_t dim_id,
                               int64_t coeff);

/** Names node \p node_id an attention map \p name (the op's source name):
 *  heed_model_capture_attention keeps its probabilities. The node must run
 *  "attention" (its probabilities [B, Hq, Lq, Lk], which it computes only
 *  while capturing unless return_probs is set), "additive_attention" (its
 *  alpha output [B, T]) or "softmax" (its output [..., Lq, Lk], the
 *  probabilities of an attention written out; with \p one_query = 1, each
 *  row [..., T] is one query's, additive attention written out). A node has
 *  one name. */
heed_status heed_plan_name_attention(heed_plan *plan, int32_t node_id,
                                     const char *name, int32_t one_query);

/** Checks the plan, creates every kernel, allocates the arena and builds
 *  the task graph. The plan may be freed afterwards. When an earlier call on
 *  the plan failed, returns that first failure's status (and message, through
 *  heed_last_error) and creates nothing. */
heed_status heed_plan_finalize(const heed_plan *plan, heed_model **out);

/*===--- Models -----------------------------------------------------------===*/

void heed_model_free(heed_model *model);
/** Worker threads for this model: \p n > 0, or 0 for $HEED_NUM_THREADS or
 *  else all cores. */
heed_status heed_model_set_threads(heed_model *model, int32_t n);
int32_t heed_model_num_inputs(const heed_model *model);
/** The model's bounded dimensions (heed_plan_add_dim): 0 when every size is
 *  fixed. heed_model_input and heed_model_output describe ports at the
 *  bound, the largest sizes. */
int32_t heed_model_num_dims(const heed_model *model);
/** Name and range of bounded dimension \p index. */
heed_status heed_model_dim(const heed_model *model, int32_t index,
                           const char **name, int64_t *lo, int64_t *hi);
int32_t heed_model_num_outputs(const heed_model *model);
/** Name, dtype and shape of input/output \p index (pointers stay valid for
 *  the model's lifetime). */
heed_status heed_model_input(const heed_model *model, int32_t index,
                             const char **name, heed_dtype *dtype,
                             int32_t *rank, const int64_t **shape);
heed_status heed_model_output(const heed_model *model, int32_t index,
                              const char **name, heed_dtype *dtype,
                              int32_t *rank, const int64_t **shape);
/** The attention maps of the model (heed_plan_name_attention), in plan
 *  order: how many, and the name of map \p index (valid while the model
 *  lives; NULL for an index out of range). */
int32_t heed_model_num_attention(const heed_model *model);
const char *heed_model_attention_name(const heed_model *model, int32_t index);
/** The kernel that computes map \p index: "attention", "additive_attention"
 *  or "softmax" (NULL for an index out of range). */
const char *heed_model_attention_kernel(const heed_model *model, int32_t index);
/** Capturing attention maps: with \p enable = 1 every run that follows
 *  also keeps the probabilities of each attention map, until a call with
 *  0. The "attention" nodes are created again to compute them (the
 *  materialising path, slower than the flash path); capturing off restores
 *  the plan's kernels, so a model that never captures runs exactly as
 *  without maps. */
heed_status heed_model_capture_attention(heed_model *model, int32_t enable);
/** The probabilities of attention map \p index in the last run made while
 *  capturing, as a new f32 tensor [B, H, Lq, Lk] (heed_tensor_free it):
 *  attention [B, Hq, Lq, Lk] as it is, additive attention's [B, T] as
 *  [B, 1, 1, T], a softmax's [..., Lq, Lk] with the leading axes but the
 *  last (heads) folded into B (one_query: [..., T] as [N, 1, 1, T]).
 *  When \p skipped is not null it receives a new i1 tensor [Lq, Lk], true
 *  where the pair lies in a q_block x k_block tile the kernel skipped (it
 *  computed nothing there, the probability is 0), or NULL when the kernel
 *  skips none. Fails when no run captured. */
heed_status heed_model_attention_probs(heed_model *model, int32_t index,
                                       heed_tensor **probs,
                                       heed_tensor **skipped);
/** Sets every state of the model (heed_plan_add_state) back to zeros, as
 *  before its first run: a new sequence starts. */
heed_status heed_model_reset_state(heed_model *model);
/** How heed_model_generate picks tokens. Zero-initialise it, then set
 *  max_new_tokens: top_k 0 is greedy, use_eos 0 has no end token. */
typedef struct heed_generate_options {
  int32_t max_new_tokens; /**< stop after this many generated tokens */
  /** 0: greedy (the first largest logit). K > 0: sample from the K largest
   *  logits, softmax(logit / temperature), with the runtime's own
   *  generator (splitmix64 seeded by \p seed: the same seed gives the same
   *  tokens, not PyTorch's). */
  int32_t top_k;
  float temperature; /**< > 0 when sampling; 0 means 1 */
  uint64_t seed;
  int32_t use_eos; /**< non-zero: stop after generating eos_id */
  int64_t eos_id;
  /** The other inputs' data (an encoder's source sequence, say), one
   *  pointer per model input in model order, of its declared dtype and
   *  shape, the same for every run; the token input's entry is ignored.
   *  May be null when the token is the model's only input. */
  const void *const *inputs;
} heed_generate_options;

/** What heed_model_generate measured. */
typedef struct heed_generate_stats {
  double prefill_ms;          /**< running the prompt's tokens */
  double decode_ms_per_token; /**< median run per generated token after the
                                   first (0 when fewer than 2) */
} heed_generate_stats;

/** The input heed_model_generate feeds the token id to: the model's one
 *  input of one i64 or i32 element. HEED_ERROR_INVALID_ARGUMENT when the
 *  model declares no state, or has no such input or several (the message
 *  lists the inputs). */
heed_status heed_model_token_input(const heed_model *model, int32_t *index);

/** Generates tokens with a model that declares state (a decoder with a KV
 *  cache, docs/language.md "State"): its one input of one integer element
 *  (i64 or i32) takes the token id, any other inputs come from
 *  \p options->inputs, and its first output holds the next token's logits
 *  (f32 or bf16, the vocabulary on the last axis, one position). Resets the
 *  state, runs the model on each of the \p prompt_len (>= 1) prompt tokens,
 *  then picks a token from the logits, writes it to \p tokens and feeds it
 *  back, until \p options->max_new_tokens tokens or the eos token.
 *  \p tokens has room for max_new_tokens ids; \p num_tokens receives how
 *  many were written; \p stats may be null. A model holds one sequence's
 *  state: generate with one model from one thread at a time (runs are
 *  serialised, but two interleaved generations would share the cache). */
heed_status heed_model_generate(heed_model *model, const int64_t *prompt,
                                int32_t prompt_len,
                                const heed_generate_options *options,
                                int64_t *tokens, int32_t *num_tokens,
                                heed_generate_stats *stats);
/** Bytes of the model's arena plus the kernels' scratch memory. */
size_t heed_model_memory_bytes(const heed_model *model);

/** Runs the model: copies \p inputs (in input order, matching dtype and
 *  shape) into the arena, executes the task graph and copies the results
 *  into \p outputs (in output order, matching dtype and shape). With bounded
 *  dimensions the inputs may take any sizes in range (the message of a bad
 *  one names the input, the dimension and its range), and the outputs must
 *  have the sizes those give: heed_model_run_alloc creates them. A run at
 *  other sizes than the last one first creates the kernels that depend on
 *  them again. */
heed_status heed_model_run(heed_model *model, heed_tensor *const *inputs,
                           int32_t num_inputs, heed_tensor *const *outputs,
                           int32_t num_outputs);
/** As heed_model_run, creating each output (heed_tensor_free it) at the
 *  shape this run gives it: \p outputs receives \p num_outputs tensors, or
 *  nulls on failure. */
heed_status heed_model_run_alloc(heed_model *model, heed_tensor *const *inputs,
                                 int32_t num_inputs, heed_tensor **outputs,
                                 int32_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HEED_RUNTIME_H */
