#!/usr/bin/env python3
"""The scikit-learn values test/unit/eval/MetricsTest.cpp compares
heed-eval's metrics with (committed there; rerun this to check them).

    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn==1.5.2
    /tmp/sk/bin/python tools/heed-eval/sklearn_reference.py

The data: 40 samples of 4 classes drawn with a fixed generator (60% of
predictions right), 30 binary scores rounded to one decimal (ties), and 10
regression targets with noisy guesses. The edge cases (an empty class, a
constant predictor) are worked out by hand in the test.
"""

import numpy as np
from sklearn import metrics


def main():
    rng = np.random.default_rng(2026)
    labels = rng.integers(0, 4, 40)
    predicted = np.where(rng.random(40) < 0.6, labels, rng.integers(0, 3, 40))
    print("labels", labels.tolist())
    print("predicted", predicted.tolist())
    print("accuracy %.12g" % metrics.accuracy_score(labels, predicted))
    for name, fn in (("precision", metrics.precision_score),
                     ("recall", metrics.recall_score), ("f1", metrics.f1_score)):
        print(name, "macro %.12g" % fn(labels, predicted, average="macro",
                                         zero_division=0.0),
              "per class", ["%.12g" % v for v in fn(labels, predicted, average=None,
                                                    zero_division=0.0)])
    print("kappa %.12g" % metrics.cohen_kappa_score(labels, predicted))
    print("confusion", metrics.confusion_matrix(labels, predicted).tolist())

    binary = rng.integers(0, 2, 30)
    scores = np.round(rng.random(30) * 0.6 + binary * 0.3, 1)  # ties
    print("binary", binary.tolist())
    print("scores", scores.tolist())
    fpr, tpr, _ = metrics.roc_curve(binary, scores, drop_intermediate=False)
    print("roc points", len(fpr))
    print("fpr", ["%.12g" % v for v in fpr])
    print("tpr", ["%.12g" % v for v in tpr])
    print("auc %.12g" % metrics.roc_auc_score(binary, scores))
    targets = rng.normal(size=10)
    guesses = targets + rng.normal(scale=0.3, size=10)
    print("targets", ["%.12g" % v for v in targets])
    print("guesses", ["%.12g" % v for v in guesses])
    print("mse %.12g" % metrics.mean_squared_error(targets, guesses))
    print("mae %.12g" % metrics.mean_absolute_error(targets, guesses))


if __name__ == "__main__":
    main()
