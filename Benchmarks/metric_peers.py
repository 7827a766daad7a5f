"""PML side of Kindred's metric-learning benchmark: the same work as Benchmarks/KindredMetricBench.

One step = mine (where the recipe mines), loss value, backward to the embeddings (and ArcFace's
class weights), with pytorch-metric-learning on PyTorch CPU in float32. The inputs are the same
numbers as the Swift side's (splitmix64 uniforms, rows L2-normalised), so both mine the same
tuples. Prints one JSON object: median wall ms, CPU ms per step and mined tuples per recipe/shape.
Run through Benchmarks/metric-bench.sh; needs torch and pytorch-metric-learning.

    python metric_peers.py [--runs N] [--only small|large]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from pytorch_metric_learning import losses, miners

torch.set_num_threads(int(os.environ.get("KINDRED_THREADS", "2")))


def shared_uniform(count, seed):
    """Uniform numbers in [-1, 1) from splitmix64 of seed + k (as the Swift side)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 2 - 1


def embeddings(n, d, seed):
    v = shared_uniform(n * d, seed).reshape(n, d)
    return torch.tensor(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=torch.float32)


def bench(warm, runs, body):
    for _ in range(warm):
        body()
    ts = []
    cpu0 = time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        body()
        ts.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / runs
    ts.sort()
    return ts[len(ts) // 2], cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--only", choices=["small", "large"])
    args = ap.parse_args()
    import pytorch_metric_learning
    result = {"torch": torch.__version__, "pml": pytorch_metric_learning.__version__, "threads": torch.get_num_threads()}
    for tag, n, d, classes, arc_classes in [("small", 160, 64, 10, 10), ("large", 1024, 128, 64, 100)]:
        if args.only not in (None, tag):
            continue
        x = embeddings(n, d, 1).requires_grad_()
        labels = torch.arange(n) % classes
        w = torch.tensor(shared_uniform(d * arc_classes, 2).reshape(d, arc_classes), dtype=torch.float32)
        steps = max(3, args.runs // 4) if n > 500 else args.runs

        def record(name, step):
            tuples = [0]

            def body():
                tuples[0] = step()

            wall, cpu = bench(1 if n > 500 else 2, steps, body)
            result[f"{name}_{tag}_ms"] = wall * 1e3
            result[f"{name}_{tag}_cpu_ms"] = cpu * 1e3
            result[f"{name}_{tag}_tuples"] = tuples[0]

        def mined_step(miner, loss):
            def step():
                x.grad = None
                t = miner(x, labels)
                loss(x, labels, t).backward()
                return sum(len(v) for v in t[::2]) if len(t) == 4 else len(t[0])
            return step

        triplet = losses.TripletMarginLoss(margin=0.2)
        record("triplet_semihard", mined_step(miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard"), triplet))
        record("triplet_batchhard", mined_step(miners.BatchHardMiner(), triplet))
        record("multisimilarity", mined_step(miners.MultiSimilarityMiner(epsilon=0.1),
                                             losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)))
        arcface = losses.ArcFaceLoss(num_classes=arc_classes, embedding_size=d)
        arcface.W.data = w.clone()

        def arc_step():
            x.grad = None
            arcface.W.grad = None
            arcface(x, labels).backward()
            return n

        record("arcface", arc_step)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
