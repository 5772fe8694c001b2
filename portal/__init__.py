"""Participatory AI-charter and transparency portal."""

import os
import platform


def _same_float_results_everywhere() -> None:
    """One BLAS kernel on every x86-64 machine with AVX2: OpenBLAS picks its kernels by processor
    (AVX-512 on a Xeon, AVX2 on an EPYC), and their rounding differs enough to change k-means and
    SVD results, hence the synthesis's themes and its published figures (tests/nlp/test_heldout.py
    found ARI 0.2771 on a Xeon where an EPYC had measured 0.2706; with the Haswell kernels both
    give 0.2706). Set before numpy loads (portal is imported first); an explicit
    OPENBLAS_CORETYPE wins, and a processor without AVX2 keeps OpenBLAS's own choice."""
    if "OPENBLAS_CORETYPE" in os.environ or platform.machine() not in ("x86_64", "AMD64"):
        return
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpu:
            flags = next((line for line in cpu if line.startswith("flags")), "")
    except OSError:
        return
    if " avx2" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


_same_float_results_everywhere()

__version__ = "0.1.0"
