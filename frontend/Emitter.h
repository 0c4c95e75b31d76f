//===- Emitter.h - Evaluation of .heed syntax into MLIR ---------*- C++ -*-===//
//
// Internal to the frontend. The Emitter walks the syntax tree of one graph,
// inlining subgraph calls, and evaluates every expression to a Val: a tensor
// (an MLIR value), several tensors (a multi-result op), or a compile-time
// value (integer, float, bool, string, symbol, list, or a structure such as
// `window(128, 0)`). Builtin ops (Builtins.cpp) receive their arguments bound
// to parameter names in a Call and build heed/attn ops through
// createOp<OpTy> (heed/CreateInferred.h, as the passes do), which asks each
// op for its result types, so shape errors come from the op definitions
// themselves.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_EMITTER_H
#define HEED_FRONTEND_EMITTER_H

#include "AST.h"
#include "Frontend.h"

#include "heed/CreateInferred.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

namespace heed {

/// The value of a .heed expression.
struct Val {
  enum class Kind {
    Tensor,
    Tuple,
    Int,
    Float,
    Bool,
    String,
    Symbol,
    List,
    Struct
  };
  Kind kind = Kind::Int;
  llvm::SMLoc loc;
  mlir::Value tensor;                   ///< Tensor
  llvm::SmallVector<mlir::Value> tuple; ///< Tuple
  int64_t i = 0;                        ///< Int
  double f = 0;                         ///< Float
  bool b = false;                       ///< Bool
  std::string s;          ///< String, Symbol, Struct (constructor name)
  std::vector<Val> items; ///< List items, Struct arguments
  /// Float: "64 / 3" when the value is an integer division that is not
  /// whole, for the error where an integer is expected.
  std::string inexactDivision;

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double number() const { return kind == Kind::Int ? (double)i : f; }
  /// "a tensor f32[2, 3]", "the integer 3", ... for error messages.
  std::string describe() const;
};

/// Names visible while evaluating one graph or one inlined subgraph.
struct Scope {
  llvm::StringMap<Val> values;
  llvm::StringMap<llvm::SMLoc> definedAt;
  std::string paramPrefix;                ///< "" or "encoder.layer.0"
  std::optional<mlir::Location> callSite; ///< set inside inlined subgraphs
  const ast::GraphDecl *graph = nullptr;
  /// The statement being evaluated, the name of the value it defines (the
  /// first assigned name, or the output name in a return), and whether that
  /// name already served as a default parameter prefix.
  const ast::Stmt *stmt = nullptr;
  std::string valueName;
  bool defaultPrefixUsed = false;
};

class Emitter;

/// One call of a builtin op, with its arguments bound to parameter names.
class Call {
public:
  Call(Emitter &em, const ast::Expr &expr, Scope &scope)
      : em(em), expr(expr), scope(scope) {}

  Emitter &em;
  const ast::Expr &expr;
  Scope &scope;
  llvm::StringMap<Val> args;
  std::vector<Val> variadic; ///< ops whose first parameter is `inputs...`
  mlir::Location loc() const;
  llvm::StringRef name() const { return expr.text; }

  mlir::LogicalResult error(const llvm::Twine &message) const;
  mlir::LogicalResult errorAt(const Val &v, const llvm::Twine &message) const;

  bool has(llvm::StringRef param) const { return args.count(param); }
  /// The argument bound to \p param (must be present).
  const Val &arg(llvm::StringRef param) const {
    return args.find(param)->second;
  }

