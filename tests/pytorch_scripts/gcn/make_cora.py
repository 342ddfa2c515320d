"""Write a small synthetic stand-in for the Cora citation dataset as ``cora.tgz`` (``cora/cora.content``: paper id,
binary word features, class label; ``cora/cora.cites``: cited/citing id pairs), laid out as the LINQS archive."""
import io
import sys
import tarfile

import numpy as np


def make(path, nodes=60, words=24, edges=150, seed=0):
    """A graph with ``nodes`` papers in 3 classes whose features and links depend on their class."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(1000, 99999), size=nodes, replace=False)
    classes = ["Neural_Networks", "Theory", "Rule_Learning"]
    label = rng.integers(0, 3, size=nodes)
    rows = []
    for i in range(nodes):
        p = np.full(words, 0.1)
        p[label[i] * 8:(label[i] + 1) * 8] = 0.5
        feats = (rng.random(words) < p).astype(int)
        if i == 0:
            feats[:] = 0  # a paper without words: its scale is 1/0 = inf, set to 0 by the script
        rows.append("\t".join([str(ids[i]), *map(str, feats), classes[label[i]]]))
    content = "\n".join(rows) + "\n"
    cites = set()
    while len(cites) < edges:
        a, b = rng.integers(0, nodes, size=2)
        if a != b and (label[a] == label[b] or rng.random() < 0.2):
            cites.add((ids[a], ids[b]))
    cites_text = "\n".join(f"{a}\t{b}" for a, b in sorted(cites)) + "\n"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("cora/cora.content", content), ("cora/cora.cites", cites_text)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    make(sys.argv[1] if len(sys.argv) > 1 else "cora.tgz")
