import json
import logging

import pytest
from pydantic import BaseModel
from sqlmodel import select

from storage import crypto
from storage.models import PortRequest
from storage.values import RequestStatus, Secret, account_secret, pin_secret

PIN = "482916"
ACCOUNT = "ACCT-99887766"


def test_round_trip_and_fresh_ciphertext_each_time():
    ring = crypto.Keyring(["a" * 20])
    one, two = ring.encrypt(PIN), ring.encrypt(PIN)
    assert one != two and PIN not in one
    assert ring.decrypt(one) == ring.decrypt(two) == PIN


def test_rotation_reads_old_and_writes_new():
    old = crypto.Keyring(["old-key-0123456789"])
    both = crypto.Keyring.from_setting("new-key-0123456789,old-key-0123456789")
    token = old.encrypt(PIN)
    assert both.decrypt(token) == PIN
    rotated = both.rotate(token)
    assert crypto.Keyring(["new-key-0123456789"]).decrypt(rotated) == PIN


def test_wrong_key_is_a_clear_error():
    token = crypto.Keyring(["k" * 20]).encrypt(PIN)
    with pytest.raises(crypto.DecryptionError, match="PORTBOT_SECRET_KEY"):
        crypto.Keyring(["z" * 20]).decrypt(token)


@pytest.mark.parametrize("bad", [[], [""], ["short"]])
def test_unusable_keys_are_refused(bad):
    with pytest.raises(crypto.SecretKeyError):
        crypto.Keyring(bad)


def test_secret_masks_everywhere():
    pin, account = pin_secret(PIN), account_secret(ACCOUNT)
    for shown in (str(pin), repr(pin), f"{pin}", f"{pin!r}", f"{pin}"):
        assert PIN not in shown
    assert str(account) == "••••7766"
    assert ACCOUNT not in repr(account)
    assert str(account_secret("1234")) == "••••"  # too short to show any of it
    assert pin.reveal() == PIN and pin == pin_secret(PIN)


def test_secret_in_pydantic_json_is_masked():
    class Out(BaseModel):
        pin: Secret

    dumped = Out(pin=PIN).model_dump_json()
    assert PIN not in dumped and "••••" in dumped


def _request(**kw) -> PortRequest:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 16, tzinfo=UTC)
    return PortRequest(
        sid="PR" + "0" * 32,
        status=RequestStatus.DRAFT,
        created_at=now,
        updated_at=now,
        pin=pin_secret(PIN),
        account_number=account_secret(ACCOUNT),
        **kw,
    )


def test_request_never_shows_its_pin(caplog):
    req = _request()
    texts = [repr(req), str(req), req.model_dump_json(), json.dumps(req.model_dump(), default=str)]
    logger = logging.getLogger("portbot.test")
    with caplog.at_level(logging.INFO):
        logger.info("request %s", req)
        logger.info("request %r", req)
        logger.info("fields %s", req.model_dump())
    texts.append(caplog.text)
    for text in texts:
        assert PIN not in text
        assert ACCOUNT not in text


def test_database_holds_only_ciphertext(db):
    from sqlalchemy import text

    with db.write() as s:
        s.add(_request())
    with db.read() as s:
        query = text("SELECT pin, account_number FROM port_requests")
        raw_pin, raw_account = s.execute(query).one()
        assert PIN not in raw_pin and ACCOUNT not in raw_account
        loaded = s.exec(select(PortRequest)).one()
        assert loaded.pin.reveal() == PIN
        assert loaded.account_number.reveal() == ACCOUNT
        assert str(loaded.account_number) == "••••7766"


def test_pickling_a_secret_is_refused():
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(pin_secret(PIN))