  mlir::FailureOr<mlir::Value> tensor(llvm::StringRef param) const;
  /// An optional tensor argument: null Value when absent or `none`.
  mlir::FailureOr<mlir::Value> optionalTensor(llvm::StringRef param) const;
  mlir::FailureOr<int64_t> integer(llvm::StringRef param,
                                   std::optional<int64_t> dflt = {}) const;
  mlir::FailureOr<double> number(llvm::StringRef param,
                                 std::optional<double> dflt = {}) const;
  mlir::FailureOr<bool> boolean(llvm::StringRef param, bool dflt) const;
  /// An integer list; a single integer is a list of one.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  intList(llvm::StringRef param) const;
  /// An axis normalised to [0, rank) (negative counts from the end).
  mlir::FailureOr<int64_t> axis(llvm::StringRef param, int64_t rank,
                                std::optional<int64_t> dflt = {}) const;
  /// A dtype symbol such as f32.
  mlir::FailureOr<mlir::Type> dtype(llvm::StringRef param,
                                    std::optional<llvm::StringRef> dflt) const;
  /// A pair for 2-D windows: an integer n means (n, n).
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  pair(llvm::StringRef param, std::optional<int64_t> dflt) const;

  /// The full name prefix of this call's parameters: the scope's prefix
  /// joined with the `[path]` or, without one, the assigned name.
  mlir::FailureOr<std::string> paramPrefix();
  /// Whether the call created (or looked up) a parameter.
  bool usedParamPrefix() const { return prefix.has_value(); }
  /// A `heed.param` named `<prefix>.<suffix>` (`<prefix>` when \p suffix is
  /// empty); the same name twice with the same type yields the same
  /// parameter (weight tying).
  mlir::FailureOr<mlir::Value> param(llvm::StringRef suffix,
                                     llvm::ArrayRef<int64_t> shape,
                                     mlir::Type elementType, int64_t fanIn,
                                     llvm::StringRef init = "uniform");

