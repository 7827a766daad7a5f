"""Writes clustering.json: scikit-learn references for KindredRetrievalTests' clustering and PCA tests.

Needs numpy and scikit-learn: normalized_mutual_info_score and adjusted_mutual_info_score (default
arithmetic normaliser) on pairs of labelings, KMeans inertia on well-separated blobs, and PCA
(full SVD solver) fitted on small float32 embeddings; for t-SNE, the joint probabilities and the
KL divergence with its gradient (scikit-learn's private `_joint_probabilities` and `_kl_divergence`,
called only to produce reference numbers) and an exact PCA-initialised TSNE run.

    python make_clustering_fixtures.py [output.json]   # default: clustering.json next to this script
"""
import json
import os
import sys

import numpy as np
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.manifold._t_sne import _joint_probabilities, _kl_divergence
from sklearn.metrics import pairwise_distances
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "clustering.json")
    rng = np.random.default_rng(11)
    pairs = []

    def add(name, u, v):
        u, v = [int(x) for x in u], [int(x) for x in v]
        pairs.append({"name": name, "labels": u, "clusters": v,
                      "nmi": float(normalized_mutual_info_score(u, v)), "ami": float(adjusted_mutual_info_score(u, v))})

    add("random_5_vs_4", rng.integers(0, 5, 200), rng.integers(0, 4, 200))
    u = rng.integers(0, 6, 300)
    v = np.where(rng.random(300) < 0.7, u, rng.integers(0, 6, 300))
    add("noisy_copy", u, v)
    add("relabelled_copy", u, (u * 7 + 3) % 6 + 100)
    add("unbalanced", [0] * 50 + [1] * 5 + [2] * 2, [0] * 40 + [1] * 15 + [2] * 2)
    add("one_vs_many", [3] * 20, list(range(20)))
    add("both_single", [1] * 10, [7] * 10)
    add("singletons", list(range(15)), list(range(15)))
    add("tiny", [0, 0, 1, 1], [0, 1, 0, 1])
    add("negative_labels", [-1, -1, 2, 2, 5, 5, 5], [9, 9, 9, -4, -4, 0, 0])

    centres = rng.normal(0, 10, (4, 5))
    blob_labels = np.repeat(np.arange(4), 20)
    blobs = (centres[blob_labels] + rng.normal(0, 1, (80, 5))).astype(np.float32)
    km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(blobs)

    emb = (rng.normal(0, 1, (50, 6)) @ rng.normal(0, 1, (6, 6)) + rng.normal(0, 3, 6)).astype(np.float32)
    pca = PCA(svd_solver="full").fit(emb.astype(np.float64))
    tsne_x = blobs[::2]  # 40 points, 4 blobs
    dist = pairwise_distances(tsne_x, squared=True)
    P = _joint_probabilities(dist, 8.0, 0)
    y = rng.normal(0, 1, (40, 2))
    kl, grad = _kl_divergence(y.ravel(), P, 1, 40, 2)
    run = TSNE(perplexity=8.0, method="exact", init="pca", random_state=0).fit(tsne_x)
    out = {
        "mutualInformation": pairs,
        "kmeans": {"data": blobs.tolist(), "labels": blob_labels.tolist(), "inertia": float(km.inertia_)},
        "pca": {"data": emb.tolist(), "mean": pca.mean_.tolist(), "components": pca.components_.tolist(),
                "explainedVariance": pca.explained_variance_.tolist(),
                "explainedVarianceRatio": pca.explained_variance_ratio_.tolist(),
                "transformed": pca.transform(emb.astype(np.float64)).tolist()},
        "tsne": {"perplexity": 8.0, "jointProbabilities": squareform(P).tolist(), "y": y.tolist(), "kl": float(kl),
                 "gradient": grad.tolist(), "runKL": float(run.kl_divergence_)},
    }
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
