"""deeprecipe's benchmarks: ``python -m benchmarks`` (``make bench``) runs every ``bench_*.py``.

Never part of the test suite's pass/fail: timings on a shared two-core machine are figures to
read, not assertions.
"""
