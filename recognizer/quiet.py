"""Load the models without TensorFlow's or LiteRT's start-up noise on the user's terminal.

TensorFlow's C++ core logs through absl before any setting can reach it (oneDNN notes,
"Could not find cuda drivers", "failed call to cuInit"), ignoring TF_CPP_MIN_LOG_LEVEL,
and LiteRT announces its XNNPACK delegate. So these steps run with file descriptor 2
pointed at a temporary file; afterwards every line that is not one of those known notices
is written to stderr after all, so a real error is delayed by the load, never lost.
"""
import contextlib
import os
import re
import sys
import tempfile
import threading

NOISE = re.compile(
    r"absl::InitializeLog|oneDNN custom operations|cuda drivers|cuInit|cudart_stub|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|TF-TRT Warning|computation placer|"
    r"This TensorFlow binary is optimized|rebuild TensorFlow with the appropriate compiler|"
    r"cuda_platform|cuda_executor|gpu_device\.cc|Skipping registering GPU devices|"
    r"XNNPACK delegate for CPU")

_lock = threading.RLock()
_imported = False


@contextlib.contextmanager
def notices_dropped():
    """Run the block with fd 2 captured; then write its lines that are not NOISE."""
    with _lock, tempfile.TemporaryFile(mode="w+b") as log:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            log.seek(0)
            kept = [line for line in log.read().decode("utf-8", "replace").splitlines()
                    if line.strip() and not NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def import_tensorflow():
    """``import tensorflow`` (and keras), once per process, its start-up notices dropped."""
    global _imported
    with _lock:
        if not _imported:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            with notices_dropped():
                import keras  # noqa: F401  (keras 3 imports its backend here)
                import tensorflow
                tensorflow.config.list_physical_devices()   # where the CUDA probe logs
            _imported = True
        import tensorflow
        return tensorflow
