"""Writes retrieval_metrics.json: reference rankings and metric values for KindredRetrievalTests.

Run with a Python that has numpy, torch, scikit-learn and pytorch-metric-learning (PML), and
open-metric-learning (OML, 4.x functional API) when available; without OML the "oml" entries are
null (the plain-loop references still cover OML's formulas) and the file records which was used. Embeddings are small integers, so every score is exact in float32 and
ties are frequent; rankings break ties by lower gallery index. The data include queries with one
relevant gallery item, queries with none, and query categories.

    python make_fixtures.py            # writes retrieval_metrics.json next to this script
"""
import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def rank(queries, gallery, excluded):
    """Full ranking by dot product, best first; equal scores -> lower gallery index first."""
    scores = queries @ gallery.T
    out = []
    for q in range(len(queries)):
        order = [g for g in sorted(range(len(gallery)), key=lambda g: (-scores[q, g], g)) if g not in excluded[q]]
        out.append(order)
    return out, scores


# ---- plain-loop references of every metric (definitions as in the Kindred docs) ----

def hits(rel, k):
    return sum(rel[:k])


def psum(rel, first, last):
    s, h = 0.0, 0
    for i in range(first, min(last, len(rel)) + 1):
        if rel[i - 1]:
            h += 1
            s += h / (i - first + 1)
    return s, h


def metric(name, rel, R):
    if name.startswith("cmc@"):
        return 1.0 if hits(rel, int(name[4:])) > 0 else 0.0
    if name.startswith("textbook_precision@"):
        k = int(name.split("@")[1]); return hits(rel, k) / k
    if name.startswith("textbook_map@"):
        k = int(name.split("@")[1]); return psum(rel, 1, k)[0] / min(k, R)
    if name.startswith("precision@") and "-" in name:
        a, b = map(int, name.split("@")[1].split("-")); return (hits(rel, b) - hits(rel, a - 1)) / (b - a + 1)
    if name.startswith("map@") and "-" in name:
        a, b = map(int, name.split("@")[1].split("-")); s, h = psum(rel, a, b); return s / h if h else 0.0
    if name.startswith("precision@"):
        k = int(name.split("@")[1]); return hits(rel, k) / min(k, R)
    if name == "map@r":
        return psum(rel, 1, R)[0] / R
    if name.startswith("map@"):
        k = int(name.split("@")[1]); s, h = psum(rel, 1, k); return s / h if h else 0.0
    if name.startswith("ndcg@"):
        k = int(name.split("@")[1])
        dcg = sum(1 / math.log2(i + 1) for i in range(1, k + 1) if i <= len(rel) and rel[i - 1])
        ideal = sum(1 / math.log2(i + 1) for i in range(1, min(k, R) + 1))
        return dcg / ideal
    if name == "mrr":
        return 1 / (rel.index(1) + 1) if 1 in rel else 0.0
    if name == "r_precision":
        return hits(rel, R) / R
    if name == "map":
        return psum(rel, 1, len(rel))[0] / R
    if name == "composite":  # precision@3 + 0.5 * map@4-10
        return metric("precision@3", rel, R) + 0.5 * metric("map@4-10", rel, R)
    raise ValueError(name)


METRICS = ["cmc@1", "cmc@5", "cmc@10", "precision@1", "map@1", "precision@5", "precision@10", "map@5", "map@10",
           "textbook_precision@5", "textbook_map@5", "ndcg@5", "ndcg@10", "mrr", "r_precision",
           "map@r", "map", "precision@4-10", "map@4-10", "composite"]


def pml_metrics(queries, q_labels, gallery, g_labels, ranking, loo):
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

    depth = min(len(r) for r in ranking)

    def knn(query, k, reference, ref_includes_query):
        idx = torch.tensor([r[:k] for r in ranking], dtype=torch.long)
        return torch.zeros(idx.shape), idx

    calc = AccuracyCalculator(include=("precision_at_1", "r_precision", "mean_average_precision_at_r",
                                       "mean_average_precision", "mean_reciprocal_rank"),
                              k=depth, knn_func=knn)
    if loo:
        res = calc.get_accuracy(torch.tensor(queries), torch.tensor(q_labels), ref_includes_query=True)
    else:
        res = calc.get_accuracy(torch.tensor(queries), torch.tensor(q_labels), torch.tensor(gallery),
                                torch.tensor(g_labels), ref_includes_query=False)
    names = {"precision_at_1": "cmc@1", "r_precision": "r_precision", "mean_average_precision_at_r": "map@r",
             "mean_average_precision": "map", "mean_reciprocal_rank": "mrr"}
    return {names[k]: float(v) for k, v in res.items()}


