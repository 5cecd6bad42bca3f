"""The storage setting (``CIVDASH_STORE``), the extensions loaded from their pip packages, and messages when the
shared store is set wrong or cannot be reached."""

from __future__ import annotations

import socket

import duckdb
import pytest

from civdash import appdb
from civdash.store import ducklake


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("CIVDASH_STORE", "CIVDASH_CATALOG", "CIVDASH_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", [None, "", "file", "FILE", "duckdb"])
def test_the_local_file_is_the_default(clean_env, value, tmp_path) -> None:
    if value is not None:
        clean_env.setenv("CIVDASH_STORE", value)
    clean_env.setenv("CIVDASH_DB", str(tmp_path / "bureau.duckdb"))
    assert ducklake.configured() is None
    assert appdb.real_store() == tmp_path / "bureau.duckdb"
    assert not appdb.exists(appdb.real_store())


def test_ducklake_with_its_settings(clean_env, tmp_path) -> None:
    clean_env.setenv("CIVDASH_STORE", "ducklake")
    clean_env.setenv("CIVDASH_CATALOG", "host=db port=5432 dbname=civdash user=c password=s3cret")
    clean_env.setenv("CIVDASH_DATA_PATH", str(tmp_path))
    lake = ducklake.configured()
    assert lake == ducklake.Lake("host=db port=5432 dbname=civdash user=c password=s3cret", str(tmp_path))
    assert appdb.real_store() == lake and appdb.exists(lake)  # a lake sets itself up: never the demo


def test_a_wrong_setting_is_named(clean_env) -> None:
    clean_env.setenv("CIVDASH_STORE", "postgres")
    with pytest.raises(ducklake.StoreError, match="CIVDASH_STORE 只能是 file.*或 ducklake.*“postgres”"):
        ducklake.configured()
    clean_env.setenv("CIVDASH_STORE", "ducklake")
    with pytest.raises(ducklake.StoreError, match="还须设置 CIVDASH_CATALOG、CIVDASH_DATA_PATH"):
        ducklake.configured()
    clean_env.setenv("CIVDASH_CATALOG", "host=db")
    with pytest.raises(ducklake.StoreError, match="还须设置 CIVDASH_DATA_PATH（"):
        ducklake.configured()


@pytest.mark.parametrize("catalog, shown", [
    ("host=db dbname=civdash user=c password=s3cret", "host=db dbname=civdash user=c password=***"),
    ("postgresql://civdash:s3cret@db:5432/civdash", "postgresql://civdash:***@db:5432/civdash"),
    ("host=db dbname=civdash", "host=db dbname=civdash"),
])
def test_messages_never_show_the_password(catalog, shown) -> None:
    assert str(ducklake.Lake(catalog, "/srv/lake")) == f"DuckLake（目录 {shown}，数据 /srv/lake）"


@pytest.mark.parametrize("text, shown", [
    ("host=db password='my s3cret' user=c", "host=db password=*** user=c"),
    ("host=db password = 'it\\'s s3cret' user=c", "host=db password = *** user=c"),
    ('host=db password="my s3cret" user=c', "host=db password=*** user=c"),
    ("host=db PASSWORD=s3cret", "host=db PASSWORD=***"),
    ("PGPASSWORD=s3cret psql -h db", "PGPASSWORD=*** psql -h db"),
    ("postgres://civdash:s3cret@db/civdash", "postgres://civdash:***@db/civdash"),
    ("postgresql://civdash:s3c@ret@db/civdash", "postgresql://civdash:***@db/civdash"),
    ("postgresql://civdash@db/civdash?password=s3cret&sslmode=require",
     "postgresql://civdash@db/civdash?password=***&sslmode=require"),
    ("ATTACH 'ducklake:postgres:host=db password=s3cret' AS civdash",
     "ATTACH 'ducklake:postgres:host=db password=***' AS civdash"),
    ('{"password": "s3cret", "user": "c"}', '{"password": ***, "user": "c"}'),
    ("host=db password='unterminated s3cret", "host=db password=***"),
])
def test_every_form_of_a_password_is_masked(text, shown) -> None:
    assert ducklake.without_password(text) == shown
    assert "s3cret" not in str(ducklake.Lake(text, "/srv/lake")) and "s3cret" not in repr(ducklake.Lake(text, "/srv/lake"))


def test_the_extensions_come_from_their_pip_packages_for_this_duckdb() -> None:
    for name in ducklake.EXTENSIONS:
        path = ducklake.extension_file(name)
        assert path.is_file() and path.name == f"{name}.duckdb_extension"
        assert f"v{duckdb.__version__}" in path.parts
        assert "site-packages" in path.parts


def test_extensions_load_with_the_signature_check_on_and_nothing_downloaded(lake) -> None:
    con = ducklake.attach(lake)
    try:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('allow_unsigned_extensions', 'autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
        assert settings == {"allow_unsigned_extensions": "false", "autoinstall_known_extensions": "false",
                            "autoload_known_extensions": "false"}
        loaded = dict(con.execute("SELECT extension_name, install_path FROM duckdb_extensions() WHERE loaded").fetchall())
        assert {"ducklake", "postgres_scanner"} <= loaded.keys()
        assert ducklake.is_lake(con)
    finally:
        con.close()


def test_an_unreachable_catalog_is_told_in_chinese(tmp_path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lake = ducklake.Lake(f"host=127.0.0.1 port={port} dbname=none user=u password=secret connect_timeout=2",
                      str(tmp_path / "data"))
    with pytest.raises(ducklake.StoreError) as caught:
        ducklake.attach(lake)
    message = str(caught.value)
    assert message.startswith("无法连接共享存储 DuckLake（目录 host=127.0.0.1")
    assert "password=***" in message and "secret" not in message  # DuckDB's own text quotes the string too
    assert "Connection refused" in message
