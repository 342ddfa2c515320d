"""Run by tests/test_distributed_mpi.py under ``mpiexec -n 2``: the collectives of
minidl/distributed/more_collectives.py (reduce, gather, scatter, reduce_scatter, all_to_all, the
object collectives, monitored_barrier) over MPI, where they are built on allreduce/bcast/allgather."""
import minidl as torch
import minidl.distributed as dist

dist.init_process_group("mpi")
r, w = dist.get_rank(), dist.get_world_size()
assert w == 2
t = torch.full((3,), r + 1.0)
dist.reduce(t, dst=1)
assert t.tolist() == ([3.0] * 3 if r == 1 else [1.0] * 3)
gl = [torch.zeros(2) for _ in range(w)] if r == 0 else None
dist.gather(torch.tensor([r, r + .5]), gl, dst=0)
assert r != 0 or [g.tolist() for g in gl] == [[0, .5], [1, 1.5]]
o = torch.zeros(2)
dist.scatter(o, [torch.full((2,), 7.0 + i) for i in range(w)] if r == 1 else None, src=1)
assert o.tolist() == [7.0 + r] * 2
o = torch.zeros(2)
dist.reduce_scatter(o, [torch.full((2,), 10.0 * r + i) for i in range(w)])
assert o.tolist() == [10.0 + 2 * r] * 2
outs = [torch.zeros(i + 1) for i in range(w)]
dist.all_to_all(outs, [torch.full((r + 1,), 100.0 * r + i) for i in range(w)])
assert outs[0].tolist() == [r] and outs[1].tolist() == [100.0 + r] * 2
objs = [None] * w
dist.all_gather_object(objs, {"r": r})
assert objs == [{"r": 0}, {"r": 1}]
items = ["a", 2] if r == 0 else [None, None]
dist.broadcast_object_list(items, src=0)
assert items == ["a", 2]
g = [None] * w if r == 1 else None
dist.gather_object(r * 10, g, dst=1)
assert r != 1 or g == [0, 10]
so = [None]
dist.scatter_object_list(so, ["x", "y"] if r == 0 else None, src=0)
assert so == [["x", "y"][r]]
dist.monitored_barrier()
print(f"rank {r} ok", flush=True)
dist.destroy_process_group()
