//===- Metrics.h - The evaluation metrics of the seed (§10) -----*- C++ -*-===//
//
// heed-eval's metrics, from labels and model outputs (docs/evaluation.md
// defines each with its edge cases; test/unit/eval/MetricsTest.cpp checks
// them against hand-computed values and scikit-learn's):
//
//   classification  accuracy; per class precision, recall and F1, and their
//                   macro averages over the classes that occur in the
//                   labels or the predictions (scikit-learn's default);
//                   the confusion matrix; Cohen's kappa
//   binary          the same, plus the ROC curve (one point per distinct
//                   score, ties together) and its area (AUC)
//   regression      mean squared and mean absolute error
//
// A value that is undefined (kappa of a constant predictor on one class,
// AUC without both classes) is NaN, written null in JSON.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDEVAL_METRICS_H
#define HEED_TOOLS_HEEDEVAL_METRICS_H

#include <cstdint>
#include <vector>

namespace heed::eval {

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0; ///< samples whose label is the class
};

struct Classification {
  int64_t n = 0;
  double accuracy = 0;
  double precisionMacro = 0, recallMacro = 0, f1Macro = 0;
  double kappa = 0;
  std::vector<ClassMetrics> perClass;
  /// confusion[label][prediction]
  std::vector<std::vector<int64_t>> confusion;
};

/// Metrics of \p predicted against \p labels (both in [0, classes)).
Classification classify(const std::vector<int64_t> &labels,
                        const std::vector<int64_t> &predicted, int64_t classes);

struct RocPoint {
  double fpr, tpr, threshold;
};

struct Roc {
  std::vector<RocPoint> curve; ///< from (0, 0) to (1, 1)
  double auc = 0;              ///< NaN without both classes
};

/// The ROC curve of \p scores (higher: more likely positive) against
/// \p labels (1 positive, 0 negative): a point after each distinct score,
/// from the highest, and the trapezoidal area under it.
Roc roc(const std::vector<int64_t> &labels, const std::vector<double> &scores);

struct Regression {
  int64_t n = 0;
  double mse = 0, mae = 0;
};

Regression regress(const std::vector<double> &targets,
                   const std::vector<double> &predicted);

/// The index of the first largest value of \p row (NaN ranks lowest).
int64_t argmax(const double *row, int64_t n);

/// softmax(\p row)[\p k], computed stably.
double softmaxAt(const double *row, int64_t n, int64_t k);

} // namespace heed::eval

#endif // HEED_TOOLS_HEEDEVAL_METRICS_H
