import gc

import pytest

from bot import config
from bot.context import build_context
from bot.server import settle_heap
from storage.db import SchemaOutOfDate


def test_a_fresh_sqlite_file_is_migrated_at_start(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    ctx = build_context(
        config.load(
            {"DATABASE_URL": url, "PORTBOT_COUNTRY": "CA", "PORTBOT_TIMEZONE": "America/Toronto"}
        )
    )
    assert ctx.db.current_revision() == ctx.db.head_revision()
    assert ctx.default_region == "CA" and ctx.calendar.timezone == "America/Toronto"
    assert (tmp_path / "fresh.key").exists()  # the local encryption key beside the file
    ctx.db.dispose()


def test_postgres_is_never_upgraded_behind_the_operators_back(empty_db_url):
    if empty_db_url.startswith("sqlite"):
        pytest.skip("needs PORTBOT_TEST_DATABASE_URL (PostgreSQL)")
    settings = config.load(
        {"DATABASE_URL": empty_db_url, "PORTBOT_SECRET_KEY": "a-secret-key-for-tests-only"}
    )
    with pytest.raises(SchemaOutOfDate, match="portbot db upgrade"):
        build_context(settings)


def test_what_start_up_built_is_left_out_of_later_collections():
    """``settle_heap`` (run by ``portbot serve`` before it serves) freezes the start-up heap, so
    a full collection no longer walks it while Slack waits for an ack."""
    made_at_start = [object()]  # a container the collector tracks
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert not any(o is made_at_start for o in gc.get_objects())
        made_after = [object()]
        assert any(o is made_after for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_a_context_with_reminders_must_say_who_reconciles_them(tmp_path):
    """Without it every change would silently stop planning reminder rows."""
    import pytest

    from bot.services.base import Context
    from bot.services.reminders import reconcile
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="reconcile"):
        Context(db=db)
    assert Context(db=db, reminders=None).reconcile is None
    assert Context(db=db, reconcile=reconcile).reminders is not None
    db.dispose()
