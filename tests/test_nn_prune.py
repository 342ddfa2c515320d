"""minidl.nn.utils.prune as torch.nn.utils.prune: the re-parametrisation (``<name>_orig`` parameter, ``<name>_mask``
buffer, forward pre-hook), each method's mask, iterative pruning through a PruningContainer, ``remove``, global
pruning and the errors. The masks and messages below are what torch 2.13 gives for the same calls and seed
(printed there by hand); the pruning tutorial's whole output is compared in test_pytorch_scripts_recipes.py."""
import pytest

import minidl
import minidl.nn as nn
import minidl.nn.utils.prune as prune


def _names(module):
    return [n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()]


@pytest.mark.parametrize("amount, error, message", [
    (-1, ValueError, "amount=-1 should either be a float in the range \\[0, 1\\] or a non-negative integer"),
    (1.5, ValueError, "amount=1.5 should either be a float"),
    ("a", TypeError, "Invalid type for amount: a. Must be int or float."),
])
def test_amount_is_validated(amount, error, message):
    with pytest.raises(error, match=message):
        prune.L1Unstructured(amount)


def test_a_failed_pruning_rolls_back_and_errors_name_the_problem():
    m = nn.Linear(4, 3)
    with pytest.raises(ValueError, match="amount=13 should be smaller than the number of parameters to prune=12"):
        prune.l1_unstructured(m, "weight", amount=13)
    assert _names(m) == (["bias", "weight"], []) and not prune.is_pruned(m)  # re-registered last, as PyTorch
    with pytest.raises(ValueError, match="Parameter 'weight' of module Linear.* has to be pruned before"):
        prune.remove(m, "weight")
    with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional tensors"):
        prune.random_structured(m, "bias", amount=1, dim=0)
    assert _names(m) == (["weight", "bias"], [])
    with pytest.raises(IndexError, match="Invalid index 2 for tensor of size"):
        prune.ln_structured(m, "weight", amount=1, n=2, dim=2)


def test_iterative_pruning_importance_scores_hook_and_remove():
    minidl.manual_seed(0)
    m = nn.Linear(4, 3)
    prune.random_structured(m, "weight", amount=1, dim=0)
    assert m.weight_mask.tolist() == [[0.0] * 4, [1.0] * 4, [1.0] * 4]  # torch 2.13, manual_seed(0)
    assert _names(m) == (["bias", "weight_orig"], ["weight_mask"]) and prune.is_pruned(m)
    prune.l1_unstructured(m, "weight", amount=2, importance_scores=minidl.arange(12.).view(3, 4))
    assert m.weight_mask.tolist() == [[0.0] * 4, [0.0, 0.0, 1.0, 1.0], [1.0] * 4]  # 2 more, among the kept ones
    hooks = list(m._forward_pre_hooks.values())
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer)
    assert [type(h).__name__ for h in hooks[0]] == ["RandomStructured", "L1Unstructured"] and len(hooks[0]) == 2
    with minidl.no_grad():
        m.weight_orig.fill_(2.0)
    m(minidl.ones(1, 4))  # the pre-hook recomputes weight from weight_orig and the mask
    assert m.weight.tolist() == [[0.0] * 4, [0.0, 0.0, 2.0, 2.0], [2.0] * 4] and m.weight.grad_fn is not None
    assert "weight" not in dict(m.named_parameters())
    prune.remove(m, "weight")
    assert _names(m) == (["bias", "weight"], []) and not prune.is_pruned(m)
    assert isinstance(m.weight, nn.Parameter) and m.weight.tolist()[1] == [0.0, 0.0, 2.0, 2.0]


def test_prune_method_and_custom_mask():
    pruned = prune.L1Unstructured(amount=0.5).prune(minidl.tensor([3., -1., 2., -4.]))
    assert pruned.tolist() == [3.0, 0.0, 0.0, -4.0]
    m = nn.Linear(2, 2)
    prune.custom_from_mask(m, "weight", mask=minidl.tensor([[1, 0], [0, 1]]))
    assert m.weight_mask.dtype == m.weight_orig.dtype and m.weight_mask.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    prune.identity(m, "bias")
    assert m.bias_mask.tolist() == [1.0, 1.0]


def test_global_unstructured_prunes_the_smallest_over_all_tensors():
    a, b = nn.Linear(2, 2, bias=False), nn.Linear(2, 1, bias=False)
    with minidl.no_grad():
        a.weight.copy_(minidl.tensor([[0.1, -5.0], [3.0, 0.2]]))
        b.weight.copy_(minidl.tensor([[-0.3, 4.0]]))
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=3)
    assert a.weight_mask.tolist() == [[0.0, 1.0], [1.0, 0.0]] and b.weight_mask.tolist() == [[0.0, 1.0]]
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        prune.global_unstructured([(a, "weight")], pruning_method=prune.RandomStructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        prune.global_unstructured([(a, "weight")], pruning_method=prune.L1Unstructured, importance_scores=[1],
                                  amount=1)


def test_container_checks_what_it_is_given():
    container = prune.PruningContainer()
    container._tensor_name = "w"
    with pytest.raises(TypeError, match="<class 'int'> is not a BasePruningMethod subclass"):
        container.add_pruning_method(3)
    other = prune.Identity()
    other._tensor_name = "b"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'w'"):
        container.add_pruning_method(other)
