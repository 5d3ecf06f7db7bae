"""Numba kernels: top-level ``@njit(cache=True, nogil=True)`` functions over flat arrays.

Nothing here knows about words, documents or graphs; the model classes turn their data into the
arrays these functions take.
"""
