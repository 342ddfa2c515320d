"""After MorvanZhou/PyTorch-Tutorial 202_variable.py: ``Variable`` wrapping a tensor, backward of a mean."""
import minidl as torch
from minidl.autograd import Variable

tensor = torch.FloatTensor([[1, 2], [3, 4]])
variable = Variable(tensor, requires_grad=True)
print(tensor)
print(variable)

t_out = torch.mean(tensor * tensor)
v_out = torch.mean(variable * variable)
print(t_out)
print(v_out)

v_out.backward()
print(variable.grad)
print(variable)
print(variable.data)
print(variable.data.numpy())
print(type(variable).__name__, type(Variable(tensor)).__name__, Variable(tensor).requires_grad)
