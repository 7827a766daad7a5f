@_exported import KindredTensor
