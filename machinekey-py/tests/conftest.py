"""Shared fixtures: the repository's test vectors (tests/data, each with its source)."""

import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


def vectors(name):
    d = load(name)
    return d["vectors"] if isinstance(d, dict) else d


@pytest.fixture(scope="session")
def data_dir():
    return DATA
