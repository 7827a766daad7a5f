"""Peer side of the retrieval benchmark (Kindred's side: the kindred-retrieval-bench executable).

Same shapes and thread count as the Swift run, random L2-normalised embeddings:
  * FAISS IndexFlatIP: top-k of Q queries in a G-item gallery (pip faiss-cpu);
  * PML AccuracyCalculator and OML's functional metrics on N leave-one-out items with C classes
    (CMC/P/MAP@1,5 and MAP@R), including their own kNN.
Each peer is skipped when its package is missing. Prints one JSON object of median seconds.

    python retrieval_peers.py [--queries 10000] [--gallery 60000] [--dim 128] [--k 10]
                              [--loo 10000] [--classes 100] [--threads 2] [--runs 3]
                              [--peers faiss,pml,oml]
"""
import argparse
import json
import time

import numpy as np


def median_time(fn, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]


def normalised(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    p = argparse.ArgumentParser()
    for name, default in (("queries", 10000), ("gallery", 60000), ("dim", 128), ("k", 10), ("loo", 10000),
                          ("classes", 100), ("threads", 2), ("runs", 3)):
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--peers", default="faiss,pml,oml")
    a = p.parse_args()
    peers = set(a.peers.split(","))
    rng = np.random.default_rng(0)
    out = {"peakRSSMiB": None, "queries": a.queries, "gallery": a.gallery, "dim": a.dim, "k": a.k, "threads": a.threads}
    try:
        if "faiss" not in peers:
            raise ImportError
        import faiss
        faiss.omp_set_num_threads(a.threads)
        q, g = normalised(rng, a.queries, a.dim), normalised(rng, a.gallery, a.dim)

        def run():
            index = faiss.IndexFlatIP(a.dim)
            index.add(g)
            index.search(q, a.k)
        import resource
        out["faissPeakRSSBeforeSearchMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["faissFlatIPSeconds"] = median_time(run, a.runs)
        out["faissPeakRSSAfterSearchMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        out["faissFlatIPSeconds"] = None

    import torch
    torch.set_num_threads(a.threads)
    centres = rng.standard_normal((a.classes, a.dim)).astype(np.float32)
    labels = np.arange(a.loo) % a.classes
    x = centres[labels] + 1.5 * rng.standard_normal((a.loo, a.dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    try:
        if "pml" not in peers:
            raise ImportError
        from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
        calc = AccuracyCalculator(include=("precision_at_1", "mean_average_precision_at_r"), k="max_bin_count")
        xt, lt = torch.tensor(x), torch.tensor(labels)
        out["pmlAccuracyCalculatorSeconds"] = median_time(lambda: calc.get_accuracy(xt, lt), a.runs)
    except ImportError:
        out["pmlAccuracyCalculatorSeconds"] = None
    try:
        if "oml" not in peers:
            raise ImportError
        from oml.functional.metrics import calc_retrieval_metrics

        def run_oml():
            xt = torch.tensor(x)
            d = torch.cdist(xt, xt)
            d.fill_diagonal_(float("inf"))
            top = torch.topk(d, k=5, largest=False).indices
            lt = torch.tensor(labels)
            gt = [torch.nonzero((lt == lt[i]) & (torch.arange(len(lt)) != i)).flatten() for i in range(len(lt))]
            calc_retrieval_metrics(list(top), gt, cmc_top_k=(1, 5), precision_top_k=(1, 5), map_top_k=(1, 5), verbose=False)
        out["omlSeconds"] = median_time(run_oml, a.runs)
    except ImportError:
        out["omlSeconds"] = None
    import resource
    out["peakRSSMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
