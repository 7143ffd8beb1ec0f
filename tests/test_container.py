"""The Dockerfile says what the README promises: a slim base, a non-root user, the models
checked at build time, and a command and health check that this code understands. (No
Docker engine here: the files are linted by hadolint and docker-compose, not built.)"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.loopback import SIX_DIGITS
from inkdigits.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def instructions():
    """``[(INSTRUCTION, argument text)]`` of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_image_is_slim_and_runs_as_a_non_root_user():
    froms = [arg for op, arg in instructions() if op == "FROM"]
    assert all("-slim" in arg for arg in froms)
    users = [arg for op, arg in instructions() if op == "USER"]
    assert len(users) == 1 and users[0].split(":")[0].isdigit() and users[0] != "0"


def test_its_command_is_a_valid_serve_with_workers():
    (entry,) = [json.loads(arg) for op, arg in instructions() if op == "ENTRYPOINT"]
    (cmd,) = [json.loads(arg) for op, arg in instructions() if op == "CMD"]
    assert entry == ["inkdigits"]
    args = build_parser().parse_args(cmd)
    assert (args.command, args.host, args.port, args.workers) == ("serve", "0.0.0.0", 8000, 2)


def test_its_health_check_asks_readiness_on_the_served_port(app):
    (check,) = [arg for op, arg in instructions() if op == "HEALTHCHECK"]
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)", check)
    assert url and url.group(1) == "8000"
    assert url.group(2) == "/api/health/ready"
    assert url.group(2) in {rule.rule for rule in app.url_map.iter_rules()}


def test_the_build_time_check_passes_on_this_tree():
    """The image's RUN python -c "..." check, run here on the installed package."""
    (code,) = [m.group(1) for op, arg in instructions() if op == "RUN"
               for m in [re.fullmatch(r'python -c "(.*)"', arg)] if m]
    assert "recognize(ink).text == '170452'" in code and "'tensorflow' not in" in code
    code = code.replace("/opt/inkdigits/six_digits.json", str(SIX_DIGITS))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr
