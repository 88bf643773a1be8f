"""Putting a used PostgreSQL test database back as it was (:mod:`.test_databases`).

A database the migrations made is described by its catalog (a fingerprint of
every object in the user schemas) and the rows the migrations wrote; after a
test, the same catalog means only rows changed, and those are put back. Any
other change empties the database instead. Every function takes an open
psycopg connection in autocommit mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

USER_SCHEMAS = "nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"

CATALOG_FINGERPRINT = f"""
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE {USER_SCHEMAS})
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'schema ' || nspname || ' ' || coalesce(n.nspacl::text, '') AS item
    FROM pg_namespace n WHERE {USER_SCHEMAS}
  UNION ALL
  SELECT concat_ws(' ', 'rel', c.oid::regclass::text, c.relkind, c.relpersistence,
                   c.relrowsecurity, c.relacl::text, c.reloptions::text)
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'col', c.oid::regclass::text, a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                   a.attgenerated, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT concat_ws(' ', 'con', con.conrelid::regclass::text, con.conname,
                   pg_get_constraintdef(con.oid))
    FROM pg_constraint con JOIN ns ON ns.oid = con.connamespace
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'trg', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace
    WHERE NOT t.tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'fn', p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)))
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
  UNION ALL
  SELECT concat_ws(' ', 'view', c.oid::regclass::text, md5(pg_get_viewdef(c.oid)))
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT concat_ws(' ', 'seq', s.seqrelid::regclass::text, s.seqtypid::regtype::text,
                   s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'type', t.oid::regtype::text, t.typtype)
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r', 'm')
  UNION ALL
  SELECT concat_ws(' ', 'enum', e.enumtypid::regtype::text, e.enumlabel, e.enumsortorder)
    FROM pg_enum e
  UNION ALL
  SELECT concat_ws(' ', 'policy', pol.polrelid::regclass::text, pol.polname,
                   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
    FROM pg_policy pol
  UNION ALL
  SELECT concat_ws(' ', 'rule', schemaname, tablename, rulename, md5(definition))
    FROM pg_rules WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema'
  UNION ALL
  SELECT concat_ws(' ', 'ext', extname, extversion) FROM pg_extension
  UNION ALL
  SELECT 'evt ' || evtname FROM pg_event_trigger
  UNION ALL
  SELECT 'pub ' || pubname FROM pg_publication
  UNION ALL
  SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
  UNION ALL
  SELECT 'prepared ' || gid FROM pg_prepared_xacts WHERE database = current_database()
  UNION ALL
  SELECT 'setting ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND setrole = 0
) AS catalog
"""

USER_TABLES = f"""
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS.replace("nspname", "n.nspname")}
  ORDER BY 1
"""

USER_SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences
  WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema' ORDER BY 1
"""

HAS_USER_OBJECTS = f"""
SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE {USER_SCHEMAS.replace("nspname", "n.nspname")})
    OR EXISTS (SELECT FROM pg_namespace WHERE {USER_SCHEMAS} AND nspname <> 'public')
"""

EMPTY_PUBLIC_SCHEMA = """
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema'
"""


@dataclass(frozen=True)
class Migrated:
    """A schema as the migrations left it: its catalog fingerprint, the rows
    they wrote (COPY text per table) and the sequences' last values."""

    fingerprint: str
    rows: dict[str, bytes]
    sequences: dict[str, int | None]


BIG_TABLE_BYTES = 1 << 20
"""Tables this big are truncated (new files); smaller ones are emptied with
DELETE, which has no files to create and remove."""


class _NotRestored(Exception):
    """Rows stayed after emptying (a rule, say)."""


def is_empty(conn: Any) -> bool:
    """No schema but ``public``, and nothing in it."""
    row = conn.execute(HAS_USER_OBJECTS.encode()).fetchone()
    return bool(row is not None and not row[0])


def snapshot(conn: Any) -> Migrated:
    fingerprint = conn.execute(CATALOG_FINGERPRINT.encode()).fetchone()[0]
    rows: dict[str, bytes] = {}
    for (table,) in conn.execute(USER_TABLES.encode()).fetchall():
        with conn.cursor().copy(f"COPY {table} TO STDOUT".encode()) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
        if data:
            rows[table] = data
    sequences = dict(conn.execute(USER_SEQUENCES.encode()).fetchall())
    return Migrated(fingerprint, rows, sequences)


def restore(conn: Any, migrated: Migrated) -> bool:
    """Put the rows back as the migrations left them, when nothing else changed;
    False (and nothing done) otherwise.

    Triggers are off while emptying (``session_replication_role``, which
    needs a superuser), so append-only tables and foreign keys let the rows
    go in any order.
    """
    import psycopg

    if conn.execute(CATALOG_FINGERPRINT.encode()).fetchone()[0] != migrated.fingerprint:
        return False
    tables = [row[0] for row in conn.execute(USER_TABLES.encode()).fetchall()]
    if not tables:
        return not migrated.rows
    sizes = " UNION ALL ".join(
        f"SELECT '{table}', pg_relation_size('{table}') WHERE EXISTS (SELECT FROM {table})"
        for table in tables
    )
    used = dict(conn.execute(sizes.encode()).fetchall())
    big = [table for table, size in used.items() if size >= BIG_TABLE_BYTES]
    try:
        with conn.transaction():
            conn.execute(b"SET LOCAL session_replication_role = replica")
            if big:
                conn.execute(f"TRUNCATE {', '.join(big)} CASCADE".encode())
            for table in {*used, *migrated.rows} - set(big):
                conn.execute(f"DELETE FROM {table}".encode())
            for table, data in migrated.rows.items():
                with conn.cursor().copy(f"COPY {table} FROM STDIN".encode()) as copy:
                    copy.write(data)
            if migrated.sequences:
                calls = ", ".join(
                    f"setval('{seq}', {last}, true)"
                    if last is not None
                    else f"setval('{seq}', (SELECT seqstart FROM pg_sequence"
                    f" WHERE seqrelid = '{seq}'::regclass), false)"
                    for seq, last in migrated.sequences.items()
                )
                conn.execute(f"SELECT {calls}".encode())
            if {row[0] for row in conn.execute(sizes.encode())} != set(migrated.rows):
                raise _NotRestored
    except (_NotRestored, psycopg.Error):
        return False
    return True


def empty_out(conn: Any) -> None:
    """Drop every user schema, extension and large object; a new ``public``
    as a new database has it."""
    schemas = [
        row[0]
        for row in conn.execute(
            f"SELECT quote_ident(nspname) FROM pg_namespace WHERE {USER_SCHEMAS}".encode()
        ).fetchall()
    ]
    with conn.transaction():
        for schema in schemas:
            conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        conn.execute(EMPTY_PUBLIC_SCHEMA.encode())
        for (extension,) in conn.execute(
            b"SELECT quote_ident(extname) FROM pg_extension WHERE extname <> 'plpgsql'"
        ).fetchall():
            conn.execute(f"DROP EXTENSION {extension} CASCADE".encode())
        conn.execute(b"SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
