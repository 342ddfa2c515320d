"""What a custom ``Function``'s recorded backward (``create_graph=True``) gives back, as PyTorch does.

``Function.backward_graph`` hands the user's ``backward`` a requires-grad stand-in for each incoming gradient that
does not require grad, so that a backward that leaves the graph (NumPy inside) is recognised. A result whose
recorded graph reaches nothing but those stand-ins is then a constant in PyTorch (its gradient did not require
grad and nothing it was computed from does): :func:`settle_results` detaches it, so that no stand-in shows as a
leaf of the user's graph and ``requires_grad`` is PyTorch's.
"""


def _reaches_only_stand_ins(result, stand_in_ids, input_ids):
    """Whether every requires-grad leaf behind ``result`` is a stand-in (a released node counts as not)."""
    stack, seen = [result], set()
    while stack:
        t = stack.pop()
        key = id(t)
        if key in seen or key in stand_in_ids:
            continue
        if key in input_ids:
            return False
        seen.add(key)
        node = t.creator
        if node is None:
            if t.requires_grad:
                return False
            continue
        inputs = getattr(node, "inputs", None)
        if inputs is None:
            return False
        stack.extend(i for i in inputs if i is not None and i.requires_grad)
    return True


def settle_results(node, results, stand_ins, guard):
    """``results`` of a recorded custom backward: one that does not require grad goes through ``guard(r)``
    (refusing a second backward through NumPy); one that depends on the stand-ins alone is detached."""
    stand_in_ids = {id(s) for s in stand_ins}
    input_ids = {id(t) for t in (node.inputs or ()) if t is not None and t.requires_grad}
    settled = []
    for r in results:
        if r is None:
            settled.append(None)
        elif not r.requires_grad:
            settled.append(guard(r))
        elif stand_in_ids and _reaches_only_stand_ins(r, stand_in_ids, input_ids):
            settled.append(r.detach())
        else:
            settled.append(r)
    return tuple(settled)
