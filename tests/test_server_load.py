"""Short form of ``benchmarks.server_load``: a real ``inkdigits serve`` on loopback keeps
serving active clients while 200 idle connections are held open (timing is not asserted)."""
from benchmarks import server_load


def test_idle_connections_do_not_lock_active_clients_out(tiny_model_path, capsys):
    code = server_load.main(["--idle", "200", "--active", "4", "--seconds", "4",
                             "--model", str(tiny_model_path), "--timeout", "30",
                             "--serve-args", "--channel-timeout 1"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert lines["errors"] == "0"
    assert lines["statuses"].startswith("200: ")
    assert "0 not 200" in lines["health"]
    assert "0 tracebacks" in lines["server log"]
    idle = lines["ink"]
    assert "200 idle connections held" in idle and "0 failed to open" in idle
    reopened = int(idle.split("(")[1].split()[0])
    assert reopened >= 200          # the server closed idle connections after --channel-timeout


def test_the_throughput_table_covers_each_workers_and_clients_count(capsys):
    code = server_load.main(["--workers", "1,2", "--clients", "1,3", "--idle", "0",
                             "--seconds", "1", "--warmup", "0.5", "--timeout", "30"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [line.strip("|").split("|") for line in out.splitlines()
            if line.startswith("| ") and not line.startswith("| workers")]
    assert [(int(r[0]), int(r[1])) for r in rows] == [(1, 1), (1, 3), (2, 1), (2, 3)]
    assert all(int(r[2]) > 0 and int(r[7]) == 0 for r in rows)    # requests made, no errors
    notes = [line for line in out.splitlines() if "RSS per worker" in line]
    assert notes[0].startswith("1 worker (waitress") and notes[0].count("peak") == 1
    assert notes[1].startswith("2 workers (gunicorn") and notes[1].count("peak") == 2
    assert "errors: 0" in out
