//===- KernelRecords.h - The kernel table read from TableGen ----*- C++ -*-===//
//
// runtime/kernels/Kernels.td as plain structs, so that the emitters
// (CppEmitters.cpp, DocEmitter.cpp) never touch TableGen records directly
// and every consistency check happens once, here.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDTBLGEN_KERNELRECORDS_H
#define HEED_TOOLS_HEEDTBLGEN_KERNELRECORDS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class RecordKeeper;
} // namespace llvm

namespace heed::tblgen {

struct EnumCase {
  std::string name;    ///< "causal"
  std::string cppName; ///< "Causal"
  int64_t value = 0;
  std::string summary;
};

struct Enum {
  std::string name; ///< the C++ enum, e.g. "AttentionStructure"
  std::string summary;
  std::vector<EnumCase> cases;
};

struct DTypes {
  std::string cppName; ///< the KernelDTypes enumerator
  std::string summary;
};

struct Operand {
  std::string name;
  std::string kind; ///< "one", "optional", "variadic"
  std::string summary;
};

struct Attr {
  std::string name;      ///< as plans carry it: "has_mask"
  std::string fieldName; ///< camelCase: "hasMask"
  std::string kind;      ///< "int", "flag", "float", "ints", "enum"
  std::string presence;  ///< "default", "required", "optional"
  std::string defaultValue;
  int64_t length = 0;
  const Enum *enumType = nullptr;
  std::string summary;
};

struct AttrSet {
  std::string name; ///< the C++ struct, e.g. "AttentionAttrs"
  std::vector<Attr> attrs;
};

struct Kernel {
  std::string name, family, summary;
  const DTypes *dtypes = nullptr;
  std::vector<Operand> inputs, outputs;
  const AttrSet *attrs = nullptr;
  std::vector<int64_t> inPlace;
  bool inPlaceAll = false;
};

/// Everything Kernels.td declares, in declaration order.
struct KernelTable {
  std::vector<Enum> enums;
  std::vector<DTypes> dtypes;
  std::vector<AttrSet> attrSets;
  std::vector<Kernel> kernels;
};

/// Reads and checks the table; reports errors through TableGen's
/// PrintError and returns false when there are any.
bool readKernelTable(const llvm::RecordKeeper &records, KernelTable &table);

/// "has_mask" -> "hasMask".
std::string camelCase(llvm::StringRef snake);
/// "causal" -> "Causal".
std::string upperCamelCase(llvm::StringRef snake);

bool emitKernelSpecs(const KernelTable &table, llvm::raw_ostream &os);
bool emitKernelAttrs(const KernelTable &table, llvm::raw_ostream &os);
bool emitKernelDocs(const KernelTable &table, llvm::raw_ostream &os);

} // namespace heed::tblgen

#endif // HEED_TOOLS_HEEDTBLGEN_KERNELRECORDS_H
