"""`flask db upgrade` must produce exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from portal.extensions import db


def test_db_upgrade_yields_the_models_schema(app):
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        with db.engine.connect() as connection:
            dialect = connection.dialect.name

            def include(obj, name, type_, reflected, compare_to):  # noqa: ANN001
                # Trigram indexes exist only on PostgreSQL (Index.ddl_if).
                return not (
                    type_ == "index" and name and name.endswith("_trgm") and dialect != "postgresql"
                )

            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"tips", "messages", "attachments", "alembic_version"} <= tables


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output.count("created") == 4
    assert second.output.count("exists") == 4
    receipts = [line.split("receipt ")[1] for line in first.output.splitlines()]
    assert receipts == [line.split("receipt ")[1] for line in second.output.splitlines()]
