"""Bad input from Python raises the documented exceptions, never crashes, and no message
carries key bytes."""

import pytest

import machinekey

KEY_V, KEY_D = "A1" * 64, "B2" * 24


@pytest.fixture(scope="module")
def mk():
    return machinekey.MachineKey(KEY_V, KEY_D, validation="HMACSHA256", decryption="AES", compatibility_mode="Framework45")


def test_hierarchy():
    for cls in (machinekey.InvalidInput, machinekey.ValidationFailed, machinekey.KeyNotFound, machinekey.Expired, machinekey.FileError):
        assert issubclass(cls, machinekey.Error)
    assert issubclass(machinekey.InvalidInput, ValueError)
    assert issubclass(machinekey.KeyNotFound, LookupError)
    assert issubclass(machinekey.FileError, OSError)


@pytest.mark.parametrize("value", [None, 12, 1.5, ["x"], {"a": 1}, object()])
def test_wrong_types_raise_type_error(value, mk):
    with pytest.raises(TypeError):
        machinekey.audit(value)
    with pytest.raises(TypeError):
        mk.unprotect(value, "p")


def test_invalid_base64_and_generators():
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit("%%%not base64%%%")
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", generator="XYZ")
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit("/wEPDw==", generator=2**40)
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit("/wEPDw==", kind="nonsense")
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit("")


def test_huge_input_is_refused_before_work():
    huge = "A" * (17 << 20)
    with pytest.raises(machinekey.InvalidInput):
        machinekey.audit(huge)
    with pytest.raises(machinekey.InvalidInput):
        machinekey.inspect_viewstate(huge)


def test_garbage_never_crashes(mk):
    import random

    rng = random.Random(31)
    for _ in range(300):
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
        for call in (
            lambda: machinekey.audit(blob),
            lambda: machinekey.audit(blob, kind="resource"),
            lambda: machinekey.inspect_viewstate(blob),
            lambda: mk.unprotect(blob, "p"),
            lambda: mk.decode_viewstate(blob, "/a.aspx"),
            lambda: mk.decrypt_forms_ticket(blob),
            lambda: machinekey.carve(blob.decode("latin-1")),
        ):
            try:
                call()
            except machinekey.Error:
                pass


def test_closed_and_missing_files(tmp_path):
    p = tmp_path / "keys.txt"
    p.write_text("%s,%s\n" % (KEY_V, KEY_D))
    f = open(p)
    f.close()
    with pytest.raises(machinekey.FileError):
        machinekey.KeyList.load(f)
    with pytest.raises(machinekey.FileError):
        machinekey.KeyList.load(tmp_path / "missing.txt")
    with pytest.raises(machinekey.FileError):
        machinekey.read_config(tmp_path / "missing.config")
    with pytest.raises(machinekey.FileError):
        machinekey.KeyRing.load(tmp_path / "no-ring")


def test_config_errors_are_invalid_input_without_key_bytes():
    xml = '<configuration><system.web><machineKey validationKey="%sZZ" decryptionKey="%s" /></system.web></configuration>' % (KEY_V, KEY_D)
    with pytest.raises(machinekey.InvalidInput) as e:
        machinekey.MachineKey.from_web_config(xml)
    assert KEY_V not in str(e.value) and KEY_D not in str(e.value)
    with pytest.raises(machinekey.InvalidInput):
        machinekey.MachineKey(KEY_V, KEY_D, validation="NOPE")


def test_failures_carry_no_key_bytes(mk):
    blob = mk.protect(b"secret payload", "p")
    with pytest.raises(machinekey.ValidationFailed) as e:
        mk.unprotect(blob, "q")
    text = str(e.value) + repr(mk)
    assert KEY_V not in text and KEY_D not in text and "secret payload" not in text
    assert KEY_V not in repr(machinekey.KeyList.from_text("%s,%s" % (KEY_V, KEY_D)))


def test_finding_repr_is_redacted():
    f = machinekey.audit("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", generator="EDD8C9AE")
    assert f.validation_key not in repr(f)
    assert "validation_key" not in f.to_dict() and f.to_dict(include_keys=True)["validation_key"] == f.validation_key


def test_expired_ticket(mk):
    cookie = mk.encrypt_forms_ticket("bob", minutes=0)
    import time

    time.sleep(1.1)
    with pytest.raises(machinekey.Expired):
        mk.decrypt_forms_ticket(cookie, check_expiry=True)
    assert mk.decrypt_forms_ticket(cookie)["name"] == "bob"
