//===- Metrics.cpp - The evaluation metrics of the seed (§10) -------------===//

#include "Metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace heed::eval {

Classification classify(const std::vector<int64_t> &labels,
                        const std::vector<int64_t> &predicted,
                        int64_t classes) {
  if (labels.size() != predicted.size())
    throw std::invalid_argument("labels and predictions differ in number");
  Classification c;
  c.n = (int64_t)labels.size();
  c.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  for (size_t i = 0; i < labels.size(); ++i)
    ++c.confusion[labels[i]][predicted[i]];
  std::vector<int64_t> row(classes, 0), col(classes, 0);
  int64_t correct = 0;
  for (int64_t t = 0; t < classes; ++t)
    for (int64_t p = 0; p < classes; ++p) {
      row[t] += c.confusion[t][p];
      col[p] += c.confusion[t][p];
      if (t == p)
        correct += c.confusion[t][p];
    }
  double nan = std::numeric_limits<double>::quiet_NaN();
  c.accuracy = c.n ? (double)correct / (double)c.n : nan;
  int64_t present = 0;
  for (int64_t k = 0; k < classes; ++k) {
    ClassMetrics m;
    int64_t tp = c.confusion[k][k];
    m.support = row[k];
    // An empty denominator gives 0, as scikit-learn's zero_division.
    m.precision = col[k] ? (double)tp / (double)col[k] : 0.0;
    m.recall = row[k] ? (double)tp / (double)row[k] : 0.0;
    m.f1 = m.precision + m.recall > 0
               ? 2 * m.precision * m.recall / (m.precision + m.recall)
               : 0.0;
    c.perClass.push_back(m);
    if (row[k] || col[k]) { // the class occurs: it counts in the averages
      ++present;
      c.precisionMacro += m.precision;
      c.recallMacro += m.recall;
      c.f1Macro += m.f1;
    }
  }
  if (present) {
    c.precisionMacro /= (double)present;
    c.recallMacro /= (double)present;
    c.f1Macro /= (double)present;
  } else {
    c.precisionMacro = c.recallMacro = c.f1Macro = nan;
  }
  // Cohen's kappa: (p_o - p_e) / (1 - p_e); 0 / 0 (both constant on one
  // class) is NaN, as scikit-learn's.
  double n = (double)c.n, pe = 0;
  for (int64_t k = 0; k < classes; ++k)
    pe += ((double)row[k] / n) * ((double)col[k] / n);
  double po = c.accuracy;
  c.kappa = (1 - pe) != 0 ? (po - pe) / (1 - pe) : nan;
  return c;
}

Roc roc(const std::vector<int64_t> &labels, const std::vector<double> &scores) {
  if (labels.size() != scores.size())
    throw std::invalid_argument("labels and scores differ in number");
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  int64_t positives = 0, negatives = 0;
  for (int64_t l : labels)
    (l ? positives : negatives) += 1;
  Roc r;
  double nan = std::numeric_limits<double>::quiet_NaN();
  r.curve.push_back({0, 0, std::numeric_limits<double>::infinity()});
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] ? tp : fp) += 1;
    // One point per distinct score: ties move together.
    if (i + 1 < order.size() && scores[order[i + 1]] == scores[order[i]])
      continue;
    r.curve.push_back({negatives ? (double)fp / (double)negatives : nan,
                       positives ? (double)tp / (double)positives : nan,
                       scores[order[i]]});
  }
  if (!positives || !negatives) {
    r.auc = nan;
    return r;
  }
  for (size_t i = 1; i < r.curve.size(); ++i)
    r.auc += (r.curve[i].fpr - r.curve[i - 1].fpr) *
             (r.curve[i].tpr + r.curve[i - 1].tpr) / 2;
  return r;
}

Regression regress(const std::vector<double> &targets,
                   const std::vector<double> &predicted) {
  if (targets.size() != predicted.size())
    throw std::invalid_argument("targets and predictions differ in number");
  Regression r;
  r.n = (int64_t)targets.size();
  for (size_t i = 0; i < targets.size(); ++i) {
    double d = predicted[i] - targets[i];
    r.mse += d * d;
    r.mae += std::fabs(d);
  }
  double nan = std::numeric_limits<double>::quiet_NaN();
  r.mse = r.n ? r.mse / (double)r.n : nan;
  r.mae = r.n ? r.mae / (double)r.n : nan;
  return r;
}

int64_t argmax(const double *row, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k)
    if (row[k] > row[best] || (std::isnan(row[best]) && !std::isnan(row[k])))
      best = k;
  return best;
}

double softmaxAt(const double *row, int64_t n, int64_t k) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, row[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(row[i] - m);
  return std::exp(row[k] - m) / sum;
}

} // namespace heed::eval
