//===- KernelRecords.cpp - The kernel table read from TableGen ------------===//

#include "KernelRecords.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Record.h"

#include <algorithm>

using namespace llvm;
using namespace heed::tblgen;

std::string heed::tblgen::camelCase(StringRef snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? (char)toupper(c) : c);
    upper = false;
  }
  return out;
}

std::string heed::tblgen::upperCamelCase(StringRef snake) {
  std::string out = camelCase(snake);
  if (!out.empty())
    out[0] = (char)toupper(out[0]);
  return out;
}

namespace {

/// Records of \p className in declaration order.
std::vector<Record *> inOrder(const RecordKeeper &records,
                              StringRef className) {
  std::vector<Record *> defs = records.getAllDerivedDefinitions(className);
  llvm::sort(defs, LessRecordByID());
  return defs;
}

/// The operands of an `(ins ...)`/`(outs ...)` dag; checks that optional
/// operands follow the required ones and a variadic one comes last.
bool readOperands(Record *kernel, StringRef field, StringRef op,
                  std::vector<Operand> &out) {
  DagInit *dag = kernel->getValueAsDag(field);
  if (dag->getOperator()->getAsString() != op) {
    PrintError(kernel, field + " must be an (" + op + " ...) dag");
    return false;
  }
  for (unsigned i = 0; i < dag->getNumArgs(); ++i) {
    auto *def = dyn_cast<DefInit>(dag->getArg(i));
    if (!def || !def->getDef()->isSubClassOf("KernelOperand") ||
        dag->getArgNameStr(i).empty()) {
      PrintError(kernel, field + ": operand " + Twine(i) +
                             " must be an Arg, OptionalArg or VariadicArg "
                             "with a $name");
      return false;
    }
    Operand o;
    o.name = dag->getArgNameStr(i).str();
    o.kind = def->getDef()->getValueAsString("kind").str();
    o.summary = def->getDef()->getValueAsString("summary").str();
    if (!out.empty()) {
      StringRef prev = out.back().kind;
      if (prev == "variadic" || (prev == "optional" && o.kind == "one")) {
        PrintError(kernel, field + ": '" + o.name +
                               "' comes after an optional or variadic "
                               "operand");
        return false;
      }
    }
    out.push_back(std::move(o));
  }
  return true;
}

bool readAttr(Record *set, StringRef name, Record *def,
              const DenseMap<Record *, const Enum *> &enums,
              std::vector<Attr> &out) {
  Attr a;
  a.name = name.str();
  a.fieldName = camelCase(name);
  a.kind = def->getValueAsString("kind").str();
  a.presence = def->getValueAsString("presence").str();
  a.defaultValue = def->getValueAsString("defaultValue").str();
  a.length = def->getValueAsInt("length");
  a.summary = def->getValueAsString("summary").str();
  if (a.kind == "enum") {
    Record *e = def->getValueAsDef("enum");
    a.enumType = enums.lookup(e);
    auto known = [&](const EnumCase &c) { return c.name == a.defaultValue; };
    if (a.presence == "default" && !llvm::any_of(a.enumType->cases, known)) {
      PrintError(set, "attribute '" + a.name + "' of set '" + set->getName() +
                          "': default '" + a.defaultValue +
                          "' is not a case of " + a.enumType->name);
      return false;
    }
  }
  out.push_back(std::move(a));
  return true;
}

} // namespace

bool heed::tblgen::readKernelTable(const RecordKeeper &records,
                                   KernelTable &table) {
  DenseMap<Record *, const Enum *> enumOf;
  std::vector<Record *> enumDefs = inOrder(records, "KernelEnum");
  for (Record *r : enumDefs) {
    Enum e;
    e.name = r->getName().str();
    e.summary = r->getValueAsString("summary").str();
    for (Record *c : r->getValueAsListOfDefs("cases"))
      e.cases.push_back({c->getValueAsString("name").str(),
                         upperCamelCase(c->getValueAsString("name")),
                         c->getValueAsInt("value"),
                         c->getValueAsString("summary").str()});
    table.enums.push_back(std::move(e));
  }
  for (auto [r, e] : llvm::zip(enumDefs, table.enums))
    enumOf[r] = &e;

  std::vector<Record *> dtypeDefs = inOrder(records, "KernelDTypes");
  for (Record *r : dtypeDefs)
    table.dtypes.push_back({r->getValueAsString("cppName").str(),
                            r->getValueAsString("summary").str()});

  std::vector<Record *> setDefs = inOrder(records, "KernelAttrs");
  for (Record *r : setDefs) {
    AttrSet set;
    set.name = r->getName().str();
    DagInit *dag = r->getValueAsDag("attrs");
    StringSet<> seen;
    for (unsigned i = 0; i < dag->getNumArgs(); ++i) {
      auto *def = dyn_cast<DefInit>(dag->getArg(i));
      StringRef name = dag->getArgNameStr(i);
      if (!def || !def->getDef()->isSubClassOf("KernelAttr") || name.empty()) {
        PrintError(r, "attribute " + Twine(i) +
                          " must be a KernelAttr with a $name");
        return false;
      }
      if (!seen.insert(name).second) {
        PrintError(r, "attribute '" + name + "' is declared twice");
        return false;
      }
      if (!readAttr(r, name, def->getDef(), enumOf, set.attrs))
        return false;
    }
    table.attrSets.push_back(std::move(set));
  }

  DenseMap<Record *, const AttrSet *> setOf;
  for (auto [r, s] : llvm::zip(setDefs, table.attrSets))
    setOf[r] = &s;
  DenseMap<Record *, const DTypes *> dtypesOf;
  for (auto [r, d] : llvm::zip(dtypeDefs, table.dtypes))
    dtypesOf[r] = &d;

  StringSet<> names;
  for (Record *r : inOrder(records, "Kernel")) {
    Kernel k;
    k.name = r->getValueAsString("name").str();
    k.family = r->getValueAsString("family").str();
    k.summary = r->getValueAsString("summary").str();
    k.dtypes = dtypesOf.lookup(r->getValueAsDef("dtypes"));
    k.attrs = setOf.lookup(r->getValueAsDef("attributes"));
    k.inPlace = r->getValueAsListOfInts("inPlace");
    k.inPlaceAll = r->getValueAsBit("inPlaceAll");
    if (!names.insert(k.name).second) {
      PrintError(r, "kernel '" + k.name + "' is declared twice");
      return false;
    }
    if (!readOperands(r, "inputs", "ins", k.inputs) ||
        !readOperands(r, "outputs", "outs", k.outputs))
      return false;
    if (k.outputs.empty()) {
      PrintError(r, "kernel '" + k.name + "' has no output");
      return false;
    }
    for (int64_t i : k.inPlace)
      if (i < 0 || i >= (int64_t)k.inputs.size() || i >= 32) {
        PrintError(r, "kernel '" + k.name + "': inPlace names input " +
                          Twine(i) + ", which it does not have");
        return false;
      }
    table.kernels.push_back(std::move(k));
  }
  return true;
}
