//===- heed-tblgen.cpp - TableGen backends of Heed's kernel table ---------===//
//
// Reads runtime/kernels/Kernels.td and writes one of its generated forms:
//   -gen-kernel-specs   heed/KernelSpecs.inc (compiler and runtime)
//   -gen-kernel-attrs   KernelAttrs.inc (the runtime's typed attributes)
//   -gen-kernel-docs    the kernel reference of docs/runtime.md
//
//===----------------------------------------------------------------------===//

#include "KernelRecords.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/TableGen/Main.h"
#include "llvm/TableGen/Record.h"

using namespace llvm;
using namespace heed::tblgen;

namespace {

enum class Action { Specs, Attrs, Docs };

cl::opt<Action> action(
    cl::desc("What to generate:"),
    cl::values(clEnumValN(Action::Specs, "gen-kernel-specs",
                          "the kernel table and enums (heed/KernelSpecs.inc)"),
               clEnumValN(Action::Attrs, "gen-kernel-attrs",
                          "the runtime's typed attributes (KernelAttrs.inc)"),
               clEnumValN(Action::Docs, "gen-kernel-docs",
                          "the kernel reference (Markdown)")),
    cl::Required);

bool generate(raw_ostream &os, RecordKeeper &records) {
  KernelTable table;
  if (!readKernelTable(records, table))
    return true;
  switch (action) {
  case Action::Specs:
    return emitKernelSpecs(table, os);
  case Action::Attrs:
    return emitKernelAttrs(table, os);
  case Action::Docs:
    return emitKernelDocs(table, os);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Heed's kernel table generator\n");
  return TableGenMain(argv[0], generate);
}
