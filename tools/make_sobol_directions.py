"""Writes minidl/_sobol_directions.py: the first DIMENSIONS rows of Joe and Kuo's Sobol' direction numbers.

Source: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
SIAM J. Sci. Comput. 30, 2635-2654 (2008), file new-joe-kuo-6.21201 (https://web.maths.unsw.edu.au/~fkuo/sobol/),
the table PyTorch's SobolEngine uses; read here from the copy SciPy ships (scipy/stats/_sobol_direction_numbers.npz).
Run with a Python that has SciPy: ``python tools/make_sobol_directions.py``.
"""
import os

import numpy as np
import scipy

DIMENSIONS = 256
NOTICE = '''"""Joe and Kuo's Sobol' direction numbers (new-joe-kuo-6.21201), dimensions 1 to {n}: written by
tools/make_sobol_directions.py. Each entry is ``(polynomial, initial direction numbers m_1..m_s)``, the
polynomial's bits giving its degree s and coefficients (dimension 1 has none: every m is 1).

Copyright (c) 2008, Frances Y. Kuo and Stephen Joe. All rights reserved. Redistribution and use in source and
binary forms, with or without modification, are permitted provided that the following conditions are met:
redistributions of source code must retain the above copyright notice, this list of conditions and the
following disclaimer; redistributions in binary form must reproduce the above copyright notice, this list of
conditions and the following disclaimer in the documentation and/or other materials provided with the
distribution; neither the names of the copyright holders nor the names of the University of New South Wales
and the University of Waikato and its contributors may be used to endorse or promote products derived from
this software without specific prior written permission. THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS
AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
COPYRIGHT HOLDERS OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""
'''

data = np.load(os.path.join(os.path.dirname(scipy.__file__), "stats", "_sobol_direction_numbers.npz"))
rows = []
for i in range(DIMENSIONS):
    poly = int(data["poly"][i])
    degree = poly.bit_length() - 1
    rows.append(f"({poly}, ({', '.join(str(int(v)) for v in data['vinit'][i][:degree])}{',' if degree == 1 else ''}))")
lines, line = [], "    "
for row in rows:
    if len(line) + len(row) + 2 > 118:
        lines.append(line.rstrip())
        line = "    "
    line += row + ", "
lines.append(line.rstrip())
target = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "minidl", "_sobol_directions.py")
with open(target, "w") as f:
    f.write(NOTICE.format(n=DIMENSIONS) + "\nDIRECTIONS = (\n" + "\n".join(lines) + "\n)\n")
