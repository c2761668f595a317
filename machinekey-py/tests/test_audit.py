"""The known-key audit through Python: every kind of vector in tests/data, a bit-flip
negative for each, key lists, batches."""

import base64

import pytest

import machinekey
from conftest import load, vectors

LEGACY = vectors("viewstate_legacy.json")
NET45 = vectors("viewstate_net45.json")
RESOURCES = vectors("resource_tokens.json")
# The PARTIAL vector is a peer's cookie without a valid outer MAC (see the vector's note).
TICKETS = [v for v in vectors("formsauth_tickets.json") if "PARTIAL" not in v["id"]]
PROTECT = vectors("machinekey_protect.json")


def flip(b64):
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def user_keys(v):
    return [v["viewStateUserKey"]] if v.get("viewStateUserKey") else None


@pytest.mark.parametrize("v", LEGACY, ids=lambda v: v["id"])
def test_legacy_viewstate(v):
    f = machinekey.audit(v["viewstate_b64"], generator=v["generator"], user_keys=user_keys(v))
    assert f is not None
    assert f.validation_key.upper().startswith(v["validationKey"].split(",")[0].upper()[:32])
    assert f.validation == v["validation"]
    assert f.mode.startswith("legacy")
    if v["viewStateEncrypted"]:
        assert f.decryption == v["decryption"]
    assert f.payload.startswith(b"\xff\x01")
    assert machinekey.audit(flip(v["viewstate_b64"]), generator=v["generator"], user_keys=user_keys(v)) is None


def net45_context(v):
    """The page URL and ViewStateUserKey a Framework45 vector was made for."""
    specific = v["purpose"]["specific"]
    url = v.get("url") or ""
    if not url.startswith("http"):
        path = url.split(" ")[0] if url else specific[0].split(": ")[1].lower() + "/default.aspx"
        url = "http://host" + path
    user = [s.split(": ", 1)[1] for s in specific if s.startswith("ViewStateUserKey: ")]
    return url, user


@pytest.mark.parametrize("v", NET45, ids=lambda v: v["id"])
def test_framework45_viewstate(v):
    url, user = net45_context(v)
    keys = machinekey.KeyList.from_text("%s,%s" % (v["validationKey"], v["decryptionKey"]))
    f = machinekey.audit(v["viewstate_b64"], url=url, user_keys=user, keys=keys)
    assert f is not None, v["id"]
    assert f.mode == "framework45"
    assert f.validation_key.upper() == v["validationKey"].upper()
    assert f.payload.hex() == v["expected"]["plaintext_hex"]
    assert machinekey.audit(flip(v["viewstate_b64"]), url=url, user_keys=user, keys=keys) is None


@pytest.mark.parametrize("v", RESOURCES, ids=lambda v: v["id"])
def test_resource_token(v):
    f = machinekey.audit(v["token"], kind="resource")
    assert f is not None
    assert f.validation_key == v["validationKey"]
    assert f.payload.decode() == v["expected"]["plaintext_utf8"]
    tampered = v["token"][:10] + ("A" if v["token"][10] != "A" else "B") + v["token"][11:]
    assert machinekey.audit(tampered, kind="resource") is None


@pytest.mark.parametrize("v", TICKETS, ids=lambda v: v["id"])
def test_forms_cookie_with_its_key(v):
    keys = machinekey.KeyList.from_text("%s,%s" % (v["validationKey"], v["decryptionKey"]), "ticket-keys")
    f = machinekey.audit(v["cookie_hex"], kind="cookie", keys=keys)
    assert f is not None and f.origin == "ticket-keys:1"
    assert f.ticket["name"] == v["expected"]["ticket"]["name"]
    bad = v["cookie_hex"][:-2] + ("00" if v["cookie_hex"][-2:] != "00" else "11")
    assert machinekey.audit(bad, kind="cookie", keys=keys) is None


