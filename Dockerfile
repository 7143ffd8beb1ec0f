# inkdigits: the web app under gunicorn (--workers N), the shipped models baked in.
#   docker build -t inkdigits . && docker run --rm -p 127.0.0.1:8000:8000 inkdigits
# compose.yaml runs it with PostgreSQL; see the README's "In a container".
ARG PYTHON=3.11

FROM python:${PYTHON}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/inkdigits
COPY . /src
# a regular (not editable) install: the models are package data, copied into the venv
RUN /opt/inkdigits/bin/pip install --no-cache-dir /src

FROM python:${PYTHON}-slim-bookworm
ENV PATH=/opt/inkdigits/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=2
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home inkdigits
COPY --from=build /opt/inkdigits /opt/inkdigits
COPY --from=build /src/benchmarks/six_digits.json /opt/inkdigits/six_digits.json
USER 10001:10001
WORKDIR /data
# The image's own models read a written number, on LiteRT, without importing TensorFlow.
RUN python -c "import json, sys; from recognizer import NumberRecognizer; \
ink = json.load(open('/opt/inkdigits/six_digits.json'))['strokes']; \
assert NumberRecognizer.load().recognize(ink).text == '170452'; \
assert 'tensorflow' not in sys.modules, 'the serving path imported TensorFlow'"
VOLUME ["/data"]
EXPOSE 8000
# ready: models loaded and the database reachable (GET /api/health/ready is 200)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/api/health/ready', timeout=4)"]
ENTRYPOINT ["inkdigits"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", \
     "--database", "/data/inkdigits.sqlite"]
