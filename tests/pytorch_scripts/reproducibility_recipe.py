# Follows PyTorch's "Reproducibility" notes (https://github.com/pytorch/pytorch/blob/main/docs/source/notes/randomness.rst)
# and the DataLoader's "Randomness in multi-process data loading" docs, written anew as a script: seeding torch,
# random and NumPy, deterministic algorithms, cuDNN flags, and a DataLoader whose workers are seeded through
# worker_init_fn and a Generator, run twice to show the same batches; torch -> minidl in the imports only.
import random

import numpy as np

import minidl as torch
from minidl.utils.data import DataLoader, Dataset, get_worker_info

torch.manual_seed(0)
random.seed(0)
np.random.seed(0)

torch.backends.cudnn.benchmark = False
torch.use_deterministic_algorithms(True)
torch.backends.cudnn.deterministic = True
print(torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
print(torch.initial_seed(), torch.rand(3).round(decimals=4))
torch.use_deterministic_algorithms(True, warn_only=True)
print(torch.get_deterministic_debug_mode())
torch.set_deterministic_debug_mode("default")
print(torch.are_deterministic_algorithms_enabled())


class RandomDataset(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = get_worker_info()
        worker = -1 if info is None else info.id
        return index, worker, torch.rand(1).item(), random.random(), np.random.rand()


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


def run(num_workers, init_fn):
    g = torch.Generator()
    g.manual_seed(0)
    loader = DataLoader(RandomDataset(), batch_size=2, shuffle=True, num_workers=num_workers,
                        worker_init_fn=init_fn, generator=g)
    rows = []
    for index, worker, t, r, n in loader:
        rows.append((index.tolist(), worker.tolist(), [round(v, 6) for v in t.tolist()],
                     [round(v, 6) for v in r.tolist()], [round(v, 6) for v in n.tolist()]))
    return rows


for num_workers, init_fn in ((0, None), (2, seed_worker), (2, None)):
    first = run(num_workers, init_fn)
    second = run(num_workers, init_fn)
    print(f"num_workers={num_workers} worker_init_fn={init_fn is not None} same twice: {first == second}")
    for row in first:
        print(row)

g = torch.Generator().manual_seed(2147483647)
print(torch.randint(0, 10, (5,), generator=g), g.initial_seed())
state = g.get_state()
a = torch.rand(2, generator=g)
g.set_state(state)
print(torch.equal(a, torch.rand(2, generator=g)))
torch.use_deterministic_algorithms(False)
