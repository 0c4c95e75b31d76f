//===- CppEmitters.cpp - The kernel table as C++ --------------------------===//
//
// -gen-kernel-specs: heed/KernelSpecs.inc, included by heed/KernelSpec.h
//   (enums and the constexpr table; compiler and runtime).
// -gen-kernel-attrs: KernelAttrs.inc, included by the runtime's
//   src/KernelAttrs.h (one struct per attribute set and its reader).
//
//===----------------------------------------------------------------------===//

#include "KernelRecords.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/TableGen/TableGenBackend.h"

#include <map>

using namespace llvm;
using namespace heed::tblgen;

namespace {

/// A C++ string literal.
std::string quote(StringRef s) {
  std::string out;
  raw_string_ostream os(out);
  os << '"';
  os.write_escaped(s);
  os << '"';
  return out;
}

/// `SpecList<T>{array, n}` or an empty list.
std::string listOf(StringRef array, size_t n) {
  if (n == 0)
    return "{nullptr, 0}";
  return ("{" + array + ", " + Twine(n) + "}").str();
}

std::string operandKind(StringRef kind) {
  if (kind == "optional")
    return "KernelOperandKind::Optional";
  if (kind == "variadic")
    return "KernelOperandKind::Variadic";
  return "KernelOperandKind::One";
}

std::string attrKind(StringRef kind) {
  return "KernelAttrKind::" + upperCamelCase(kind);
}

std::string presence(StringRef presence) {
  return "KernelAttrPresence::" + upperCamelCase(presence);
}

/// A C identifier made of \p name (kernel names may be C++ keywords).
std::string ident(StringRef prefix, StringRef name) {
  return (prefix + "_" + name).str();
}

void emitOperands(raw_ostream &os, StringRef array,
                  const std::vector<Operand> &operands) {
  if (operands.empty())
    return;
  os << "inline constexpr KernelOperandSpec " << array << "[] = {\n";
  for (const Operand &o : operands)
    os << "    {" << quote(o.name) << ", " << operandKind(o.kind) << ", "
       << quote(o.summary) << "},\n";
  os << "};\n";
}

} // namespace

bool heed::tblgen::emitKernelSpecs(const KernelTable &table, raw_ostream &os) {
  emitSourceFileHeader("The kernels of libheedrt (runtime/kernels/Kernels.td)",
                       os);

  os << "#ifdef HEED_GET_KERNEL_ENUM_DECLS\n#undef "
        "HEED_GET_KERNEL_ENUM_DECLS\n";
  for (const Enum &e : table.enums) {
    os << "\n/// " << e.summary << "\nenum class " << e.name
       << " : int64_t {\n";
    for (const EnumCase &c : e.cases)
      os << "  " << c.cppName << " = " << c.value << ", ///< " << c.summary
         << "\n";
    os << "};\n";
  }
  os << "\n/// The element types a kernel computes in natively; the compiler "
        "casts\n/// the others to f32 around it.\nenum class KernelDTypes {\n";
  for (const DTypes &d : table.dtypes)
    os << "  " << d.cppName << ", ///< " << d.summary << "\n";
  os << "};\n#endif // HEED_GET_KERNEL_ENUM_DECLS\n\n";

  os << "#ifdef HEED_GET_KERNEL_SPECS\n#undef HEED_GET_KERNEL_SPECS\n";
  // Enumerations: case tables, names.
  for (const Enum &e : table.enums) {
    os << "\nnamespace detail {\ninline constexpr KernelEnumCaseSpec k"
       << e.name << "Cases[] = {\n";
    for (const EnumCase &c : e.cases)
      os << "    {" << quote(c.name) << ", " << c.value << ", "
         << quote(c.summary) << "},\n";
    os << "};\n} // namespace detail\n";
    os << "inline constexpr KernelEnumSpec k" << e.name << "Spec = {"
       << quote(e.name) << ", "
       << listOf("detail::k" + e.name + "Cases", e.cases.size()) << ", "
       << quote(e.summary) << "};\n";
    os << "/// The name of \\p value (\"\" for a value outside the enum).\n"
       << "constexpr std::string_view stringify(" << e.name
       << " value) {\n  switch (value) {\n";
    for (const EnumCase &c : e.cases)
      os << "  case " << e.name << "::" << c.cppName << ":\n    return "
         << quote(c.name) << ";\n";
    os << "  }\n  return \"\";\n}\n";
    os << "/// The case called \\p name.\nconstexpr std::optional<" << e.name
       << "> symbolize" << e.name << "(std::string_view name) {\n";
    for (const EnumCase &c : e.cases)
      os << "  if (name == " << quote(c.name) << ")\n    return " << e.name
         << "::" << c.cppName << ";\n";
    os << "  return std::nullopt;\n}\n";
  }

  os << "\ninline constexpr KernelDTypesSpec kKernelDTypesSpecs[] = {\n";
  for (const DTypes &d : table.dtypes)
    os << "    {KernelDTypes::" << d.cppName << ", " << quote(d.cppName) << ", "
       << quote(d.summary) << "},\n";
  os << "};\n";

  // Attribute sets.
  os << "\nnamespace detail {\n";
  for (const AttrSet &s : table.attrSets) {
    if (s.attrs.empty())
      continue;
    os << "inline constexpr KernelAttrSpec k" << s.name << "[] = {\n";
    for (const Attr &a : s.attrs)
      os << "    {" << quote(a.name) << ", " << attrKind(a.kind) << ", "
         << presence(a.presence) << ", " << quote(a.defaultValue) << ", "
         << a.length << ", "
         << (a.enumType ? "&k" + a.enumType->name + "Spec" : "nullptr") << ", "
         << quote(a.summary) << "},\n";
    os << "};\n";
  }
  // Operands.
  for (const Kernel &k : table.kernels) {
    emitOperands(os, ident("kInputs", k.name), k.inputs);
    emitOperands(os, ident("kOutputs", k.name), k.outputs);
  }
  os << "} // namespace detail\n";

  // The table, sorted by name.
  std::vector<const Kernel *> sorted;
  for (const Kernel &k : table.kernels)
    sorted.push_back(&k);
  llvm::sort(sorted, [](const Kernel *a, const Kernel *b) {
    return a->name < b->name;
  });
  os << "\n/// Every kernel, sorted by name.\n"
     << "inline constexpr KernelSpec kKernelSpecs[] = {\n";
  for (const Kernel *k : sorted) {
    uint32_t inPlace = 0;
    if (k->inPlaceAll)
      inPlace = ~0u;
    for (int64_t i : k->inPlace)
      inPlace |= 1u << i;
    os << "    {" << quote(k->name) << ", " << quote(k->family) << ", "
       << quote(k->summary) << ", KernelDTypes::" << k->dtypes->cppName << ", "
       << listOf("detail::" + ident("kInputs", k->name), k->inputs.size())
       << ", "
       << listOf("detail::" + ident("kOutputs", k->name), k->outputs.size())
       << ", " << quote(k->attrs->name) << ", "
       << listOf("detail::k" + k->attrs->name, k->attrs->attrs.size()) << ", "
       << format("0x%08x", inPlace) << "u},\n";
  }
  os << "};\n#endif // HEED_GET_KERNEL_SPECS\n";
  return false;
}

