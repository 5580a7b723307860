"""Ported hemilabs/op-geth precompile vectors: with HEMI_UPSTREAM_SURVEY=<profile> they run under that profile and
count identical outputs instead of failing; HEMI_UPSTREAM_REPORT=<file> writes the tally (see upstream_synthetic)."""

from __future__ import annotations

import os

import upstream_synthetic


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("HEMI_UPSTREAM_REPORT")
    if path:
        upstream_synthetic.write_tally(path)
