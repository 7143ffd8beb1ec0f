"""``inkdigits serve`` settings: CLI options, what waitress and the app get, the log filter."""
import logging

import pytest

from inkdigits.cli import build_parser
from webapp import serve


def parse(*argv):
    return build_parser().parse_args(["serve", *argv])


def test_defaults_protect_against_idle_connections_and_overload():
    args = parse()
    opts = serve.waitress_options(args, 1 << 20)
    assert opts["threads"] == 32 and opts["connection_limit"] == 1000
    assert opts["channel_timeout"] == 15 and opts["backlog"] == 1024
    assert opts["asyncore_use_poll"] is True          # no 1024-descriptor select() limit
    assert opts["channel_request_lookahead"] >= 1     # waitress.client_disconnected
    assert opts["max_request_body_size"] == 16 << 20
    config = serve.app_config(args)
    assert config["MAX_RECOGNITIONS"] < opts["threads"]   # threads left for health, 503s
    assert config == {"MAX_RECOGNITIONS": 4, "QUEUE_WAIT_S": 2.0, "REQUEST_DEADLINE_S": 3.0,
                      "SAMPLES_PER_MINUTE": 30, "MAX_STORE_BYTES": 1 << 30,
                      "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "::1"]}


def test_every_setting_is_an_option():
    args = parse("--threads", "3", "--connection-limit", "50", "--channel-timeout", "2.5",
                 "--backlog", "7", "--recognitions", "2", "--queue-wait", "0.1",
                 "--request-deadline", "1.5", "--samples-per-minute", "0",
                 "--max-store-mb", "5", "--allowed-host", "digits.lan",
                 "--allowed-host", "10.0.0.5")
    opts = serve.waitress_options(args, 100)
    assert (opts["threads"], opts["connection_limit"], opts["channel_timeout"],
            opts["backlog"]) == (3, 50, 2.5, 7)
    assert serve.app_config(args) == {
        "MAX_RECOGNITIONS": 2, "QUEUE_WAIT_S": 0.1, "REQUEST_DEADLINE_S": 1.5,
        "SAMPLES_PER_MINUTE": 0, "MAX_STORE_BYTES": 5 << 20,
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "::1", "digits.lan", "10.0.0.5"]}


@pytest.mark.parametrize("argv", [["--threads", "0"], ["--queue-wait", "-1"],
                                  ["--request-deadline", "nan"], ["--channel-timeout", "inf"],
                                  ["--connection-limit", "x"]])
def test_bad_settings_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as e:
        parse(*argv)
    assert e.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _record(msg="Task queue depth is %d", args=(3,)):
    return logging.LogRecord("waitress.queue", logging.WARNING, "task.py", 1, msg, args, None)


def test_queue_warnings_pass_once_per_interval_and_count_the_rest():
    clock = Clock()
    limit = serve.RateLimitFilter(interval=10, clock=clock)
    passed = []
    for i in range(1000):
        clock.now = i / 8       # 1000 warnings over 125 s, 80 in each 10 s
        record = _record()
        if limit.filter(record):
            passed.append(record.getMessage())
    assert len(passed) == 13
    assert passed[0] == "Task queue depth is 3"
    assert passed[1] == "Task queue depth is 3 (79 more like it in the last 10 s)"


def test_the_filter_sits_on_waitress_queue_logger():
    from waitress import task

    assert serve.QUEUE_LOGGER == task.ThreadedTaskDispatcher.queue_logger.name


def test_one_process_under_waitress_is_the_default():
    assert parse().workers == 1
    assert parse("--workers", "3").workers == 3


def test_worker_settings_map_onto_gunicorn():
    from webapp.workers import gunicorn_options

    opts = gunicorn_options(parse("--workers", "4", "--threads", "8", "--port", "9001",
                                  "--connection-limit", "50", "--channel-timeout", "2.5",
                                  "--backlog", "7"))
    assert opts["bind"] == ["127.0.0.1:9001"]
    assert (opts["workers"], opts["worker_class"], opts["threads"]) == (4, "gthread", 8)
    assert opts["preload_app"] is False               # models load in each worker
    assert (opts["worker_connections"], opts["keepalive"], opts["backlog"]) == (50, 3, 7)
    assert opts["accesslog"] is None                  # webapp.observe logs the requests
    assert gunicorn_options(parse("--workers", "2", "--host", "::1"))["bind"] == ["[::1]:8000"]


def test_every_gunicorn_setting_we_pass_exists():
    from gunicorn.config import Config

    from webapp.workers import gunicorn_options

    known = Config().settings
    assert set(gunicorn_options(parse("--workers", "2"))) <= set(known)
