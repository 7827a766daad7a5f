#!/usr/bin/env python3
"""Writes pml.json, the pytorch-metric-learning (PML) reference numbers for KindredMetricTests.

Needs numpy, torch (CPU) and pytorch-metric-learning:
`pip install numpy torch pytorch-metric-learning`, then
`python3 Tests/KindredMetricTests/Fixtures/make_pml_fixtures.py`.

Inputs come from a seeded numpy RandomState, rounded to three decimals; everything is computed in
float64, so the Swift tests can compare float64 tightly and float32 loosely against one file.
Results are written with 9 significant digits; inputs and index tuples used by several cases are
stored once (`shared`, `sharedIndices`) and referenced by name, which keeps the file small.
Each case names a configuration (`config`) that the Swift test maps to the same Kindred objects,
and an input set (`fixture`): random labelled batches, edge cases (no positive pairs, a single
class, duplicated embeddings) and a batch larger than 25 rows (torch.cdist's matrix-product path).
The upstream gradient of the distance cases is `upstream(shape)` below, which the Swift test
recomputes instead of reading it.

JSON: {"cases": [{"name", "group": "distance"|"loss"|"miner", "config", "fixture",
                   "labels": [int], "refLabels": [int]|null,
                   "tensors": {k: {"shape", "data"}}, "loss": float|null,
                   "indices": {k: [int]} (miner output, or the tuples given to a loss),
                   "indexKind": "pairs"|"triplets"|null, "sharedIndices": name (optional)}],
 "shared": {name: {"shape", "data"}}, "sharedIndices": {name: {k: [int]}}, "sharedLabels": {name: [int]}}
A case's tensor may be {"shared": name}; its indices may be replaced by "sharedIndices": name and
its labels by "sharedLabels": name.
Empty and null fields are left out, and so is "name" when it is "config/fixture".
"""
import json
import os

import numpy as np
import torch
from pytorch_metric_learning import distances, losses, miners, reducers, regularizers

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


def enc(a):
    a = np.asarray(a.detach().numpy() if torch.is_tensor(a) else a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(f"{v:.9g}") for v in a.ravel()]}


def upstream(shape):
    """The distance cases' upstream gradient: ((31 i + 17 j) mod 23 - 11) / 10."""
    i, j = np.indices(shape)
    return ((31 * i + 17 * j) % 23 - 11) / 10.0


def fixtures():
    """Named (embeddings, labels) input sets."""
    out = {}
    rng = np.random.RandomState(7)
    out["random12"] = (np.round(rng.randn(12, 4), 3), rng.randint(0, 4, 12))
    out["random16"] = (np.round(rng.randn(16, 4), 3), rng.randint(0, 5, 16))
    e = np.round(rng.randn(10, 4), 3)
    l = rng.randint(0, 3, 10)
    e[1] = e[0]; l[1] = l[0]          # duplicated positive
    e[3] = e[2]; l[3] = (l[2] + 1) % 3  # duplicated negative
    out["duplicates"] = (e, l)
    out["single_class"] = (np.round(rng.randn(6, 4), 3), np.zeros(6, dtype=int))
    out["no_positives"] = (np.round(rng.randn(6, 4), 3), np.arange(6))
    out["large26"] = (np.round(rng.randn(26, 3), 3), rng.randint(0, 6, 26))
    return out


DISTANCES = {
    "lp": lambda: distances.LpDistance(),
    "lp_squared": lambda: distances.LpDistance(power=2),
    "lp_raw": lambda: distances.LpDistance(normalize_embeddings=False),
    "cosine": lambda: distances.CosineSimilarity(),
    "dot_raw": lambda: distances.DotProductSimilarity(normalize_embeddings=False),
}

LOSSES = {
    "triplet": lambda: losses.TripletMarginLoss(),
    "triplet_m02_swap": lambda: losses.TripletMarginLoss(margin=0.2, swap=True),
    "triplet_smooth": lambda: losses.TripletMarginLoss(margin=0.1, smooth_loss=True),
    "triplet_cosine_swap": lambda: losses.TripletMarginLoss(margin=0.1, swap=True, distance=distances.CosineSimilarity()),
    "triplet_mean_squared": lambda: losses.TripletMarginLoss(margin=0.3, distance=distances.LpDistance(power=2), reducer=reducers.MeanReducer()),
    "triplet_sum_raw": lambda: losses.TripletMarginLoss(margin=0.5, distance=distances.LpDistance(normalize_embeddings=False), reducer=reducers.SumReducer()),
    "contrastive": lambda: losses.ContrastiveLoss(),
    "contrastive_margins": lambda: losses.ContrastiveLoss(pos_margin=0.3, neg_margin=1.2),
    "contrastive_cosine": lambda: losses.ContrastiveLoss(pos_margin=1, neg_margin=0, distance=distances.CosineSimilarity()),
    "contrastive_per_anchor": lambda: losses.ContrastiveLoss(pos_margin=0.2, neg_margin=1.1, reducer=reducers.PerAnchorReducer()),
    "contrastive_threshold": lambda: losses.ContrastiveLoss(pos_margin=0.1, neg_margin=1.3, reducer=reducers.ThresholdReducer(low=0.05, high=0.9)),
    "multisimilarity": lambda: losses.MultiSimilarityLoss(),
    "multisimilarity_lp": lambda: losses.MultiSimilarityLoss(alpha=1, beta=10, base=0.8, distance=distances.LpDistance()),
    "ntxent": lambda: losses.NTXentLoss(temperature=0.1),
    "ntxent_lp": lambda: losses.NTXentLoss(temperature=0.5, distance=distances.LpDistance()),
    "supcon": lambda: losses.SupConLoss(),
    "supcon_lp": lambda: losses.SupConLoss(temperature=0.2, distance=distances.LpDistance(power=2)),
    "circle": lambda: losses.CircleLoss(),
    "circle_small": lambda: losses.CircleLoss(m=0.25, gamma=16),
    "npairs": lambda: losses.NPairsLoss(),
    "npairs_lp": lambda: losses.NPairsLoss(distance=distances.LpDistance()),
}

# Losses with their own weights: (constructor, name of the weight, whether it is stored [D, C·k]).
PROXY = {
    "arcface": (lambda c, d: losses.ArcFaceLoss(num_classes=c, embedding_size=d), "W"),
    "arcface_small": (lambda c, d: losses.ArcFaceLoss(num_classes=c, embedding_size=d, margin=10, scale=8), "W"),
    "cosface": (lambda c, d: losses.CosFaceLoss(num_classes=c, embedding_size=d), "W"),
    "cosface_small": (lambda c, d: losses.CosFaceLoss(num_classes=c, embedding_size=d, margin=0.2, scale=10), "W"),
    "sphereface": (lambda c, d: losses.SphereFaceLoss(num_classes=c, embedding_size=d, margin=4, scale=1), "W"),
    "largemargin": (lambda c, d: losses.LargeMarginSoftmaxLoss(num_classes=c, embedding_size=d, margin=3, scale=1), "W"),
    "subcenter": (lambda c, d: losses.SubCenterArcFaceLoss(num_classes=c, embedding_size=d, sub_centers=3, margin=20, scale=16), "W"),
    "normsoftmax": (lambda c, d: losses.NormalizedSoftmaxLoss(num_classes=c, embedding_size=d), "W"),
    "normsoftmax_t": (lambda c, d: losses.NormalizedSoftmaxLoss(num_classes=c, embedding_size=d, temperature=0.5), "W"),
    "proxyanchor": (lambda c, d: losses.ProxyAnchorLoss(num_classes=c, embedding_size=d), "proxies"),
    "proxyanchor_lp": (lambda c, d: losses.ProxyAnchorLoss(num_classes=c, embedding_size=d, margin=0.2, alpha=8, distance=distances.LpDistance()), "proxies"),
    "proxynca": (lambda c, d: losses.ProxyNCALoss(num_classes=c, embedding_size=d), "proxies"),
    "proxynca_cos": (lambda c, d: losses.ProxyNCALoss(num_classes=c, embedding_size=d, softmax_scale=10, distance=distances.CosineSimilarity()), "proxies"),
}

