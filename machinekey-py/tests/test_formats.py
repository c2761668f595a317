"""The decoders and configuration checks through Python, on the vectors in tests/data."""

import pytest

import machinekey
from conftest import load, vectors


def keys_of(v, mode=None):
    return machinekey.MachineKey(
        v["validationKey"],
        v["decryptionKey"],
        validation=v["validation"],
        decryption=v.get("decryption") or "Auto",
        compatibility_mode=mode or v.get("compatibilityMode", "Framework20SP1"),
    )


@pytest.mark.parametrize("v", vectors("viewstate_net45.json")[:2], ids=lambda v: v["id"])
def test_decode_viewstate_framework45(v):
    mk = keys_of(v, "Framework45")
    state = mk.decode_viewstate(v["viewstate_b64"], v["url"], "/")
    assert state.verified and state.payload.startswith(b"\xff\x01")
    assert state.tree is not None and state.gadgets == []
    with pytest.raises(machinekey.ValidationFailed):
        mk.decode_viewstate(v["viewstate_b64"], "/other.aspx", "/")


def test_decode_legacy_viewstate_by_generator():
    v = vectors("viewstate_legacy.json")[6]
    state = keys_of(v).decode_viewstate(v["viewstate_b64"], generator=v["generator"])
    assert isinstance(state.tree, dict) and state.trailer_len == 0


@pytest.mark.parametrize("v", [v for v in vectors("formsauth_tickets.json") if "PARTIAL" not in v["id"]], ids=lambda v: v["id"])
def test_forms_ticket(v):
    t = keys_of(v).decrypt_forms_ticket(v["cookie_hex"])
    assert t["name"] == v["expected"]["ticket"]["name"]
    with pytest.raises(machinekey.ValidationFailed):
        keys_of(v).decrypt_forms_ticket(v["cookie_hex"][:-2] + ("00" if v["cookie_hex"][-2:] != "00" else "11"))


def test_forms_ticket_round_trip_and_expiry():
    mk = machinekey.MachineKey("A" * 128, "B" * 64, validation="HMACSHA256", decryption="AES", compatibility_mode="Framework45")
    cookie = mk.encrypt_forms_ticket("alice", user_data="admin", minutes=5)
    t = mk.decrypt_forms_ticket(cookie, check_expiry=True)
    assert (t["name"], t["user_data"], t["expired"]) == ("alice", "admin", False)


def test_machinekey_protect_vector_and_round_trip():
    v = vectors("machinekey_protect.json")[0]
    mk = keys_of(v, "Framework45")
    assert mk.unprotect(v["input"], *v["purpose"]["specific"]).hex() == v["expected"]["plaintext_hex"]
    blob = mk.protect(b"session", "Sessions")
    assert mk.unprotect(blob, "Sessions") == b"session"
    with pytest.raises(machinekey.ValidationFailed):
        mk.unprotect(blob, "Other")
    # Under another application's keys the OWIN cookie does not open.
    with pytest.raises(machinekey.ValidationFailed):
        machinekey.MachineKey("C" * 128, "D" * 48, validation="HMACSHA512", decryption="AES",
                              compatibility_mode="Framework45").decode_owin_cookie(v["input"])


@pytest.mark.parametrize("v", vectors("resource_tokens.json"), ids=lambda v: v["id"])
def test_resource_decrypt(v):
    mode = "Framework45" if v["mode"] != "legacy" else "Framework20SP1"
    kind = "ScriptResource" if "script" in v["id"] else "WebResource"
    assert keys_of(v, mode).decrypt_resource(v["token"], kind) == v["expected"]["plaintext_utf8"]


def test_core_ring_values_and_cookie():
    real = load("aspnetcore_real.json")
    payloads = [v for v in real if v["kind"] == "dataprotection-payload"]
    for v in payloads[:3]:
        (name, xml), = v["inputs"]["ring"].items()
        ring = machinekey.KeyRing.from_xml(xml, name)
        purposes = [v["inputs"]["application_name"]] + v["inputs"]["purposes"] if v["inputs"].get("application_name") else v["inputs"]["purposes"]
        assert ring.unprotect(v["inputs"]["value"], *purposes).hex().upper() == v["expected"]["plaintext_hex"].upper()
        with pytest.raises(machinekey.ValidationFailed):
            ring.unprotect(v["inputs"]["value"], "wrong purpose")
    other = machinekey.KeyRing.from_xml(
        list(payloads[0]["inputs"]["ring"].values())[0].replace(payloads[0]["inputs"]["ring"] and list(payloads[0]["inputs"]["ring"].keys())[0][4:40], "00000000-0000-0000-0000-000000000000")
    )
    with pytest.raises(machinekey.KeyNotFound):
        other.unprotect(payloads[0]["inputs"]["value"], "x")


def test_read_config_origins_and_lints():
    lab = load("lab_machinekey_configs.json")["apps"][0]["machineKey"]
    xml = (
        '<configuration><system.web><machineKey validation="%s" decryption="%s" validationKey="%s" decryptionKey="%s" />'
        "</system.web></configuration>" % (lab["validation"], lab["decryption"], lab["validationKey"], lab["decryptionKey"])
    )
    cfg = machinekey.read_config(xml)
    assert cfg["validation"] == lab["validation"]
    assert any(o for o in cfg["origins"])
    assert any("known" in l["message"].lower() or "public" in l["message"].lower() for l in cfg["lints"])
    assert lab["validationKey"] not in repr(cfg)


def test_compare_two_configurations():
    a = '<configuration><system.web><machineKey validationKey="%s" decryptionKey="%s" validation="SHA1" decryption="AES" /></system.web></configuration>' % ("A" * 128, "B" * 64)
    b = a.replace("A" * 128, "C" * 128)
    out = machinekey.compare(a, b)
    assert len(out) == 2
    assert any(v["outcome"] == "refused" for v in out[0]["verdicts"])
    same = machinekey.compare(a, a)
    assert all(v["outcome"] != "refused" for c in same for v in c["verdicts"])


def test_carve_response_object():
    class Response:
        text = '<a href="/WebResource.axd?d=%s&t=1">x</a>' % vectors("resource_tokens.json")[0]["token"]
        headers = {"Content-Type": "text/html"}
        cookies = {}
        url = "https://host/page.aspx"

    items = machinekey.carve(Response())
    assert items and items[0]["resource"] == vectors("resource_tokens.json")[0]["token"]
