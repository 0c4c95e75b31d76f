//===- HeedrtDialect.td - The heedrt dialect ---------------*- tablegen -*-===//

#ifndef HEEDRT_DIALECT_TD
#define HEEDRT_DIALECT_TD

include "mlir/IR/OpBase.td"

def Heedrt_Dialect : Dialect {
  let name = "heedrt";
  let cppNamespace = "::heed::heedrt";
  let summary = "Buffer-level execution plans: one op per runtime kernel";
  let description = [{
    A `heedrt.plan` is what libheedrt runs (runtime/include/heed/runtime.h):
    buffers in one arena (`heedrt.buffer`, with the byte offset the memory
    planner chose), read-only data (`heedrt.weight` for named model
    parameters, `heedrt.constant` for literals), views that reinterpret a
    buffer's shape (`heedrt.view`), the named inputs and outputs, and
    `heedrt.kernel` nodes, each one call of a runtime kernel. Nodes run as if
    in program order; the runtime orders them by the arena bytes they touch.

    `heed-to-heedrt` produces a plan from a tensor-level graph,
    `heedrt-plan-memory` assigns the arena offsets, and `heedrt-to-llvm`
    turns a planned plan into code that builds it through the C API.
  }];
  let usePropertiesForAttributes = 0;
}

#endif // HEEDRT_DIALECT_TD
