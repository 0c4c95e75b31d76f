//===- Pipelines.cpp - The -O0 and -O2 pipelines --------------------------===//

#include "passes/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Module.h"

using namespace mlir;

void heed::buildTensorPipeline(OpPassManager &pm, unsigned optLevel,
                               const PassRemarks &remarks) {
  if (optLevel < 2)
    return;
  pm.addNestedPass<func::FuncOp>(createHeedCanonicalize());
  AttnFuseOptions fuse;
  fuse.remarks = remarks.attnFuse;
  fuse.reportFused = remarks.fused;
  pm.addNestedPass<func::FuncOp>(createAttnFuse(fuse));
  AttnSparsifyOptions sparsify;
  sparsify.remarks = remarks.attnSparsify;
  sparsify.reportFused = remarks.fused;
  pm.addNestedPass<func::FuncOp>(createAttnSparsify(sparsify));
  pm.addNestedPass<func::FuncOp>(createAttnTile());
}

void heed::buildHeedrtPipeline(OpPassManager &pm, unsigned optLevel,
                               Precision precision) {
  pm.addPass(createHeedToHeedrt());
  if (optLevel >= 2) {
    pm.addNestedPass<heedrt::PlanOp>(createHeedrtFusePostOps());
    pm.addNestedPass<heedrt::PlanOp>(createHeedrtAttentionLayout());
  }
  if (precision == Precision::BF16)
    pm.addNestedPass<heedrt::PlanOp>(createHeedrtBf16());
  pm.addNestedPass<heedrt::PlanOp>(createHeedrtPlanMemory());
}

void heed::buildLLVMPipeline(OpPassManager &pm,
                             const LoweringOptions &options) {
  HeedrtToLLVMOptions llvmOptions;
  llvmOptions.externalWeights = options.externalWeights;
  llvmOptions.weightsFile = options.weightsFile;
  llvmOptions.emitMain = options.emitMain;
  pm.addPass(createHeedrtToLLVM(llvmOptions));
}

LogicalResult heed::defineWeights(
    ModuleOp mlirModule, llvm::Module &module,
    llvm::function_ref<std::optional<StringRef>(StringRef, Type)> data) {
  for (auto global : mlirModule.getOps<LLVM::GlobalOp>()) {
    auto name = global->getAttrOfType<StringAttr>(kWeightGlobalAttrName);
    if (!name)
      continue;
    llvm::GlobalVariable *var = module.getGlobalVariable(global.getSymName(),
                                                         /*AllowLocal=*/true);
    auto type = global->getAttrOfType<TypeAttr>(kWeightTypeAttrName);
    std::optional<StringRef> bytes =
        data(name.getValue(), type ? type.getValue() : Type());
    uint64_t size =
        cast<LLVM::LLVMArrayType>(global.getGlobalType()).getNumElements();
    if (!var || !bytes)
      return global.emitError("no data for weight '") << name.getValue() << "'";
    if (bytes->size() != size)
      return global.emitError("weight '")
             << name.getValue() << "' has " << bytes->size()
             << " bytes, the model expects " << size;
    var->setInitializer(llvm::ConstantDataArray::getRaw(
        *bytes, size, llvm::Type::getInt8Ty(module.getContext())));
    var->setLinkage(llvm::GlobalValue::PrivateLinkage);
    var->setConstant(true);
  }
  return success();
}

void heed::registerHeedPipelines() {
  for (unsigned level : {0u, 2u}) {
    std::string name = "heed-lower-O" + std::to_string(level);
    PassPipelineRegistration<>(
        name,
        "Lower a tensor-level Heed module to the LLVM dialect (weights "
        "external)",
        [level](OpPassManager &pm) {
          LoweringOptions options;
          options.optLevel = level;
          options.externalWeights = true;
          buildTensorPipeline(pm, level, PassRemarks());
          buildHeedrtPipeline(pm, level);
          buildLLVMPipeline(pm, options);
        });
  }
}