# Cross-batch memory: (wrapped loss, miner, memory size); three batches of 8 fill and wrap it.
MEMORY = {
    "xbm_triplet": (lambda: losses.TripletMarginLoss(margin=0.2), None, 20),
    "xbm_contrastive": (lambda: losses.ContrastiveLoss(pos_margin=0.1, neg_margin=0.9), None, 20),
    "xbm_ntxent": (lambda: losses.NTXentLoss(temperature=0.2), None, 12),
    "xbm_multisimilarity_mined": (lambda: losses.MultiSimilarityLoss(), lambda: miners.MultiSimilarityMiner(epsilon=0.2), 20),
    "xbm_triplet_mined": (lambda: losses.TripletMarginLoss(margin=0.1), lambda: miners.TripletMarginMiner(margin=0.3), 16),
    "xbm_contrastive_enqueue_mask": (lambda: losses.ContrastiveLoss(), None, 16),
}

# Regularisers alone, losses with regularisers, and a weighted sum of losses:
# (constructor(classes, dim), name of its weight or None).
COMBOS = {
    "reg_lp": (lambda c, d: regularizers.LpRegularizer(), None),
    "reg_lp_squared": (lambda c, d: regularizers.LpRegularizer(power=2), None),
    "reg_zero_mean": (lambda c, d: regularizers.ZeroMeanRegularizer(), None),
    "reg_regularface": (lambda c, d: regularizers.RegularFaceRegularizer(), None),
    "triplet_embedding_reg": (lambda c, d: losses.TripletMarginLoss(margin=0.1, embedding_regularizer=regularizers.LpRegularizer(), embedding_reg_weight=0.1), None),
    "arcface_regularface": (lambda c, d: losses.ArcFaceLoss(num_classes=c, embedding_size=d, margin=10, scale=8, weight_regularizer=regularizers.RegularFaceRegularizer(), weight_reg_weight=0.5), "W"),
    "proxyanchor_regularface": (lambda c, d: losses.ProxyAnchorLoss(num_classes=c, embedding_size=d, weight_regularizer=regularizers.RegularFaceRegularizer()), "proxies"),
    "arcface_plus_triplet": (lambda c, d: losses.MultipleLosses(
        [losses.ArcFaceLoss(num_classes=c, embedding_size=d, margin=10, scale=8), losses.TripletMarginLoss()],
        weights=[1, 0.1], miners=[None, miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard")]), "losses.0.W"),
}

MINERS = {
    "batch_hard": lambda: miners.BatchHardMiner(),
    "batch_hard_cosine": lambda: miners.BatchHardMiner(distance=distances.CosineSimilarity()),
    "triplet_all": lambda: miners.TripletMarginMiner(margin=0.2, type_of_triplets="all"),
    "triplet_hard": lambda: miners.TripletMarginMiner(margin=0.2, type_of_triplets="hard"),
    "triplet_semihard": lambda: miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard"),
    "triplet_easy": lambda: miners.TripletMarginMiner(margin=0.2, type_of_triplets="easy"),
    "triplet_semihard_cosine": lambda: miners.TripletMarginMiner(margin=0.3, type_of_triplets="semihard", distance=distances.CosineSimilarity()),
    "pair_margin": lambda: miners.PairMarginMiner(pos_margin=0.9, neg_margin=1.2),
    "pair_margin_cosine": lambda: miners.PairMarginMiner(pos_margin=0.5, neg_margin=0.1, distance=distances.CosineSimilarity()),
    "multi_similarity": lambda: miners.MultiSimilarityMiner(epsilon=0.1),
    "multi_similarity_lp": lambda: miners.MultiSimilarityMiner(epsilon=0.2, distance=distances.LpDistance()),
    "easy_hard": lambda: miners.BatchEasyHardMiner(),
    "easy_hard_hard_hard": lambda: miners.BatchEasyHardMiner(pos_strategy="hard", neg_strategy="hard"),
    "easy_hard_semihard_hard": lambda: miners.BatchEasyHardMiner(pos_strategy="semihard", neg_strategy="hard"),
    "easy_hard_easy_easy": lambda: miners.BatchEasyHardMiner(pos_strategy="easy", neg_strategy="easy"),
    "easy_hard_hard_semihard_cosine": lambda: miners.BatchEasyHardMiner(pos_strategy="hard", neg_strategy="semihard", distance=distances.CosineSimilarity()),
    "easy_hard_semihard_easy_cosine": lambda: miners.BatchEasyHardMiner(pos_strategy="semihard", neg_strategy="easy", distance=distances.CosineSimilarity()),
    "easy_hard_all_hard": lambda: miners.BatchEasyHardMiner(pos_strategy="all", neg_strategy="hard"),
    "easy_hard_easy_all": lambda: miners.BatchEasyHardMiner(pos_strategy="easy", neg_strategy="all"),
    "easy_hard_ranges": lambda: miners.BatchEasyHardMiner(pos_strategy="hard", neg_strategy="easy", allowed_pos_range=(0.3, 1.1), allowed_neg_range=(0.6, 1.3)),
}


def share(cases):
    """Stores inputs and index tuples that several cases use once, referenced by name."""
    seen, seen_idx = {}, {}
    for c in cases:
        for k in ("embeddings", "reference"):
            if k in c["tensors"]:
                seen.setdefault(json.dumps(c["tensors"][k]), []).append((c, k))
        if c["indices"]:
            seen_idx.setdefault(json.dumps(c["indices"], sort_keys=True), []).append(c)
    shared, shared_idx, shared_labels = {}, {}, {}
    by_labels = {}
    for c in cases:
        if len(c.get("labels") or []) > 8:
            by_labels.setdefault(json.dumps(c["labels"]), []).append(c)
    for users in by_labels.values():
        if len(users) > 1:
            name = f"l{len(shared_labels)}"
            shared_labels[name] = users[0]["labels"]
            for c in users:
                c["labels"] = []
                c["sharedLabels"] = name
    for users in seen.values():
        if len(users) > 1:
            name = f"t{len(shared)}"
            shared[name] = users[0][0]["tensors"][users[0][1]]
            for c, k in users:
                c["tensors"][k] = {"shared": name}
    for users in seen_idx.values():
        if len(users) > 1:
            name = f"i{len(shared_idx)}"
            shared_idx[name] = users[0]["indices"]
            for c in users:
                c["indices"] = {}
                c["sharedIndices"] = name
    return shared, shared_idx, shared_labels


def tuple_dict(t):
    keys = ["a", "p", "n"] if len(t) == 3 else ["a1", "p", "a2", "n"]
    return {k: [int(v) for v in x] for k, x in zip(keys, t)}


def main():
    cases = []
    fx = fixtures()
    rng = np.random.RandomState(11)

    for cname, make in DISTANCES.items():
        # The large batch exercises LpDistance's matrix-product path; the similarities have no other path.
        for fname in ["random12", "large26", "duplicates"] if cname.startswith("lp") else ["random12", "duplicates"]:
            e, l = fx[fname]
            q = torch.tensor(e, requires_grad=True)
            mat = make()(q)
            gy = upstream(mat.shape)
            (mat * torch.tensor(gy)).sum().backward()
            cases.append({"name": f"{cname}/{fname}", "group": "distance", "config": cname, "fixture": fname,
                          "labels": [int(v) for v in l], "refLabels": None, "loss": None, "indices": {}, "indexKind": None,
                          "tensors": {"embeddings": enc(e), "mat": enc(mat), "grad": enc(q.grad)}})
        # Query against a separate reference batch.
        e, _ = fx["random12"]
        r, _ = fx["random16"]
        r = r[:7]
        q = torch.tensor(e, requires_grad=True)
        rt = torch.tensor(r, requires_grad=True)
        mat = make()(q, rt)
        gy = upstream(mat.shape)
        (mat * torch.tensor(gy)).sum().backward()
        cases.append({"name": f"{cname}/reference", "group": "distance", "config": cname, "fixture": "reference",
                      "labels": [], "refLabels": None, "loss": None, "indices": {}, "indexKind": None,
                      "tensors": {"embeddings": enc(e), "reference": enc(r), "mat": enc(mat),
                                  "grad": enc(q.grad), "refGrad": enc(rt.grad)}})

    def loss_case(cname, fname, e, l, indices=None, ref=None, ref_labels=None):
        x = torch.tensor(e, requires_grad=True)
        kwargs = {}
        if indices is not None:
            kwargs["indices_tuple"] = tuple(torch.tensor(v, dtype=torch.long) for v in indices)
        rt = None
        if ref is not None:
            rt = torch.tensor(ref, requires_grad=True)
            kwargs["ref_emb"] = rt
            kwargs["ref_labels"] = torch.tensor(ref_labels)
        loss = LOSSES[cname]()(x, torch.tensor(l), **kwargs)
        loss.backward()
        tensors = {"embeddings": enc(e), "grad": enc(x.grad if x.grad is not None else torch.zeros_like(x))}
        if rt is not None:
            tensors["reference"] = enc(ref)
            tensors["refGrad"] = enc(rt.grad if rt.grad is not None else torch.zeros_like(rt))
        assert np.isfinite(loss.item())
        return {"name": f"{cname}/{fname}", "group": "loss", "config": cname, "fixture": fname,
                "labels": [int(v) for v in l], "refLabels": None if ref_labels is None else [int(v) for v in ref_labels],
                "loss": float(loss.item()), "indices": {} if indices is None else tuple_dict(indices),
                "indexKind": None if indices is None else ("triplets" if len(indices) == 3 else "pairs"),
                "tensors": tensors}

    for cname in LOSSES:
        # Variants of a loss (other margins, distances, reducers) run on fewer inputs than the
        # base configuration: one random batch, the edge cases, the large batch, mined triplets.
        variant = "_" in cname
        for fname, (e, l) in fx.items():
            if variant and fname == "random12":
                continue
            cases.append(loss_case(cname, fname, e, l))
        # Explicit tuples: a miner's output, given as indices (weak supervision).
        e, l = fx["random16"]
        with torch.no_grad():
            et, lt = torch.tensor(e), torch.tensor(l)
            trip = miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard")(et, lt)
            pairs = miners.PairMarginMiner(pos_margin=0.9, neg_margin=1.2)(et, lt)
        cases.append(loss_case(cname, "mined_triplets", e, l, indices=[t.numpy() for t in trip]))
        if variant:
            continue
        cases.append(loss_case(cname, "mined_pairs", e, l, indices=[t.numpy() for t in pairs]))
        # A separate reference batch (as cross-batch memory uses). PML's swap indexes the
        # query-by-reference matrix with (positive, negative) reference indices, and PerAnchorReducer
        # sizes its table by the query batch; both fail with a larger reference.
        # NPairsLoss does not support a reference batch at all.
        if "swap" in cname or "per_anchor" in cname or cname.startswith("npairs"):
            continue
        r, rl = fx["random12"]
        e2, l2 = e[:6], l[:6] % 4
        cases.append(loss_case(cname, "reference", e2, l2, ref=r, ref_labels=rl))

    for cname, (make, wname) in PROXY.items():
        names = ["random12", "random16", "duplicates", "single_class", "no_positives", "large26", "mined_triplets"]
        if "_" in cname:  # a variant: fewer inputs (see the losses above)
            names = ["random16", "duplicates", "single_class", "large26"]
        for fname in names:
            e, l = fx["random16" if fname == "mined_triplets" else fname]
            classes = int(max(l)) + 1
            loss = make(classes, e.shape[1])
            w = getattr(loss, wname)
            w.data = torch.tensor(np.round(rng.randn(*w.shape), 3))
            x = torch.tensor(e, requires_grad=True)
            kwargs = {}
            tuples = None
            if fname == "mined_triplets":
                with torch.no_grad():
                    tuples = miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard")(torch.tensor(e), torch.tensor(l))
                kwargs["indices_tuple"] = tuples
            value = loss(x, torch.tensor(l), **kwargs)
            value.backward()
            cases.append({"name": f"{cname}/{fname}", "group": "proxy", "config": cname, "fixture": fname,
                          "labels": [int(v) for v in l], "refLabels": None, "loss": float(value.item()),
                          "indices": {} if tuples is None else tuple_dict(tuples),
                          "indexKind": None if tuples is None else "triplets",
                          "tensors": {"embeddings": enc(e), "weight": enc(w), "grad": enc(x.grad), "weightGrad": enc(w.grad)}})

    for cname, (make, wname) in COMBOS.items():
        for fname in ["random12", "random16", "duplicates", "single_class"]:
            e, l = fx[fname]
            classes = int(max(l)) + 1
            module = make(classes, e.shape[1])
            w = None
            if wname is not None:
                w = module
                for part in wname.split("."):
                    w = w[int(part)] if part.isdigit() else getattr(w, part)
                w.data = torch.tensor(np.round(rng.randn(*w.shape), 3))
            x = torch.tensor(e, requires_grad=True)
            value = module(x) if cname.startswith("reg_") else module(x, torch.tensor(l))
            value.backward()
            tensors = {"embeddings": enc(e), "grad": enc(x.grad)}
            if w is not None:
                tensors["weight"] = enc(w)
                tensors["weightGrad"] = enc(w.grad)
            cases.append({"name": f"{cname}/{fname}", "group": "combo", "config": cname, "fixture": fname,
                          "labels": [int(v) for v in l], "refLabels": None, "loss": float(value.item()),
                          "indices": {}, "indexKind": None, "tensors": tensors})

    for cname, (make_loss, make_miner, size) in MEMORY.items():
        mem = losses.CrossBatchMemory(make_loss(), embedding_size=5, memory_size=size,
                                      miner=None if make_miner is None else make_miner())
        steps = 3
        es = np.round(rng.randn(steps, 8, 5), 3)
        ls = rng.randint(0, 3, (steps, 8))
        mask = np.array([i % 2 == 0 for i in range(8)])
        values, tensors = [], {}
        for t in range(steps):
            x = torch.tensor(es[t], requires_grad=True)
            if "enqueue_mask" in cname:
                value = mem(x, torch.tensor(ls[t]), enqueue_mask=torch.tensor(mask))
            else:
                value = mem(x, torch.tensor(ls[t]))
            value.backward()
            values.append(value.item())
            tensors[f"embeddings{t}"] = enc(es[t])
            tensors[f"grad{t}"] = enc(x.grad if x.grad is not None else torch.zeros_like(x))
        tensors["losses"] = enc(np.array(values))
        cases.append({"name": cname, "group": "memory", "config": cname, "fixture": f"size{size}",
                      "labels": [int(v) for v in ls.ravel()], "refLabels": None, "loss": None,
                      "indices": {"mask": [int(v) for v in mask], "memorySize": [size]}, "indexKind": None,
                      "tensors": tensors})

    for mname, make in MINERS.items():
        names = ["random12", "random16", "large26", "single_class", "no_positives"]
        if mname in ("triplet_all", "triplet_easy", "triplet_hard") or "_all" in mname:
            # Long outputs: the small batches are enough (semi-hard and the rest cover the large one).
            names = ["random12", "random16", "single_class", "no_positives"]
        for fname in names:
            e, l = fx[fname]
            out = make()(torch.tensor(e), torch.tensor(l))
            cases.append({"name": f"{mname}/{fname}", "group": "miner", "config": mname, "fixture": fname,
                          "labels": [int(v) for v in l], "refLabels": None, "loss": None,
                          "indices": tuple_dict(out), "indexKind": "triplets" if len(out) == 3 else "pairs",
                          "tensors": {"embeddings": enc(e)}})

    with open(os.path.join(HERE, "pml.json"), "w") as f:
        shared, shared_idx, shared_labels = share(cases)
        for c in cases:
            if c["name"] == f"{c['config']}/{c['fixture']}":
                del c["name"]
            for k in [k for k, v in c.items() if v is None or v == {} or v == []]:
                del c[k]
        json.dump({"cases": cases, "shared": shared, "sharedIndices": shared_idx, "sharedLabels": shared_labels},
                  f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
