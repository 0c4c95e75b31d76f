//===- KernelBase.td - The vocabulary of the kernel table --*- tablegen -*-===//
//
// Kernels.td declares every kernel of libheedrt with the records below;
// heed-tblgen (tools/heed-tblgen) turns the declarations into
//   - heed/KernelSpecs.inc: the enums shared by the compiler and the runtime
//     and a constexpr table of every kernel (operands, dtypes, in-place
//     legality, attributes), read by the heedrt.kernel verifier, the
//     lowering, the memory planner and the runtime's attribute checks;
//   - KernelAttrs.inc: one C++ struct per attribute set, with the function
//     that reads it from a plan node, used by the kernels;
//   - the kernel reference in docs/runtime.md.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_KERNEL_BASE_TD
#define HEED_KERNEL_BASE_TD

//===----------------------------------------------------------------------===//
// Enumerations
//===----------------------------------------------------------------------===//

/// One case of an enumeration: its name (used by the compiler, messages and
/// the docs; the C++ enumerator is its CamelCase form) and the integer a
/// plan carries.
class KernelEnumCase<string caseName, int caseValue, string caseSummary> {
  string name = caseName;
  int value = caseValue;
  string summary = caseSummary;
}

/// An enumeration: `def E : KernelEnum<...>` becomes `enum class E :
/// int64_t` in namespace heed, shared by the compiler and the runtime.
class KernelEnum<string enumSummary, list<KernelEnumCase> enumCases> {
  string summary = enumSummary;
  list<KernelEnumCase> cases = enumCases;
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// The element types a kernel computes in natively; the lowering casts the
/// others to f32 around the kernel. `cppName` is the KernelDTypes
/// enumerator.
class KernelDTypes<string enumerator, string dtypesSummary> {
  string cppName = enumerator;
  string summary = dtypesSummary;
}

def F32DTypes : KernelDTypes<"F32",
    "f32; f16 and bf16 operands are computed in f32 by casts; integer and "
    "i1 operands are passed as they are (to the kernels that take them)">;
def NumericDTypes : KernelDTypes<"Numeric",
    "f32, i64 and i32; f16, bf16 and i1 are computed in f32 by casts (for "
    "i1 that is exact on 0 and 1, the result rounded back as x != 0)">;
def F32OrBF16DTypes : KernelDTypes<"F32OrBF16",
    "f32, and bf16 with f32 accumulation for the main operands">;
def AnyDTypes : KernelDTypes<"Any", "every dtype (the kernel moves bytes)">;

//===----------------------------------------------------------------------===//
// Operands
//===----------------------------------------------------------------------===//

def ins;
def outs;
def attrs;

/// An input or output of a kernel, named in its `inputs`/`outputs` dag.
class KernelOperand<string operandKind, string operandSummary> {
  /// "one", "optional" (at most one, after the required ones) or
  /// "variadic" (any number, last).
  string kind = operandKind;
  string summary = operandSummary;
}
class Arg<string summary> : KernelOperand<"one", summary>;
class OptionalArg<string summary> : KernelOperand<"optional", summary>;
class VariadicArg<string summary> : KernelOperand<"variadic", summary>;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// An attribute of a kernel node (heed_plan_set_int, _ints, _float).
class KernelAttr<string attrKind, string attrSummary> {
  /// "int", "flag" (an int, 0 or 1), "float", "ints" (an integer list) or
  /// "enum" (an int, one of the values of `enum`).
  string kind = attrKind;
  string summary = attrSummary;
  /// What an absent attribute means: "default" (defaultValue), "required"
  /// (an error) or "optional" (the kernel decides, as the summary says: a
  /// default derived from the operands, or required in some configurations).
  string presence = "default";
  /// The default as a C++ literal (an enum case name for enums).
  string defaultValue = "";
  /// For kind "ints": the exact length, or 0 for any.
  int length = 0;
  /// For kind "enum".
  KernelEnum enum = ?;
}

class Int<int dflt, string summary> : KernelAttr<"int", summary> {
  let defaultValue = !cast<string>(dflt);
}
class RequiredInt<string summary> : KernelAttr<"int", summary> {
  let presence = "required";
}
class OptionalInt<string summary> : KernelAttr<"int", summary> {
  let presence = "optional";
}
class Flag<bit dflt, string summary> : KernelAttr<"flag", summary> {
  let defaultValue = !if(dflt, "true", "false");
}
class OptionalFlag<string summary> : KernelAttr<"flag", summary> {
  let presence = "optional";
}
class Float<string dflt, string summary> : KernelAttr<"float", summary> {
  let defaultValue = dflt;
}
class RequiredFloat<string summary> : KernelAttr<"float", summary> {
  let presence = "required";
}
/// An integer list, empty when absent unless `dflt` says otherwise.
class Ints<string summary, int len = 0, string dflt = "{}">
    : KernelAttr<"ints", summary> {
  let length = len;
  let defaultValue = dflt;
}
class RequiredInts<string summary, int len = 0> : KernelAttr<"ints", summary> {
  let presence = "required";
  let length = len;
}
class OptionalInts<string summary, int len = 0> : KernelAttr<"ints", summary> {
  let presence = "optional";
  let length = len;
}
class Enum<KernelEnum e, string dflt, string summary>
    : KernelAttr<"enum", summary> {
  let enum = e;
  let defaultValue = dflt;
}

/// The attributes of one or more kernels: `def XAttrs : KernelAttrs<...>`
/// becomes `struct XAttrs` in the runtime, with a field per attribute
/// (camelCase of its name) and `static XAttrs read(const Attrs &)`.
class KernelAttrs<dag attributes> {
  dag attrs = attributes;
}

def NoAttrs : KernelAttrs<(attrs)>;

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// A kernel of libheedrt, registered under `kernelName` by the file
/// runtime/kernels/cpu/`kernelFamily`.cpp.
class Kernel<string kernelName, string kernelFamily> {
  string name = kernelName;
  string family = kernelFamily;
  string summary = "";
  KernelDTypes dtypes = F32DTypes;
  dag inputs = (ins);
  dag outputs = (outs Arg<"">:$y);
  KernelAttrs attributes = NoAttrs;
  /// The inputs output 0 may overwrite when both have the same type and the
  /// input is not read afterwards (the kernel reads each element, or each
  /// row, before writing it); `inPlaceAll` allows every input.
  list<int> inPlace = [];
  bit inPlaceAll = 0;
}

#endif // HEED_KERNEL_BASE_TD
