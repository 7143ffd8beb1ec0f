"""Import TensorFlow without its start-up noise on the user's terminal.

TensorFlow's C++ core logs through absl before any setting can reach it (oneDNN notes,
"Could not find cuda drivers", "failed call to cuInit"), ignoring TF_CPP_MIN_LOG_LEVEL.
So the import and the first device look-up run with file descriptor 2 pointed at a
temporary file; afterwards every line that is not one of those known notices is written
to stderr after all, so a real error is delayed by the import, never lost.
"""
import os
import re
import sys
import tempfile
import threading

NOISE = re.compile(
    r"absl::InitializeLog|oneDNN custom operations|cuda drivers|cuInit|cudart_stub|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|TF-TRT Warning|computation placer|"
    r"This TensorFlow binary is optimized|rebuild TensorFlow with the appropriate compiler|"
    r"cuda_platform|cuda_executor|gpu_device\.cc|Skipping registering GPU devices")

_lock = threading.Lock()
_done = False


def import_tensorflow():
    """``import tensorflow`` (and keras), once per process, its start-up notices dropped."""
    global _done
    with _lock:
        if _done:
            import tensorflow
            return tensorflow
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with tempfile.TemporaryFile(mode="w+b") as log:
            sys.stderr.flush()
            saved = os.dup(2)
            os.dup2(log.fileno(), 2)
            try:
                import keras  # noqa: F401  (keras 3 imports its backend here)
                import tensorflow
                tensorflow.config.list_physical_devices()   # where the CUDA probe logs
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                log.seek(0)
                kept = [line for line in log.read().decode("utf-8", "replace").splitlines()
                        if line.strip() and not NOISE.search(line)]
        if kept:
            print("\n".join(kept), file=sys.stderr)
        _done = True
        return tensorflow
