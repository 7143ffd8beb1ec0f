"""Short form of ``benchmarks.server_sigkill``: samples sent to a real ``inkdigits serve``
that is SIGKILLed mid-stream are, after retries with their keys, each stored and exported
exactly once."""
from benchmarks import server_sigkill


def test_no_acknowledged_sample_is_lost_or_duplicated_by_sigkill(tiny_model_path, capsys):
    code = server_sigkill.main(["--kills", "1", "--clients", "3", "--seed", "1",
                                "--model", str(tiny_model_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "lost: 0, duplicated: 0" in out
    counts = out.split("acknowledged: ")[1].split("\n")[0]
    acked, stored, exported = (int(part.split(": ")[-1].split()[0]) for part in counts.split(", "))
    assert acked == stored == exported > 0
