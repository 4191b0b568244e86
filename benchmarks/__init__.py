"""The performance benchmarks: ``python -m benchmarks`` (see benchmarks/__main__.py).

Not part of the installed package; run from the repository's root.
"""
