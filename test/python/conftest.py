"""Shared fixtures of the heed package's tests (run by `make test` with
build/venv/bin/python -m pytest test/python)."""

import os

import numpy as np
import pytest

import heed

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(heed._compile.heedc_path())


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """A compile cache of this test session only."""
    return str(tmp_path_factory.mktemp("heed-cache"))


@pytest.fixture(scope="session")
def encoder(cache):
    """test/e2e/bounded/tiny_encoder.heed, random weights 3, L = 16."""
    return heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                        random_weights=3, cache_dir=cache)


def encoder_feeds(L=16, seed=0):
    rng = np.random.default_rng(seed)
    return {"ids": rng.integers(0, 50, (2, L)).astype(np.int64),
            "keep": np.arange(L)[None, :] < np.array([[L], [max(1, L - 3)]])}
