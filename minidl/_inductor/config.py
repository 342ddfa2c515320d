"""``torch._inductor.config``: a few of TorchInductor's settings with PyTorch's defaults, recorded only."""
max_autotune = False
freezing = False
cpp_wrapper = False
fx_graph_cache = True
