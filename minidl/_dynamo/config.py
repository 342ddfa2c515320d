"""``torch._dynamo.config``: PyTorch's TorchDynamo settings with their defaults. minidl compiles nothing, so they are
only recorded (scripts set ``suppress_errors`` or ``cache_size_limit`` and read them back)."""
suppress_errors = False
cache_size_limit = 8
recompile_limit = 8
accumulated_cache_size_limit = 256
accumulated_recompile_limit = 256
verbose = False
capture_scalar_outputs = False
capture_dynamic_output_shape_ops = False
optimize_ddp = True
automatic_dynamic_shapes = True
assume_static_by_default = True
force_parameter_static_shapes = True
error_on_recompile = False
inline_inbuilt_nn_modules = True
