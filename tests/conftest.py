"""Shared fixtures: a tiny untrained model (fast, structure only), the app and its client,
and the store's two backends (``database``: an SQLite path, then a PostgreSQL URL)."""
import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = ROOT / "recognizer" / "models" / "digits.keras"


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """An untrained 28x28 -> 11 classes Keras model: readings are arbitrary but well-formed."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(11, activation="softmax")])
    path = tmp_path_factory.mktemp("model") / "m.keras"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def recognizer(tiny_model_path):
    """A NumberRecognizer on the tiny model, loaded once for the whole session."""
    from recognizer import NumberRecognizer

    rec = NumberRecognizer.load(tiny_model_path)
    rec.classifier
    return rec


@pytest.fixture
def app(tmp_path, recognizer):
    """The app on the tiny model with a fresh database in tmp_path."""
    from webapp import create_app

    return create_app({"TESTING": True, "MODEL_PATH": str(recognizer.path),
                       "CLASSIFIER": recognizer.classifier,
                       "DATABASE": str(tmp_path / "samples.sqlite"), **PATIENT})


# A loaded CI machine must not turn test requests away as "busy" or "past the deadline";
# the tests of those limits set them themselves.
PATIENT = {"REQUEST_DEADLINE_S": 120.0, "QUEUE_WAIT_S": 120.0}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def pen_data_dir():
    """The data directory as a string when it holds pendigits, or a skip saying it is absent."""
    from training.data import data_dir as find

    root = find()
    if root is None or not (root / "pendigits").is_dir():
        pytest.skip(f"pendigits data absent (looked in {root}; set INKDIGITS_DATA)")
    return str(root)


@pytest.fixture(scope="session")
def data_dir():
    """../shared/data (MNIST, pendigits), or a skip saying it is absent."""
    path = Path(os.environ.get("INKDIGITS_DATA", ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.skip(f"data directory {path} is absent (set INKDIGITS_DATA)")
    return path


POSTGRES_ENV = "INKDIGITS_TEST_POSTGRES"


@pytest.fixture(scope="session")
def postgres_url():
    """The PostgreSQL server the store's tests use (``$INKDIGITS_TEST_POSTGRES``), or a skip
    saying how to get one; in CI (``CI`` set) its absence fails the test instead."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {POSTGRES_ENV} is not: .ci/run starts a PostgreSQL "
                        f"cluster and exports its URL; the store must be tested on it")
        pytest.skip(f"no PostgreSQL to test the store on: set {POSTGRES_ENV} to a "
                    f"postgresql:// URL (`.ci/postgres start DIR` starts one and prints it)")
    return url


def postgres_schema(url, schema):
    """``url`` with ``schema`` as its search path: every table the app makes lands there."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    options = " ".join(filter(None, [u.query.get("options"), f"-csearch_path={schema}"]))
    return u.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture
def fresh_postgres(postgres_url):
    """A URL of the test PostgreSQL whose tables live in a new, empty schema (dropped after)."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"test_{uuid.uuid4().hex[:16]}"
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield postgres_schema(postgres_url, schema)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """``DATABASE`` for a new, empty store: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "samples.sqlite")
    return request.getfixturevalue("fresh_postgres")
