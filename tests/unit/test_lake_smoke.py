from civdash import db


def test_a_new_lake_has_the_schema_and_the_catalog(lake):
    con = db.connect(lake)
    assert db.schema_version(con) == db.migrations()[-1][0]
    assert con.execute("SELECT count(*) FROM indicator").fetchone()[0] > 20
    assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] == 0
