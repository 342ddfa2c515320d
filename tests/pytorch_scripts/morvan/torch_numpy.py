"""After MorvanZhou/PyTorch-Tutorial 201_torch_numpy.py: NumPy <-> tensor and a few math ops side by side."""
import numpy as np

import minidl as torch

np_data = np.arange(6).reshape((2, 3))
torch_data = torch.from_numpy(np_data)
tensor2array = torch_data.numpy()
print('\nnumpy array:', np_data, '\ntorch tensor:', torch_data, '\ntensor to array:', tensor2array)

data = [-1, -2, 1, 2]
tensor = torch.FloatTensor(data)  # 32-bit floating point
print('\nabs', '\nnumpy: ', np.abs(data), '\ntorch: ', torch.abs(tensor))
print('\nsin', '\nnumpy: ', np.sin(data), '\ntorch: ', torch.sin(tensor))
print('\nmean', '\nnumpy: ', np.mean(data), '\ntorch: ', torch.mean(tensor))

data = [[1, 2], [3, 4]]
tensor = torch.FloatTensor(data)
print('\nmatrix multiplication (matmul)', '\nnumpy: ', np.matmul(data, data), '\ntorch: ', torch.mm(tensor, tensor))
data = np.array(data)
print('\nmatrix multiplication (dot)', '\nnumpy: ', data.dot(data), '\ntorch: ', tensor.flatten().dot(tensor.flatten()))
try:
    tensor.dot(tensor)  # 1-D only since torch 0.4
except RuntimeError as err:
    print('dot of 2-D tensors:', err)