  /// Builds an \p OpTy with inferred result types at this call's location.
  template <typename OpTy>
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  create(mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  /// As create, for single-result ops.
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  create1(mlir::ValueRange operands,
          llvm::ArrayRef<mlir::NamedAttribute> attrs = {});

private:
  std::optional<std::string> prefix;
};

/// A builtin op: its parameter names (in positional order) and the function
/// that builds it. A parameter written `name?` is optional; `inputs...`
/// (first only) takes every positional argument.
struct Builtin {
  std::vector<std::string> params;
  std::function<mlir::FailureOr<llvm::SmallVector<mlir::Value>>(Call &)> build;
  std::string summary;
  /// For the elementwise functions of one operand: the op's formula, which
  /// a number argument is folded with at compile time (`sqrt(64.0)` is the
  /// number 8).
  double (*evaluateNumber)(double) = nullptr;
};

/// `prefix.segment`, or whichever is not empty: parameter names are
/// joined by `.`, and an empty part (`[]`, the graph's own level) adds none.
std::string joinParamPath(llvm::StringRef prefix, llvm::StringRef segment);

/// The table of builtin ops (Builtins.cpp).
const llvm::StringMap<Builtin> &getBuiltins();

/// Whether the product of \p shape fits in int64 (a larger tensor type
/// would wrap its element count).
bool hasCountableElements(llvm::ArrayRef<int64_t> shape);

class Emitter {
public:
  Emitter(mlir::MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
          const ast::Module &module, const FrontendOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run();

  mlir::MLIRContext &ctx;
  mlir::OpBuilder builder;

  /// Counts the ops the builder creates: the model's size, bounded by
  /// FrontendOptions::maxOps so that nested subgraph calls cannot expand
  /// without end.
  struct OpCounter : mlir::OpBuilder::Listener {
    void notifyOperationInserted(mlir::Operation *,
                                 mlir::OpBuilder::InsertPoint) override {
      ++count;
    }
    int64_t count = 0;
  } opCounter;

  /// File location of \p loc.
  mlir::Location fileLoc(llvm::SMLoc loc);
  /// Location of an op produced while evaluating in \p scope:
  /// NameLoc(value name, file position [inside a CallSiteLoc]).
  mlir::Location opLoc(llvm::SMLoc loc, const Scope &scope);
  mlir::LogicalResult error(llvm::SMLoc loc, const Scope &scope,
                            const llvm::Twine &message);

  /// A rank-0 (or \p shape) constant of \p elementType filled with \p value.
  mlir::Value constant(double value, mlir::Type elementType, mlir::Location loc,
                       llvm::ArrayRef<int64_t> shape = {});

  /// Converts \p v to a tensor; numbers become constants of \p likeType's
  /// element type (f32 when null).
  mlir::FailureOr<mlir::Value> asTensor(const Val &v, mlir::Type likeType,
                                        const Scope &scope);

  /// Builds an \p OpTy: the op's inferReturnTypes gives the result types and
  /// reports shape errors at \p loc.
  template <typename OpTy>
  mlir::FailureOr<OpTy> createOp(mlir::Location loc, mlir::ValueRange operands,
                                 llvm::ArrayRef<mlir::NamedAttribute> attrs) {
    return createInferred<OpTy>(builder, loc, operands, attrs,
                                /*diagnose=*/true);
  }
  /// As createOp, for single-result ops: the result.
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  createValue(mlir::Location loc, mlir::ValueRange operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::FailureOr<OpTy> op = createOp<OpTy>(loc, operands, attrs);
    if (mlir::failed(op))
      return mlir::failure();
    return (*op)->getResult(0);
  }

  /// Parameters created so far in the current graph, by full name.
  llvm::StringMap<mlir::Value> params;

  /// Set while evaluating a subgraph call whose statement's default parameter
  /// prefix is already taken: creating a parameter then is an error at the
  /// call (a parameter-free subgraph, such as an activation, is fine).
  struct PrefixConflict {
    llvm::SMLoc loc;
    const Scope *scope;
    std::string message;
  };
  std::optional<PrefixConflict> prefixConflict;

private:
  mlir::FailureOr<Val> eval(const ast::Expr &e, Scope &scope);
  mlir::FailureOr<Val> evalIdent(const ast::Expr &e, Scope &scope);
  mlir::FailureOr<Val> evalBinary(const ast::Expr &e, Scope &scope);
  mlir::FailureOr<Val> evalNeg(const ast::Expr &e, Scope &scope);
  mlir::FailureOr<Val> evalCall(const ast::Expr &e, Scope &scope);
  /// `x[...]` (Subscript.cpp).
  mlir::FailureOr<Val> evalSubscript(const ast::Expr &e, Scope &scope);
  mlir::FailureOr<Val>
  evalSubgraphCall(const ast::Expr &e, const ast::GraphDecl &def, Scope &scope);
  /// Evaluates a graph or subgraph body; returns its outputs in order.
  mlir::FailureOr<std::vector<std::pair<std::string, Val>>>
  evalBody(const ast::GraphDecl &g, Scope &scope);
  mlir::LogicalResult bind(const ast::Name &name, Val value, Scope &scope);

  mlir::LogicalResult resolveDims();
  mlir::FailureOr<int64_t> evalDimExpr(const ast::Expr &e);
  mlir::FailureOr<mlir::RankedTensorType>
  evalTensorType(const ast::TensorTypeSpec &spec, const Scope &scope);
  mlir::LogicalResult emitGraph(const ast::GraphDecl &g);

  llvm::SourceMgr &sourceMgr;
  const ast::Module &module;
  const FrontendOptions &options;
  std::map<std::string, std::optional<int64_t>> dims;
  std::map<std::string, const ast::DimDecl *> dimDecls;
  llvm::StringMap<const ast::GraphDecl *> subgraphs;
  llvm::SmallVector<std::string> activeCalls;
  mlir::ModuleOp moduleOp;
};

template <typename OpTy>
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
Call::create(mlir::ValueRange operands,
             llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  mlir::FailureOr<OpTy> op = em.createOp<OpTy>(loc(), operands, attrs);
  if (mlir::failed(op))
    return mlir::failure();
  return llvm::SmallVector<mlir::Value>((*op)->getResults());
}

template <typename OpTy>
mlir::FailureOr<mlir::Value>
Call::create1(mlir::ValueRange operands,
              llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  return em.createValue<OpTy>(loc(), operands, attrs);
}

} // namespace heed

#endif // HEED_FRONTEND_EMITTER_H
