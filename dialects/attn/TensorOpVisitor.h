//===- TensorOpVisitor.h - Every op of the heed and attn dialects -*- C++
//-*-===//
//
// The consumers that must handle every tensor-level op (the reference
// interpreter, the FLOP counter, the lowering to heedrt, the frontend's
// generated builtins) dispatch through TensorOpVisitor, in the style of
// CIRCT's CombVisitors.h:
//
//   struct Flops : TensorOpVisitor<Flops, FlopCount> {
//     FlopCount visit(heed::MatmulOp op);
//     template <typename OpTy>
//     std::enable_if_t<hasTrait<OpTy, OpTrait::ElementwiseMap>(), FlopCount>
//     visit(OpTy op);
//     ...
//     FlopCount visitUnknown(Operation *op); // ops of other dialects
//   };
//
// dispatch() calls the consumer's `visit` for the op's class, for every op
// of both dialects (the ODS op lists): an op without a matching overload is
// a compile error naming it, never a silent default. Categories of ops
// (HeedTraits.h) share an overload through their trait.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_ATTN_TENSOROPVISITOR_H
#define HEED_DIALECTS_ATTN_TENSOROPVISITOR_H

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <string_view>

namespace heed {

/// The name of op class \p OpTy without its dialect ("softmax").
template <typename OpTy> constexpr std::string_view opMnemonic() {
  constexpr llvm::StringLiteral name = OpTy::getOperationName();
  std::string_view full(name.data(), name.size());
  return full.substr(full.find('.') + 1);
}

/// Whether op class \p OpTy has trait \p Trait (for visit overloads).
template <typename OpTy, template <typename> class Trait>
constexpr bool hasTrait() {
  return OpTy::template hasTrait<Trait>();
}

/// A list of op classes.
template <typename... Ops> struct OpClassList {
  /// Calls \p fn with a null op of each class (`fn(heed::ExpOp())`, ...):
  /// compile-time questions about every op class, such as which ones are
  /// builtins.
  template <typename Fn> static void forEach(Fn &&fn) { (fn(Ops()), ...); }
  /// \p caseFn(typed op) for an op of one of the classes, else
  /// \p defaultFn(op).
  template <typename ResultType, typename CaseFn, typename DefaultFn>
  static ResultType dispatch(mlir::Operation *op, CaseFn &&caseFn,
                             DefaultFn &&defaultFn) {
    return llvm::TypeSwitch<mlir::Operation *, ResultType>(op)
        .template Case<Ops...>(caseFn)
        .Default(defaultFn);
  }
};

/// Every op class of the heed and attn dialects.
using TensorOpClasses = OpClassList<
#define GET_OP_LIST
#include "heed/HeedOps.cpp.inc"
    ,
#define GET_OP_LIST
#include "attn/AttnOps.cpp.inc"
    >;

template <typename ConcreteType, typename ResultType = void,
          typename... ExtraArgs>
class TensorOpVisitor {
public:
  /// Calls the consumer's `visit(OpTy, args...)` for \p op's class, or
  /// `visitUnknown(op, args...)` for an op of another dialect.
  ResultType dispatch(mlir::Operation *op, ExtraArgs... args) {
    auto *self = static_cast<ConcreteType *>(this);
    return TensorOpClasses::dispatch<ResultType>(
        op,
        [&](auto typed) -> ResultType { return self->visit(typed, args...); },
        [&](mlir::Operation *other) -> ResultType {
          return self->visitUnknown(other, args...);
        });
  }
};

} // namespace heed

#endif // HEED_DIALECTS_ATTN_TENSOROPVISITOR_H
