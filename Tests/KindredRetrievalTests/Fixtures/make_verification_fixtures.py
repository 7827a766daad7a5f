"""Writes verification.json: reference values for KindredRetrievalTests' verification tests.

Needs numpy, scipy, scikit-learn and open-metric-learning 4.x. References: scikit-learn's
roc_curve (drop_intermediate=False) and roc_auc_score, OML's calc_fnmr_at_fmr, scipy's brentq on
the interpolated ROC for the EER, and plain loops (written here) for TAR@FAR, the best-accuracy
threshold and 10-fold accuracy (folds from scikit-learn's KFold).

    python make_verification_fixtures.py [output.json]   # default: verification.json next to this script
"""
import json
import os
import sys

import numpy as np
from oml.functional.metrics import calc_fnmr_at_fmr
from scipy.optimize import brentq
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import KFold

HERE = os.path.dirname(os.path.abspath(__file__))
FARS = [1e-1, 1e-2, 1e-3, 1e-4]
FMRS = [0.0, 0.01, 0.1, 0.25, 0.5, 1.0]


def likeness(scores, kind):
    return scores if kind == "similarity" else -scores


def tar_at_far(fpr, tpr, thr, far):
    best = max(i for i in range(len(fpr)) if fpr[i] <= far)
    return {"tar": tpr[best], "far": fpr[best], "threshold": thr[best]}


def eer_polyline(fpr, tpr):
    i = 1
    while i < len(fpr) - 1 and fpr[i] + tpr[i] - 1 < 0:
        i += 1
    g0, g1 = fpr[i - 1] + tpr[i - 1] - 1, fpr[i] + tpr[i] - 1
    t = 0 if g1 == g0 else -g0 / (g1 - g0)
    return fpr[i - 1] + t * (fpr[i] - fpr[i - 1])


def best_threshold(s, y):
    """Likeness-space threshold of best accuracy: strictest ROC point wins ties, midpoint to the next."""
    values = np.unique(s)[::-1]
    cands = [np.inf] + list(values)
    best, best_correct = 0, -1
    for i, t in enumerate(cands):
        acc = s >= t
        correct = int(np.sum(acc & y) + np.sum(~acc & ~y))
        if correct > best_correct:
            best, best_correct = i, correct
    if best == 0:
        return np.inf
    if best == len(cands) - 1:
        return -np.inf
    return (cands[best] + cands[best + 1]) / 2


def kfold(s, y, folds):
    accs, thrs = [], []
    for train, test in KFold(n_splits=folds).split(s):
        t = best_threshold(s[train], y[train])
        accs.append(float(np.mean((s[test] >= t) == y[test])))
        thrs.append(t)
    return accs, thrs


def case(name, scores, same, kind, keep_roc=True):
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(same, dtype=bool)
    s = likeness(scores, kind)
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    user_thr = [float(likeness(t, kind)) for t in thr]
    out = {"name": name, "kind": kind, "scores": scores.tolist(), "isSame": y.tolist(),
           "roc": {"far": fpr.tolist(), "tar": tpr.tolist(), "thresholds": [t if np.isfinite(t) else ("inf" if t > 0 else "-inf") for t in user_thr]},
           "auc": float(roc_auc_score(y, s)), "eer": float(eer_polyline(fpr, tpr))}
    # Cross-check of the polyline walk: the root of 1 - x - TAR(x) on the interpolated curve.
    out["eerBrentq"] = float(brentq(lambda x: 1.0 - x - np.interp(x, fpr, tpr), 0.0, 1.0, xtol=1e-14))
    out["tarAtFar"] = {str(far): {k: (v if np.isfinite(v) else ("inf" if v > 0 else "-inf")) for k, v in
                                  {**tar_at_far(fpr, tpr, user_thr, far)}.items()} for far in FARS}
    dist = -s
    fnmr = calc_fnmr_at_fmr(dist[y], dist[~y], fmr_vals=tuple(FMRS))
    out["fnmrAtFmr"] = {str(f): float(v) for f, v in zip(FMRS, fnmr)}
    t = best_threshold(s, y)
    acc = s >= t
    out["bestAccuracy"] = {"threshold": float(likeness(t, kind)) if np.isfinite(t) else ("inf" if likeness(t, kind) > 0 else "-inf"),
                           "accuracy": float(np.mean(acc == y))}
    if len(s) >= 10:
        accs, thrs = kfold(s, y, 10)
        out["tenFold"] = {"accuracies": accs, "mean": float(np.mean(accs)), "std": float(np.std(accs))}
    if not keep_roc:
        del out["roc"]
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "verification.json")
    rng = np.random.default_rng(7)
    cases = []
    # Continuous similarities, rounded to 2 decimals (ties), 120 positives vs 500 negatives.
    pos = rng.normal(0.6, 0.2, 120)
    neg = rng.normal(0.2, 0.2, 500)
    scores = np.round(np.concatenate([pos, neg]), 2)
    same = np.array([True] * 120 + [False] * 500)
    perm = rng.permutation(len(scores))
    cases.append(case("similarity_ties", scores[perm], same[perm], "similarity"))
    # Integer distances 0..5: heavy ties.
    y = rng.random(200) < 0.3
    d = np.where(y, rng.integers(0, 4, 200), rng.integers(1, 6, 200)).astype(float)
    cases.append(case("distance_integers", d, y, "distance"))
    # OML's docstring example.
    pd = [0, 0, 1, 1, 2, 2, 5, 5, 9, 9]
    nd = [3, 3, 4, 4, 6, 6, 7, 7, 8, 8]
    cases.append(case("oml_example", pd + nd, [True] * 10 + [False] * 10, "distance"))
    # Perfectly separated and all tied.
    cases.append(case("separated", [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.15, 0.05, 0.25, 0.35, 0.75],
                      [True, True, True, False, False, False, False, False, False, False, True], "similarity"))
    cases.append(case("all_tied", [0.5] * 12, [True] * 5 + [False] * 7, "similarity"))
    # Large negative set: resolves FAR 1e-4 (10,500 negatives); the ROC itself is not stored.
    pos = rng.normal(1.0, 0.5, 300)
    neg = rng.normal(2.5, 0.5, 10500)
    sc = np.round(np.concatenate([pos, neg]), 2)
    yy = np.array([True] * 300 + [False] * 10500)
    cases.append(case("many_negatives", sc, yy, "distance", keep_roc=False))
    with open(path, "w") as f:
        json.dump({"cases": cases}, f)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
