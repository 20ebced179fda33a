"""Benchmarks: each module measures one claim against a baseline in the same run."""
