"""Writes tsne_barnes_hut.json: scikit-learn references for KindredRetrievalTests' Barnes-Hut t-SNE tests.

Needs numpy and scikit-learn. 300 points from 3 Gaussian blobs in 8-D (seeded, rounded to 6 decimals
and written into the JSON so Swift reads the same numbers); the sparse joint probabilities of
scikit-learn's Barnes-Hut path (k = min(N - 1, floor(3 * perplexity + 1)) nearest neighbours by
squared Euclidean distance, then the private `_joint_probabilities_nn`, called only to produce
reference numbers) as CSR; and the final KL divergence of a PCA-initialised `TSNE(method="barnes_hut")`
run with every iteration run (no early stop).

    python make_tsne_fixtures.py [output.json]   # default: tsne_barnes_hut.json next to this script
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.manifold import TSNE
from sklearn.manifold._t_sne import _joint_probabilities_nn
from sklearn.neighbors import NearestNeighbors

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "tsne_barnes_hut.json")
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=10.0, size=(3, 8))
    labels = np.repeat(np.arange(3), 100)
    x = np.round(centres[labels] + rng.normal(size=(300, 8)), 6)
    perplexity = 10.0
    k = min(len(x) - 1, int(3.0 * perplexity + 1))
    knn = NearestNeighbors(n_neighbors=k, metric="euclidean").fit(x)
    distances = knn.kneighbors_graph(mode="distance")
    distances.data **= 2
    p = _joint_probabilities_nn(distances, perplexity, 0).tocsr()
    p.sort_indices()
    tsne = TSNE(n_components=2, perplexity=perplexity, method="barnes_hut", angle=0.5, init="pca",
                learning_rate="auto", max_iter=1000, n_iter_without_progress=1000, min_grad_norm=0.0, random_state=0)
    tsne.fit(x)
    doc = {
        "sklearn": sklearn.__version__,
        "perplexity": perplexity,
        "neighbours": k,
        "x": x.tolist(),
        "labels": labels.tolist(),
        "p": {"indptr": p.indptr.tolist(), "indices": p.indices.tolist(), "data": [float(v) for v in p.data]},
        "runKL": float(tsne.kl_divergence_),
    }
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, "KL", tsne.kl_divergence_)


if __name__ == "__main__":
    main()
