"""A stand-in for ``torchviz`` (not installed here, and built on torch): ``make_dot`` walks the autograd graph
as torchviz does (``grad_fn``, ``next_functions``, an ``AccumulateGrad`` node's ``variable``) and gives back the
graph as text (node names and edges) instead of a graphviz Digraph; each graph is also kept in ``graphs`` for a
test to read."""

graphs = []


class Dot:
    """The graph ``make_dot`` found: ``nodes`` (id -> label) and ``edges`` ((from id, to id) pairs)."""

    def __init__(self):
        self.nodes, self.edges = {}, []

    def source(self):
        """A dot-language text of the graph."""
        lines = [f'  {n} [label="{label}"]' for n, label in self.nodes.items()]
        lines += [f"  {a} -> {b}" for a, b in self.edges]
        return "digraph {\n" + "\n".join(lines) + "\n}"

    def labels(self):
        """The node labels, in the order they were found."""
        return list(self.nodes.values())


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph behind ``var`` (a Tensor or a tuple of Tensors); ``params`` names leaf Tensors."""
    names = {id(v): k for k, v in (params or {}).items()}
    dot = Dot()
    seen = set()

    def add_tensor(t, label):
        dot.nodes[str(id(t))] = label
        if t.grad_fn is not None:
            add_fn(t.grad_fn)
            dot.edges.append((str(id(t.grad_fn)), str(id(t))))

    def add_fn(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if hasattr(fn, "variable"):  # AccumulateGrad: a leaf
            leaf = fn.variable
            dot.nodes[str(id(fn))] = f"{names.get(id(leaf), '')}\n{tuple(leaf.size())}".strip()
        else:
            dot.nodes[str(id(fn))] = type(fn).__name__ if not hasattr(fn, "name") else fn.name()
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                add_fn(nxt)
                dot.edges.append((str(id(nxt)), str(id(fn))))

    for v in (var if isinstance(var, tuple) else (var,)):
        add_tensor(v, names.get(id(v), "output"))
    graphs.append(dot)
    return dot
