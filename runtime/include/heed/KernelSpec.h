//===- KernelSpec.h - What every kernel of libheedrt takes ------*- C++ -*-===//
//
// The kernel table, generated from runtime/kernels/Kernels.td by heed-tblgen
// into heed/KernelSpecs.inc: for each kernel its operands, the dtypes it
// computes in, which inputs its output may overwrite and its attributes,
// and the enums those attributes use (AttentionStructure, Activation). The
// compiler reads it to verify and lower plans, the runtime to check a plan's
// attributes, docs/runtime.md shows it. Standard C++ only, and constexpr, so
// that the compiler can check at build time that an op has a kernel.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_KERNELSPEC_H
#define HEED_KERNELSPEC_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace heed {

#define HEED_GET_KERNEL_ENUM_DECLS
#include "heed/KernelSpecs.inc"

/// A constant list of the table.
template <typename T> struct SpecList {
  const T *items = nullptr;
  size_t count = 0;
  constexpr const T *begin() const { return items; }
  constexpr const T *end() const { return items + count; }
  constexpr size_t size() const { return count; }
  constexpr bool empty() const { return count == 0; }
  constexpr const T &operator[](size_t i) const { return items[i]; }
};

struct KernelEnumCaseSpec {
  std::string_view name;
  int64_t value;
  std::string_view summary;
};

/// An enumeration attributes may use.
struct KernelEnumSpec {
  std::string_view name;
  SpecList<KernelEnumCaseSpec> cases;
  std::string_view summary;

  /// The case whose value is \p value, or null.
  constexpr const KernelEnumCaseSpec *lookup(int64_t value) const {
    for (const KernelEnumCaseSpec &c : cases)
      if (c.value == value)
        return &c;
    return nullptr;
  }
};

struct KernelDTypesSpec {
  KernelDTypes dtypes;
  std::string_view name, summary;
};

enum class KernelAttrKind {
  Int,   ///< one integer
  Flag,  ///< one integer, 0 or 1
  Float, ///< one double
  Ints,  ///< an integer list
  Enum,  ///< one integer, a value of enumSpec
};

/// What an absent attribute means.
enum class KernelAttrPresence {
  Default,  ///< defaultValue
  Required, ///< an error
  Optional, ///< the kernel decides (its summary says how)
};

struct KernelAttrSpec {
  std::string_view name;
  KernelAttrKind kind;
  KernelAttrPresence presence;
  std::string_view defaultValue; ///< a C++ literal, or an enum case name
  int64_t length;                ///< Ints: the exact length, or 0 for any
  const KernelEnumSpec *enumSpec;
  std::string_view summary;
};

enum class KernelOperandKind { One, Optional, Variadic };

struct KernelOperandSpec {
  std::string_view name;
  KernelOperandKind kind;
  std::string_view summary;
};

/// One kernel of libheedrt.
struct KernelSpec {
  std::string_view name;
  std::string_view family; ///< its file in runtime/kernels/cpu/, no suffix
  std::string_view summary;
  KernelDTypes dtypes;
  SpecList<KernelOperandSpec> inputs, outputs;
  std::string_view attrSetName; ///< the runtime's struct of its attributes
  SpecList<KernelAttrSpec> attrs;
  /// Bit i: output 0 may be the very bytes of input i when both have the
  /// same type and the input is not read afterwards.
  uint32_t inPlaceInputs;

  /// The attribute called \p name, or null.
  constexpr const KernelAttrSpec *attr(std::string_view name) const {
    for (const KernelAttrSpec &a : attrs)
      if (a.name == name)
        return &a;
    return nullptr;
  }
  /// "scale, structure, window": its attributes' names, for messages (empty
  /// when it has none).
  std::string attrNames() const {
    std::string names;
    for (const KernelAttrSpec &a : attrs)
      names += (names.empty() ? "" : ", ") + std::string(a.name);
    return names;
  }
  /// How many inputs or outputs the kernel takes: [min, max], max = -1 when
  /// unbounded.
  static constexpr std::pair<int64_t, int64_t>
  arity(SpecList<KernelOperandSpec> operands) {
    int64_t lo = 0, hi = 0;
    for (const KernelOperandSpec &o : operands) {
      if (o.kind == KernelOperandKind::Variadic)
        return {lo, -1};
      lo += o.kind == KernelOperandKind::One;
      ++hi;
    }
    return {lo, hi};
  }
  constexpr std::pair<int64_t, int64_t> inputArity() const {
    return arity(inputs);
  }
  constexpr std::pair<int64_t, int64_t> outputArity() const {
    return arity(outputs);
  }
};

#define HEED_GET_KERNEL_SPECS
#include "heed/KernelSpecs.inc"

/// Every kernel, sorted by name.
constexpr SpecList<KernelSpec> allKernelSpecs() {
  return {kKernelSpecs, sizeof(kKernelSpecs) / sizeof(kKernelSpecs[0])};
}

/// What lookupKernelSpec finds: a pointer to the kernel's entry, or null.
/// It converts to `const KernelSpec *` and compares with nullptr as a
/// pointer does, but its comparison with nullptr is a constant expression
/// even where GCC keeps null checks (-fsanitize=null, the asan preset):
/// there GCC cannot compare an object's address with null at compile time,
/// and the compiler's static_asserts on the kernel table do exactly that.
class FoundKernelSpec {
public:
  /// Found: \p spec.
  constexpr FoundKernelSpec(const KernelSpec &spec)
      : spec(&spec), found(true) {}
  /// Not found.
  constexpr FoundKernelSpec(std::nullptr_t) : spec(nullptr), found(false) {}

  constexpr operator const KernelSpec *() const { return spec; }
  constexpr const KernelSpec *operator->() const { return spec; }
  constexpr const KernelSpec &operator*() const { return *spec; }

  friend constexpr bool operator==(FoundKernelSpec f, std::nullptr_t) {
    return !f.found;
  }
  friend constexpr bool operator!=(FoundKernelSpec f, std::nullptr_t) {
    return f.found;
  }

private:
  const KernelSpec *spec;
  bool found;
};

/// The kernel called \p name, or null when libheedrt has none.
constexpr FoundKernelSpec lookupKernelSpec(std::string_view name) {
  for (const KernelSpec &k : allKernelSpecs())
    if (k.name == name)
      return FoundKernelSpec(k);
  return nullptr;
}

/// Whether libheedrt has a kernel called \p kernel and, when \p attr is
/// given, whether that kernel has an attribute called \p attr. The same
/// answer as comparing lookupKernelSpec with null, but one that GCC can give
/// in a constant expression when it keeps null checks (-fsanitize=null, the
/// asan preset): KernelNames.h checks names with it at build time.
constexpr bool hasKernelSpec(std::string_view kernel,
                             std::optional<std::string_view> attr = {}) {
  for (const KernelSpec &k : allKernelSpecs()) {
    if (k.name != kernel)
      continue;
    if (!attr)
      return true;
    for (const KernelAttrSpec &a : k.attrs)
      if (a.name == *attr)
        return true;
  }
  return false;
}

/// The element-type classes with their descriptions, for docs and messages.
constexpr SpecList<KernelDTypesSpec> allKernelDTypes() {
  return {kKernelDTypesSpecs,
          sizeof(kKernelDTypesSpecs) / sizeof(kKernelDTypesSpecs[0])};
}

} // namespace heed

#endif // HEED_KERNELSPEC_H
