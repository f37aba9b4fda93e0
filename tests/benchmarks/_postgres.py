"""PostgreSQL set-up shared by the benchmarks (no `bench_` prefix: not a benchmark itself)."""


def recreate_database(url: str) -> None:
    """Drop the database named at the end of `url` (closing its connections) and create it empty,
    so a benchmark works in a database of its own."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
