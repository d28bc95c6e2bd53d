import os
import sys
from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running (CTest SlowPythonStreaming)")


@pytest.fixture(scope="session")
def shared() -> Path:
    return Path(os.environ.get("XS_SHARED_DIR", Path(__file__).resolve().parents[2] / ".." / "shared"))


@pytest.fixture(scope="session")
def models(shared) -> Path:
    return shared / "data" / "cgcnn" / "pre-trained"


@pytest.fixture(scope="session")
def samples(shared) -> Path:
    return shared / "data" / "cgcnn" / "sample-regression"
