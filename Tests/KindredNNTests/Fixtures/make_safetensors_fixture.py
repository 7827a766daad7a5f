#!/usr/bin/env python3
"""Regenerates the safetensors fixtures used by SafetensorsTests.swift.

Both files are written by the reference implementation (Hugging Face's `safetensors` package),
so the tests check that Kindred reads what PyTorch/NumPy users actually produce.

Requirements: Python 3.9+, `pip install numpy safetensors` (checked with numpy 2.4, safetensors 0.8).

    python3 Tests/KindredNNTests/Fixtures/make_safetensors_fixture.py

writes, next to this script:

* reference.safetensors: one tensor per dtype (F32, F16, BF16, F64, I64, I32, I8, U8, BOOL),
  a scalar, an empty tensor and metadata. NumPy has no bfloat16, so every tensor goes through
  the package's low-level `serialize_file`, which takes raw little-endian bytes and a dtype name.
* tiny_model.safetensors: a PyTorch-style state dict of `nn.Sequential(nn.Linear(3, 2),
  nn.BatchNorm1d(2))`, saved with `safetensors.numpy.save_file`; `num_batches_tracked` is int64,
  as PyTorch stores it.

The values are fixed (no randomness) and SafetensorsTests.swift repeats them; the byte order of
the header's keys may differ between runs, which readers do not depend on.
"""
import os

import numpy as np
import safetensors
import safetensors.numpy

HERE = os.path.dirname(os.path.abspath(__file__))


def spec(dtype_name, array):
    """A tensor description for `safetensors.serialize_file`: dtype name, shape, raw bytes."""
    array = np.array(array, order="C")  # (np.ascontiguousarray would turn a scalar into shape [1])
    if array.dtype.byteorder == ">":
        array = array.byteswap().view(array.dtype.newbyteorder("<"))
    try:  # safetensors >= 0.7 takes a TensorSpec pointing at the bytes
        from safetensors import TensorSpec

        return TensorSpec(dtype=dtype_name, shape=list(array.shape),
                          data_ptr=array.ctypes.data, data_len=array.nbytes), array
    except ImportError:  # older versions take a dict holding the bytes
        return {"dtype": dtype_name, "shape": list(array.shape), "data": array.tobytes()}, array


def bfloat16_bits(values):
    """bfloat16 bit patterns of float32 values (the values must be exact in bfloat16)."""
    f = np.asarray(values, dtype=np.float32)
    bits = (f.view(np.uint32) >> 16).astype(np.uint16)
    back = (bits.astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(back, f), "value not exactly representable in bfloat16"
    return bits


def write_reference():
    arrays = {
        "f32": ("float32", np.array([[0.0, 1.5, -2.25], [1e-3, 3.4e38, -0.0]], dtype=np.float32)),
        "f16": ("float16", np.array([[1.0, -0.5, 65504.0], [2.0 ** -24, np.inf, -2.0]], dtype=np.float16)),
        "bf16": ("bfloat16", bfloat16_bits([1.0, -2.5, 3.140625, 2.0 ** 100])),
        "f64": ("float64", np.array([[0.1, 2.5], [-3.75, 1e-10]], dtype=np.float64)),
        "i64": ("int64", np.array([0, -7, 123456789], dtype=np.int64)),
        "i32": ("int32", np.array([-1, 2147483647], dtype=np.int32)),
        "i8": ("int8", np.array([-128, 127], dtype=np.int8)),
        "u8": ("uint8", np.array([0, 255], dtype=np.uint8)),
        "bool": ("bool", np.array([True, False, True], dtype=np.bool_)),
        "scalar": ("float32", np.array(42.0, dtype=np.float32)),
        "empty": ("float32", np.zeros((0, 3), dtype=np.float32)),
    }
    keep_alive = []
    specs = {}
    for name, (dtype_name, array) in arrays.items():
        specs[name], buf = spec(dtype_name, array)
        keep_alive.append(buf)
    path = os.path.join(HERE, "reference.safetensors")
    safetensors.serialize_file(specs, path, metadata={"format": "np", "source": "kindred fixture"})
    return path


def write_tiny_model():
    state = {
        "0.weight": np.array([[0.5, -1.0, 2.0], [0.25, 0.0, -0.75]], dtype=np.float32),
        "0.bias": np.array([0.1, -0.2], dtype=np.float32),
        "1.weight": np.array([1.5, 0.5], dtype=np.float32),
        "1.bias": np.array([-1.0, 1.0], dtype=np.float32),
        "1.running_mean": np.array([0.3, -0.4], dtype=np.float32),
        "1.running_var": np.array([2.0, 0.5], dtype=np.float32),
        "1.num_batches_tracked": np.array(5, dtype=np.int64),
    }
    path = os.path.join(HERE, "tiny_model.safetensors")
    safetensors.numpy.save_file(state, path, metadata={"format": "pt"})
    return path


if __name__ == "__main__":
    for path in (write_reference(), write_tiny_model()):
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
