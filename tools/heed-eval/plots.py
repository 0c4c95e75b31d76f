#!/usr/bin/env python3
"""heed-eval --plots: the confusion matrix and (binary tasks) the ROC curve
of a heed-eval JSON object, as PNGs.

    /usr/bin/python3 plots.py METRICS.json DIR   ->  DIR/confusion.png, DIR/roc.png
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    metrics_path, out = sys.argv[1], sys.argv[2]
    with open(metrics_path) as f:
        m = json.load(f)
    os.makedirs(out, exist_ok=True)
    confusion = m["confusion"]
    classes = len(confusion)
    side = max(3.2, 1.2 + 0.6 * classes)
    fig, ax = plt.subplots(figsize=(side, side - 0.2))
    ax.imshow(confusion, cmap="Blues")
    top = max(max(row) for row in confusion) or 1
    for t in range(classes):
        for p in range(classes):
            value = confusion[t][p]
            ax.text(p, t, str(value), ha="center", va="center",
                    color="white" if value > top / 2 else "black")
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("prediction")
    ax.set_ylabel("label")
    acc = m["accuracy"]
    ax.set_title(f"accuracy {acc:.3f}, n = {m['n']}" if acc is not None else "")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "confusion.png"), dpi=100)
    plt.close(fig)
    if "roc" in m:
        fpr = [p[0] for p in m["roc"]]
        tpr = [p[1] for p in m["roc"]]
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.plot(fpr, tpr, drawstyle="default", marker=".", label="model")
        ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="chance")
        auc = m["auc"]
        ax.set_title(f"ROC, AUC = {auc:.3f}" if auc is not None else "ROC (AUC undefined)")
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "roc.png"), dpi=100)
        plt.close(fig)


if __name__ == "__main__":
    main()
