//===- HeedDialect.td - The heed dialect -------------------*- tablegen -*-===//

#ifndef HEED_DIALECT_TD
#define HEED_DIALECT_TD

include "mlir/IR/OpBase.td"

def Heed_Dialect : Dialect {
  let name = "heed";
  let cppNamespace = "::heed";
  let summary = "Model-level tensor ops of the .heed graph language";
  let description = [{
    One op per operation of the .heed language (docs/language.md). Operands
    and results are statically shaped tensors of f32, bf16, f16, i64, i32 or
    i1. Every op infers its result types from its operands and attributes;
    the verifier checks the declared types against that inference, so a
    shape or dtype error names the op and says what was expected.

    Inherent attributes are kept in the attribute dictionary (not in
    properties) so the frontend can build any op generically from a name, an
    operand list and a dictionary, and ask the op itself for its result types.
  }];
  let usePropertiesForAttributes = 0;
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // HEED_DIALECT_TD
