"""A user's run shows no deprecation warning from hemi's code (issue 18, "Noise").

The one that used to show: web3 7 imports ``websockets.legacy`` (deprecated in websockets 14) whenever ``web3`` is
imported, so every script or test run that built a devchain's ``w3`` printed it. ``hemi._quiet_web3`` takes it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = """
import hemi
dev = hemi.Devchain()
dev.mine()
assert dev.w3.eth.block_number == 1
from hemi.web3 import provider  # noqa: F401
from hemi.rpc import build_methods  # noqa: F401
print("clean")
"""


def test_devchain_and_w3_raise_no_deprecation_warning():
    # -W error::DeprecationWarning turns any deprecation warning raised while importing or running into a failure
    out = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", SCRIPT], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": ""})
    assert out.returncode == 0 and "clean" in out.stdout, out.stderr[-2000:]


def test_user_pytest_run_shows_no_deprecation_warning(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        import hemi

        def test_own_devchain():
            dev = hemi.Devchain()
            assert dev.w3.eth.block_number == 0

        def test_fixture(w3):
            assert w3.eth.chain_id == 31337
    """))
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-W",
                          "error::DeprecationWarning", "-rw", str(tmp_path)], capture_output=True, text=True,
                         timeout=180, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "2 passed" in out.stdout and "DeprecationWarning" not in out.stdout, out.stdout[-3000:]
