"""Shared fixtures: the xbar program of the build folder (XBAR_CLI) and a tiny
synthetic IDX data set written by scripts/synth_idx.sh."""

import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("XBAR_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("XBAR_CLI (the xbar program of the build) not set")
    return path


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    """A folder with 40 training and 20 test images of 8x8 (scripts/synth_idx.sh)."""
    d = tmp_path_factory.mktemp("synth")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "synth_idx.sh"), str(d), "40", "20", "8"], check=True)
    return str(d)


def run_cli(cli, args, cwd):
    r = subprocess.run([cli] + args + ["--quiet"], cwd=cwd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r
