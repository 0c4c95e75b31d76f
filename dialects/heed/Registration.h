//===- Registration.h - Register every Heed dialect -------------*- C++ -*-===//

#ifndef HEED_DIALECTS_REGISTRATION_H
#define HEED_DIALECTS_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace heed {

/// Adds the heed, attn and heedrt dialects and the upstream dialects they use
/// (func) to \p registry.
void registerHeedDialects(mlir::DialectRegistry &registry);

} // namespace heed

#endif // HEED_DIALECTS_REGISTRATION_H