def oml_metrics(rel_rows, R, categories):
    """OML's cmc/precision/map@k per query (its functional API), averaged overall and per category.

    Queries with R = 0 are left out, as Kindred does by default (OML itself would return NaN or a
    convention value for them)."""
    ks = [1, 5, 10]
    try:
        from oml.functional.metrics import calc_cmc, calc_map, calc_precision
    except Exception:
        return None
    keep = [q for q in range(len(R)) if R[q] > 0]
    gt_tops = [torch.tensor(rel_rows[q], dtype=torch.bool) for q in keep]
    n_gts = [R[q] for q in keep]
    out = {}
    for name, fn in (("cmc", calc_cmc), ("precision", calc_precision), ("map", calc_map)):
        for k, v in zip(ks, fn(gt_tops, n_gts, tuple(ks))):
            v = v.double()
            out[f"{name}@{k}"] = float(v.mean())
            for c in sorted(set(categories)):
                mask = torch.tensor([categories[q] == c for q in keep])
                if bool(mask.any()):
                    out[f"{name}@{k}/category {c}"] = float(v[mask].mean())
    return out


def case(name, queries, q_labels, gallery, g_labels, categories, loo):
    queries = np.asarray(queries, dtype=np.float64)
    gallery = np.asarray(gallery, dtype=np.float64)
    excluded = [{q} if loo else set() for q in range(len(queries))]
    ranking, _ = rank(queries, gallery, excluded)
    R = []
    for q in range(len(queries)):
        R.append(sum(1 for g in range(len(gallery)) if g_labels[g] == q_labels[q] and g not in excluded[q]))
    rel_rows = [[1 if g_labels[g] == q_labels[q] else 0 for g in ranking[q]] for q in range(len(queries))]
    per_query = {m: [metric(m, rel_rows[q], R[q]) if R[q] > 0 else None for q in range(len(queries))] for m in METRICS}
    means = {m: float(np.mean([v for v in vals if v is not None])) for m, vals in per_query.items()}
    per_category = {}
    for c in sorted(set(categories)):
        for m, vals in per_query.items():
            kept = [v for q, v in enumerate(vals) if v is not None and categories[q] == c]
            per_category[f"{m}/category {c}"] = float(np.mean(kept)) if kept else None
    return {
        "name": name, "leaveOneOut": loo,
        "queries": queries.tolist(), "queryLabels": q_labels,
        "gallery": gallery.tolist(), "galleryLabels": g_labels, "categories": categories,
        "ranking": ranking, "relevantCounts": R,
        "perQuery": per_query, "means": means, "perCategory": per_category,
        "pml": pml_metrics(queries, q_labels, gallery, g_labels, ranking, loo),
        "oml": oml_metrics(rel_rows, R, categories),
    }


def main():
    rng = np.random.default_rng(5)
    # Query/gallery: 8 gallery labels with 1..9 items; queries with labels 0..7 and 99 (absent).
    g_labels = [int(x) for x in np.repeat(np.arange(8), [1, 2, 3, 4, 5, 6, 9, 6])]
    gallery = rng.integers(-2, 3, size=(len(g_labels), 4))
    q_labels = [int(x) for x in [0, 0, 1, 2, 3, 4, 5, 6, 7, 99, 99, 1, 2, 3, 4, 5, 6, 7, 6, 5, 0, 3, 7, 6, 2]]
    queries = rng.integers(-2, 3, size=(len(q_labels), 4))
    categories = [q % 3 for q in range(len(q_labels))]
    cases = [case("query_gallery", queries, q_labels, gallery, g_labels, categories, loo=False)]
    # Leave-one-out: 30 items, a label with a single item (no relevant neighbour) and one with two.
    labels = [int(x) for x in np.repeat(np.arange(7), [1, 2, 3, 4, 5, 7, 8])]
    items = rng.integers(-2, 3, size=(len(labels), 3))
    cats = [int(x) for x in rng.integers(0, 2, size=len(labels))]
    cases.append(case("leave_one_out", items, labels, items, labels, cats, loo=True))
    try:
        import oml
        source = "oml " + getattr(oml, "__version__", "?")
    except Exception:
        source = "none (OML not installed)"
    import pytorch_metric_learning
    doc = {"omlSource": source, "pmlVersion": pytorch_metric_learning.__version__, "cases": cases}
    with open(os.path.join(HERE, "retrieval_metrics.json"), "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
