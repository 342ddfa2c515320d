import numpy as np
import minidl as torch

np.random.seed(2)

# pytorch/examples uses T = 20, L = 1000, N = 100; cut to keep the test to a few seconds
T = 20
L = 80
N = 8

x = np.empty((N, L), 'int64')
x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype('float64')
torch.save(data, open('traindata.pt', 'wb'))
