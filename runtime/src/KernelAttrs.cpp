//===- KernelAttrs.cpp - Checking a node's attributes against the table ---===//

#include "KernelAttrs.h"
#include "Error.h"

#include <string>

namespace heed::rt {

namespace {

std::string str(std::string_view s) { return std::string(s); }

/// "0 none, 1 causal, 2 window, 3 blocks".
std::string enumCases(const KernelEnumSpec &e) {
  std::string cases;
  for (const KernelEnumCaseSpec &c : e.cases)
    cases += (cases.empty() ? "" : ", ") + std::to_string(c.value) + " " +
             str(c.name);
  return cases;
}

[[noreturn]] void invalid(const KernelSpec &spec, const std::string &message) {
  fail(HEED_ERROR_INVALID_ARGUMENT, str(spec.name) + ": " + message);
}

/// The declaration of attribute \p name; an error when there is none.
const KernelAttrSpec &declared(const KernelSpec &spec,
                               const std::string &name) {
  if (const KernelAttrSpec *a = spec.attr(name))
    return *a;
  std::string names = spec.attrNames();
  invalid(spec, "unknown attribute '" + name + "' (" + str(spec.name) +
                    " takes " + (names.empty() ? "no attributes" : names) +
                    ")");
}

/// An attribute set as an integer (or integer list) checked against \p a.
void checkInts(const KernelSpec &spec, const KernelAttrSpec &a,
               const std::vector<int64_t> &values) {
  std::string name = str(a.name);
  switch (a.kind) {
  case KernelAttrKind::Float:
    invalid(spec, "attribute '" + name +
                      "' is a float; set it with heed_plan_set_float");
  case KernelAttrKind::Ints:
    return; // lengths are the kernel's to check, with its own message
  case KernelAttrKind::Int:
  case KernelAttrKind::Flag:
  case KernelAttrKind::Enum:
    if (values.size() != 1)
      invalid(spec, "attribute '" + name + "' must be one integer");
    break;
  }
  int64_t v = values[0];
  if (a.kind == KernelAttrKind::Flag && v != 0 && v != 1)
    invalid(spec, name + " must be 0 or 1, got " + std::to_string(v));
  if (a.kind == KernelAttrKind::Enum && !a.enumSpec->lookup(v))
    invalid(spec, "unknown " + name + " " + std::to_string(v) + " (expected " +
                      enumCases(*a.enumSpec) + ")");
}

} // namespace

void checkAttributes(const KernelSpec &spec, const Attrs &attrs) {
  attrs.forEachInts(
      [&](const std::string &name, const std::vector<int64_t> &values) {
        checkInts(spec, declared(spec, name), values);
      });
  attrs.forEachFloat([&](const std::string &name, double) {
    KernelAttrKind kind = declared(spec, name).kind;
    if (kind != KernelAttrKind::Float)
      invalid(spec, "attribute '" + name +
                        "' is an integer; set it with heed_plan_set_int" +
                        (kind == KernelAttrKind::Ints ? "s" : ""));
  });
  for (const KernelAttrSpec &a : spec.attrs) {
    if (a.presence != KernelAttrPresence::Required || attrs.has(str(a.name)))
      continue;
    const char *what = a.kind == KernelAttrKind::Float  ? "float attribute"
                       : a.kind == KernelAttrKind::Ints ? "attribute"
                                                        : "integer attribute";
    invalid(spec, std::string("missing ") + what + " '" + str(a.name) + "'");
  }
}

} // namespace heed::rt
