//===- HeedTraits.h - Categories of heed ops --------------------*- C++ -*-===//
//
// Traits that put an op in a category whose every member the consumers that
// visit every op (TensorOpVisitor.h: the reference interpreter, the FLOP
// counter, the lowering, the frontend's builtins) treat alike. An op gets a
// category by declaring the trait in HeedOps.td; a consumer handles the
// category with one overload, so an op of a category needs nothing more from
// it. Ops outside every category get an overload of their own in each
// consumer, or the consumer does not compile.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_HEEDTRAITS_H
#define HEED_DIALECTS_HEEDTRAITS_H

#include "mlir/IR/OpDefinition.h"

namespace heed::OpTrait {

/// Every result element is computed from the operand elements at its
/// (broadcast) position, with a constant amount of arithmetic: the FLOP
/// counter counts one per result element.
template <typename ConcreteType>
class ElementwiseMap
    : public mlir::OpTrait::TraitBase<ConcreteType, ElementwiseMap> {};

/// An ElementwiseMap of one operand whose meaning is the op's
/// `static double evaluate(double x)` (declared with the op in HeedOps.td):
/// the reference interpreter maps it over the elements in double and rounds
/// to the result's dtype, the frontend offers it as the builtin named after
/// the op, and the lowering calls the runtime kernel of the same name.
template <typename ConcreteType>
class UnaryMap : public mlir::OpTrait::TraitBase<ConcreteType, UnaryMap> {};

/// Moves, copies, converts or creates data without arithmetic: no FLOPs.
template <typename ConcreteType>
class MovesData : public mlir::OpTrait::TraitBase<ConcreteType, MovesData> {};

/// No builtin of the .heed language is named after the op: the frontend
/// creates it from syntax (literals) or inside other builtins (parameters).
template <typename ConcreteType>
class NoBuiltin : public mlir::OpTrait::TraitBase<ConcreteType, NoBuiltin> {};

} // namespace heed::OpTrait

#endif // HEED_DIALECTS_HEEDTRAITS_H
