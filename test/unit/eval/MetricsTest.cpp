//===- MetricsTest.cpp - heed-eval's metrics ------------------------------===//
//
// Against scikit-learn 1.5.2 on fixed data (the values printed by
// tools/heed-eval/sklearn_reference.py, committed here), and edge cases
// worked out by hand.
//
//===----------------------------------------------------------------------===//

#include "Metrics.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace heed::eval;

namespace {

TEST(MetricsTest, ClassificationEqualsScikitLearn) {
  std::vector<int64_t> labels = {3, 0, 0, 2, 1, 1, 0, 1, 2, 1, 3, 3, 2, 3,
                                 2, 0, 3, 2, 0, 1, 0, 3, 2, 3, 1, 2, 2, 3,
                                 0, 2, 2, 3, 2, 1, 1, 1, 0, 1, 0, 0};
  std::vector<int64_t> predicted = {3, 0, 2, 2, 1, 1, 0, 1, 2, 1, 3, 2, 1, 0,
                                    2, 1, 3, 2, 2, 1, 1, 3, 2, 1, 1, 2, 2, 3,
                                    2, 2, 2, 3, 2, 1, 1, 2, 0, 1, 0, 0};
  Classification c = classify(labels, predicted, 4);
  EXPECT_EQ(c.n, 40);
  EXPECT_NEAR(c.accuracy, 0.75, 1e-12);
  EXPECT_NEAR(c.precisionMacro, 0.798076923077, 1e-11);
  EXPECT_NEAR(c.recallMacro, 0.743939393939, 1e-11);
  EXPECT_NEAR(c.f1Macro, 0.744209866221, 1e-11);
  EXPECT_NEAR(c.kappa, 0.664147774979, 1e-11);
  double precision[] = {0.833333333333, 0.692307692308, 0.666666666667, 1};
  double recall[] = {0.5, 0.9, 0.909090909091, 0.666666666667};
  double f1[] = {0.625, 0.782608695652, 0.769230769231, 0.8};
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(c.perClass[k].precision, precision[k], 1e-11) << k;
    EXPECT_NEAR(c.perClass[k].recall, recall[k], 1e-11) << k;
    EXPECT_NEAR(c.perClass[k].f1, f1[k], 1e-11) << k;
  }
  std::vector<std::vector<int64_t>> confusion = {
      {5, 2, 3, 0}, {0, 9, 1, 0}, {0, 1, 10, 0}, {1, 1, 1, 6}};
  EXPECT_EQ(c.confusion, confusion);
}

TEST(MetricsTest, RocEqualsScikitLearn) {
  std::vector<int64_t> labels = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1,
                                 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1};
  std::vector<double> scores = {0.7, 0.3, 0.6, 0.4, 0.4, 0.5, 0.1, 0.4,
                                0.2, 0.5, 0.3, 0.7, 0.8, 0.4, 0.5, 0.7,
                                0.2, 0.7, 0.4, 0.5, 0.0, 0.4, 0.3, 0.1,
                                0.3, 0.7, 0.5, 0.5, 0.5, 0.5};
  Roc r = roc(labels, scores);
  double fpr[] = {0,
                  0,
                  0,
                  0.0666666666667,
                  0.266666666667,
                  0.466666666667,
                  0.666666666667,
                  0.8,
                  0.933333333333,
                  1};
  double tpr[] = {
      0, 0.0666666666667, 0.4, 0.4, 0.733333333333, 0.933333333333, 1, 1, 1, 1};
  ASSERT_EQ(r.curve.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_NEAR(r.curve[i].fpr, fpr[i], 1e-11) << i;
    EXPECT_NEAR(r.curve[i].tpr, tpr[i], 1e-11) << i;
  }
  EXPECT_NEAR(r.auc, 0.833333333333, 1e-11);
}

TEST(MetricsTest, RegressionEqualsScikitLearn) {
  std::vector<double> targets = {
      0.945867544409,  0.460736238912, 1.11850815917,  -0.458362278563,
      -0.681509704737, 1.03898279856,  0.720300021858, 1.39037814215,
      0.212289577811,  1.62356311957};
  std::vector<double> guesses = {
      0.861243466323,  0.142637492062, 0.507381399916, -0.788782665589,
      -0.435958652911, 0.599504192152, 0.5845907462,   2.02235332951,
      0.466328360556,  2.16085848672};
  Regression r = regress(targets, guesses);
  EXPECT_EQ(r.n, 10);
  EXPECT_NEAR(r.mse, 0.161547001955, 1e-10);
  EXPECT_NEAR(r.mae, 0.358831824235, 1e-10);
}

// By hand: class 2 never occurs (no label, no prediction), so the macro
// averages are over classes 0 and 1 only; class 1 is never predicted, so
// its precision is 0 (scikit-learn's zero_division=0) and its F1 0.
// Labels 0 1 0, predictions 0 0 0: precision_0 = 2/3, recall_0 = 1,
// F1_0 = 4/5; macro precision 1/3, recall 1/2, F1 2/5.
TEST(MetricsTest, EmptyClassesAndZeroDivision) {
  Classification c = classify({0, 1, 0}, {0, 0, 0}, 3);
  EXPECT_NEAR(c.perClass[0].precision, 2.0 / 3, 1e-15);
  EXPECT_EQ(c.perClass[1].precision, 0.0);
  EXPECT_EQ(c.perClass[1].f1, 0.0);
  EXPECT_NEAR(c.precisionMacro, 1.0 / 3, 1e-15);
  EXPECT_NEAR(c.recallMacro, 0.5, 1e-15);
  EXPECT_NEAR(c.f1Macro, 0.4, 1e-15);
  // p_o = 2/3, p_e = (2/3)(3/3) + (1/3)(0) = 2/3: kappa 0.
  EXPECT_NEAR(c.kappa, 0.0, 1e-15);
}

// By hand: labels and predictions all class 1: p_o = p_e = 1, so kappa is
// 0 / 0 (NaN, as scikit-learn's); with one class only, AUC is undefined.
TEST(MetricsTest, ConstantPredictorAndOneClass) {
  Classification c = classify({1, 1}, {1, 1}, 2);
  EXPECT_EQ(c.accuracy, 1.0);
  EXPECT_TRUE(std::isnan(c.kappa));
  EXPECT_TRUE(std::isnan(roc({1, 1}, {0.2, 0.9}).auc));
}

// By hand: scores 0.9 (positive) and 0.9 (negative) tie: one ROC step from
// (0, 0) to (1, 1), area 1/2.
TEST(MetricsTest, TiesMoveTogether) {
  Roc r = roc({1, 0}, {0.9, 0.9});
  ASSERT_EQ(r.curve.size(), 2u);
  EXPECT_EQ(r.curve[1].fpr, 1.0);
  EXPECT_EQ(r.curve[1].tpr, 1.0);
  EXPECT_EQ(r.auc, 0.5);
}

TEST(MetricsTest, ArgmaxAndSoftmax) {
  double row[] = {1, 3, 3, NAN};
  EXPECT_EQ(argmax(row, 4), 1); // the first largest; NaN ranks lowest
  double nanFirst[] = {NAN, -1};
  EXPECT_EQ(argmax(nanFirst, 2), 1);
  double two[] = {0, std::log(3.0)}; // softmax: 1/4, 3/4
  EXPECT_NEAR(softmaxAt(two, 2, 1), 0.75, 1e-15);
}

} // namespace
