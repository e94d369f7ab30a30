"""loop workload in plain CPython, for reference: add 1..N with 32-bit wrap."""

import sys

count = int(sys.argv[1])
x = 0
for i in range(1, count + 1):
    x = (x + i) & 0xFFFFFFFF
if x >= 0x80000000:
    x -= 0x100000000
print(x)
