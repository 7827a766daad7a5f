import KindredNN
print("kindred")