namespace {

/// The C++ type of an attribute's field.
std::string fieldType(const Attr &a) {
  std::string t;
  if (a.kind == "int")
    t = "int64_t";
  else if (a.kind == "flag")
    t = "bool";
  else if (a.kind == "float")
    t = "double";
  else if (a.kind == "ints")
    t = "std::vector<int64_t>";
  else
    t = "::heed::" + a.enumType->name;
  return a.presence == "optional" ? "std::optional<" + t + ">" : t;
}

/// The field's initializer: its default, or a zero value.
std::string fieldInit(const Attr &a) {
  if (a.presence == "optional")
    return "";
  if (a.presence == "required")
    return a.kind == "ints" ? "" : "{}";
  if (a.kind == "enum")
    return " = ::heed::" + a.enumType->name +
           "::" + upperCamelCase(a.defaultValue);
  if (a.kind == "ints")
    return " = std::vector<int64_t>" + a.defaultValue;
  return " = " + a.defaultValue;
}

/// An expression reading attribute \p a from `attrs`, known to be present
/// when \p present.
std::string readExpr(const Attr &a, bool present) {
  std::string name = quote(a.name);
  bool dflt = !present && a.presence == "default";
  std::string fallback = dflt ? ", r." + a.fieldName : "";
  if (a.kind == "int")
    return "attrs.getInt(" + name + fallback + ")";
  if (a.kind == "flag")
    return "attrs.getInt(" + name + fallback + ") != 0";
  if (a.kind == "float")
    return "attrs.getFloat(" + name + fallback + ")";
  if (a.kind == "ints")
    return "attrs.getInts(" + name + fallback + ")";
  std::string e = "::heed::" + a.enumType->name;
  return "static_cast<" + e + ">(attrs.getInt(" + name +
         (dflt ? ", static_cast<int64_t>(r." + a.fieldName + ")" : "") + "))";
}

} // namespace

bool heed::tblgen::emitKernelAttrs(const KernelTable &table, raw_ostream &os) {
  emitSourceFileHeader(
      "Typed attributes of libheedrt's kernels (runtime/kernels/Kernels.td)",
      os);
  // Which kernels use each set, for the comments.
  std::map<std::string, std::vector<std::string>> users;
  for (const Kernel &k : table.kernels)
    users[k.attrs->name].push_back(k.name);
  for (const AttrSet &s : table.attrSets) {
    if (s.attrs.empty())
      continue;
    os << "\n/// The attributes of " << join(users[s.name], ", ") << ".\n";
    os << "struct " << s.name << " {\n";
    for (const Attr &a : s.attrs)
      os << "  /// " << a.name << ": " << a.summary << "\n  " << fieldType(a)
         << " " << a.fieldName << fieldInit(a) << ";\n";
    os << "\n  /// Reads a node's attributes (checked against the table when "
          "the\n  /// kernel was created).\n  static "
       << s.name << " read(const Attrs &attrs) {\n    " << s.name << " r;\n";
    for (const Attr &a : s.attrs) {
      if (a.presence == "optional")
        os << "    if (attrs.has(" << quote(a.name) << "))\n      r."
           << a.fieldName << " = " << readExpr(a, true) << ";\n";
      else
        os << "    r." << a.fieldName << " = " << readExpr(a, false) << ";\n";
    }
    os << "    return r;\n  }\n};\n";
  }
  return false;
}