def test_machinekey_protect_payload():
    v = PROTECT[0]
    keys = machinekey.KeyList.from_text("%s,%s" % (v["validationKey"], v["decryptionKey"]))
    purposes = v["purpose"]["specific"]
    f = machinekey.audit(v["input"], kind="protected", purposes=purposes, keys=keys)
    assert f is not None and f.payload.hex() == v["expected"]["plaintext_hex"]
    assert machinekey.audit(v["input"], kind="protected", purposes=["other"], keys=keys) is None


def test_data_protection_value_against_published_keys():
    for v in load("aspnetcore_known_key_values.json"):
        value = v["inputs"]["value"]
        f = machinekey.audit(value)
        assert f is not None and f.kind == "data_protection", v["id"]
        assert f.data_protection["key_id"] == v["expected"]["key_id"]
        assert f.validation_key is None and f.payload
        # One character changed in the MAC: the published key is named, nothing opens.
        assert machinekey.audit(value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]) is None


def test_gadget_viewstate_is_flagged():
    v = vectors("viewstate_gadgets.json")[0]
    state = machinekey.inspect_viewstate(v["value_b64"])
    assert set(v["expected"]["gadgets"]) <= {g["gadget"] for g in state.gadgets}
    assert state.trailer_len == v["expected"]["trailer_len"] and not state.verified


def test_event_validation_is_its_own_kind():
    k = machinekey.KeyList.builtin()
    mk = machinekey.MachineKey("A" * 128, "B" * 48, validation="HMACSHA256", decryption="AES", compatibility_mode="Framework45")
    field = mk.encode_viewstate(b"\xff\x01\x64", "/shop/cart.aspx", "/shop")
    keys = machinekey.KeyList.from_text("%s,%s" % ("A" * 128, "B" * 48))
    assert machinekey.audit(field, url="https://h/shop/cart.aspx", keys=keys) is not None
    assert machinekey.audit(field, kind="eventvalidation", url="https://h/shop/cart.aspx", keys=keys) is None
    assert len(k) > 3000


def test_key_list_from_file_and_file_object(tmp_path):
    v = LEGACY[0]
    path = tmp_path / "keys.txt"
    path.write_text("# a comment\n%s,%s\nnot a key line\n" % (v["validationKey"], v["decryptionKey"]))
    for keys in (machinekey.KeyList.load(path), machinekey.KeyList.load(str(path)), machinekey.KeyList.load(open(path, "rb"))):
        assert len(keys) == 1
        assert keys.report["skipped"] == 1 and keys.report["first_skipped_line"] == 3
        f = machinekey.audit(v["viewstate_b64"], generator=v["generator"], keys=keys)
        assert f.origin.endswith(":2")
    assert len(machinekey.KeyList.load(path, builtin=True)) > 3000


def test_batch_in_order_with_errors():
    vs = [v for v in LEGACY if not v.get("viewStateUserKey")][:10]
    inputs = [{"id": v["id"], "viewstate": v["viewstate_b64"], "generator": v["generator"]} for v in vs]
    inputs.insert(3, "!!! not base64")
    inputs.insert(5, {"viewstate": "x", "nonsense": 1})
    results = list(machinekey.audit_many(inputs, group=4))
    assert [r.index for r in results] == list(range(len(inputs)))
    assert results[3].error == "malformed_value"
    assert results[5].error == "malformed_item"
    found = [r for r in results if r.found]
    assert [r.id for r in found] == [v["id"] for v in vs]


def test_batch_of_carved_items():
    html = (
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="%s" />'
        '<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="EDD8C9AE" />'
        % LEGACY[6]["viewstate_b64"]
    )
    items = machinekey.carve(html, url="https://host/default.aspx")
    assert items[0]["viewstate"] == LEGACY[6]["viewstate_b64"] and items[0]["generator"] == "EDD8C9AE"
    (result,) = list(machinekey.audit_many(items))
    assert result.found and result.finding.validation == "SHA1"
