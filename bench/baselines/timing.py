"""Shared timing for the Python baselines: median ops/s over repeats of a calibrated batch."""
import time
import numpy as np


def rate(fn, min_time=0.5, repeats=5):
    fn()
    n = 1
    while True:  # calibrate a batch that takes ~min_time/repeats
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > min_time / repeats:
            break
        n *= 2
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append(n / (time.perf_counter() - t0))
    return float(np.median(samples))
