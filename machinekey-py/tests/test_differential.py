"""Differential test against badsecrets 1.3.0 (PyPI) on generated values.

Each value is made with machinekey's own encoders under fresh random keys given to both
tools as a custom list (``custom_resource``), so the right answer is known. For every case
the adapter must find the key that made it, in badsecrets' result shape. badsecrets must
return the same ``secret`` string, except in the cases listed in ``BADSECRETS_BUGS``, where
it is known to be wrong; those are asserted to still be wrong as described, so this file
notices when badsecrets fixes one (or breaks another).

Skipped when badsecrets is not installed (``.ci/run`` installs badsecrets==1.3.0).
"""

import os
import random

import pytest

import machinekey
from machinekey import badsecrets as adapter

bs_vs = pytest.importorskip("badsecrets.modules.passive.aspnet_viewstate")
bs_res = pytest.importorskip("badsecrets.modules.passive.aspnet_resource")

RNG = random.Random(1_3_0)
PAYLOAD = bytes.fromhex("ff010f0f05093831313031393736396464")  # a Pair: what a page writes


def hexkey(n):
    return "".join("%02X" % RNG.getrandbits(8) for _ in range(n))


# Why badsecrets 1.3.0 differs, by case label. Each is a bug of badsecrets (the crate is
# checked against real ASP.NET output in tests/data, and the adapter decrypts what it names).
BADSECRETS_BUGS = {
    # Its legacy strip is `len(key) % 16 or 16`: 16 for an AES-128 key, where ASP.NET
    # strips nothing more (the IV prefix is the key length). The MAC verifies, the
    # decryption never does: encryptionKey is left out.
    "legacy-SHA1-AES128": "no_encryption_key",
    # Framework45 decryption derives the SP800-108 key only for AES: a 3DES ViewState's
    # decryption key is never confirmed.
    "fx45-SHA1-3DES": "no_encryption_key",
    "fx45-HMACSHA256-3DES": "no_encryption_key",
    # validation="AES"/"3DES" signs with SHA1 then encrypts with the validation cipher:
    # badsecrets finds the pair but names the algorithm "SHA1".
    "legacy-validation-AES": "algorithm_sha1",
    "legacy-validation-3DES": "algorithm_sha1",
    # MD5 with a ViewStateUserKey: ASP.NET copies the key over the modifier
    # (HashDataUsingNonKeyedAlgorithm), leaving zeros where the user key was; badsecrets
    # hashes the UTF-16 user key itself, so it never verifies.
    "legacy-MD5-userkey": "miss",
    # A legacy ViewState with the page URL but no __VIEWSTATEGENERATOR: ASP.NET's generator
    # follows from the path (TemplateSourceDirectory and type name hashes); badsecrets'
    # check_secret derives it only for Framework45 purposes and tries generator 0.
    "legacy-SHA1-url-only": "miss",
    # A page whose name starts with a digit: ASP.NET prefixes "_" to the type name
    # (MakeValidTypeNameFromString), so the purposes name "_8PAGE_ASPX"; badsecrets does not.
    "fx45-SHA1-AES-digit-page": "miss",
    # IsolateApps: badsecrets names the modified key (bytes 0-3 replaced by the path hash),
    # which no web.config holds, and never confirms the decryption key under IsolateApps.
    "legacy-SHA1-AES-isolateapps": "modified_key",
    # Framework45 resource tokens under 3DES: as for ViewStates, no derived 3DES key.
    "resource-fx45-3DES": "no_encryption_key",
}


def viewstate_cases():
    """(label, keys line, value, check_secret args, expected validationKey)."""
    out = []

    def add(label, validation, decryption, mode, dk_len, encrypt, path="/default.aspx", app="/", generator=True,
            user_key=None, url_arg=None, isolate=False):
        vk, dk = hexkey(64), hexkey(dk_len)
        mk = machinekey.MachineKey(
            vk + (",IsolateApps" if isolate else ""),
            dk + (",IsolateApps" if isolate else ""),
            validation=validation,
            decryption=decryption,
            compatibility_mode=mode,
            app_path=app,
        )
        value = mk.encode_viewstate(PAYLOAD, path, app, user_key=user_key, encrypt=encrypt)
        args = []
        if generator and mode != "Framework45":
            args.append(machinekey.generator(path, app))
        if url_arg or mode == "Framework45" or isolate or not generator:
            args.append(url_arg or "http://target" + path)
        if user_key:
            args.append(user_key)
        out.append((label, "%s,%s" % (vk, dk), value, args, vk, "viewstate"))

    for validation in ("MD5", "SHA1", "HMACSHA256", "HMACSHA384", "HMACSHA512"):
        add("legacy-%s" % validation, validation, "AES", "Framework20SP1", 24, False)
    for validation, decryption, dk_len in (("SHA1", "AES", 32), ("SHA1", "AES", 24), ("SHA1", "DES", 8), ("SHA1", "3DES", 24),
                                           ("HMACSHA256", "AES", 32), ("MD5", "AES", 24), ("HMACSHA512", "3DES", 24)):
        add("legacy-%s-%s%d" % (validation, decryption, dk_len * 8), validation, decryption, "Framework20SP1", dk_len, True)
    add("legacy-SHA1-AES128", "SHA1", "AES", "Framework20SP1", 16, True)
    # validation="AES"/"3DES", a signed (not encrypted) ViewState: ASP.NET signs it with
    # HMACSHA1, then encrypts the whole with the validation cipher.
    for v in ("AES", "3DES"):
        add("legacy-validation-%s" % v, v, v, "Framework20SP1", 24, False)
    # The same settings with ViewState encryption on: an ordinary SHA1 + cipher ViewState.
    add("legacy-validation-AES-encrypted", "AES", "AES", "Framework20SP1", 24, True)
    add("legacy-SHA1-userkey", "SHA1", "AES", "Framework20SP1", 24, False, user_key="session42")
    add("legacy-MD5-userkey", "MD5", "AES", "Framework20SP1", 24, False, user_key="session42")
    add("legacy-SHA1-url-only", "SHA1", "AES", "Framework20SP1", 24, False, path="/shop/cart.aspx", generator=False)
    add("legacy-SHA1-AES-isolateapps", "SHA1", "AES", "Framework20SP1", 32, True, path="/shop/cart.aspx", app="/shop", isolate=True)
    for validation, decryption, dk_len in (("SHA1", "AES", 32), ("HMACSHA256", "AES", 24), ("HMACSHA512", "AES", 32),
                                           ("SHA1", "3DES", 24), ("HMACSHA256", "3DES", 24)):
        add("fx45-%s-%s" % (validation, decryption), validation, decryption, "Framework45", dk_len, True)
    add("fx45-SHA1-AES-app", "SHA1", "AES", "Framework45", 32, True, path="/shop/cart.aspx", app="/shop")
    add("fx45-SHA1-AES-digit-page", "SHA1", "AES", "Framework45", 32, True, path="/8page.aspx")
    return out


def resource_cases():
    out = []
    for mode, label in (("Framework20SP1", "legacy"), ("Framework45", "fx45")):
        for decryption, dk_len in (("AES", 32), ("3DES", 24)):
            for kind in ("WebResource", "ScriptResource"):
                vk, dk = hexkey(64), hexkey(dk_len)
                mk = machinekey.MachineKey(vk, dk, validation="SHA1", decryption=decryption, compatibility_mode=mode)
                token = mk.encrypt_resource("s|WebForms.js" if kind == "WebResource" else "ZSystem.Web.Extensions|MicrosoftAjax.js", kind)
                name = "resource-%s-%s" % (label, decryption)
                out.append((name, "%s,%s" % (vk, dk), token, [], vk, "resource"))
    return out


CASES = None


def cases():
    global CASES
    if CASES is None:
        CASES = viewstate_cases() + resource_cases()
    return CASES


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("differential") / "generated_keys.txt"
    path.write_text("\n".join(c[1] for c in cases()) + "\n")
    return str(path)


def classify(label, ours, theirs):
    """What badsecrets did, against the adapter's (right) answer."""
    if theirs is None:
        return "miss"
    if theirs["secret"] == ours["secret"]:
        return "same"
    if "encryptionKey" in ours["secret"] and "encryptionKey" not in theirs["secret"] and ours["secret"].startswith(theirs["secret"]):
        return "no_encryption_key"
    if theirs["secret"].split(" validationAlgo")[0] == ours["secret"].split(" validationAlgo")[0]:
        if "validationAlgo: SHA1" in theirs["secret"]:
            return "algorithm_sha1"
        return "no_encryption_key"
    return "modified_key"


def test_differential(key_file):
    report = []
    for label, _, value, args, vk, kind in cases():
        if kind == "viewstate":
            ours = adapter.ASPNET_Viewstate(custom_resource=key_file).check_secret(value, *args)
            theirs = bs_vs.ASPNET_Viewstate(custom_resource=key_file).check_secret(value, *args)
        else:
            ours = adapter.ASPNET_Resource(custom_resource=key_file).check_secret(value)
            theirs = bs_res.ASPNET_Resource(custom_resource=key_file).check_secret(value)
        assert ours is not None, label
        assert ours["secret"].startswith("validationKey: %s " % vk), (label, ours)
        outcome = classify(label, ours, theirs)
        expected = BADSECRETS_BUGS.get(label, "same")
        report.append((label, outcome))
        assert outcome == expected, (label, outcome, ours, theirs)
        if outcome == "same":
            assert theirs["details"] == ours["details"], (label, ours, theirs)
    # The adapter found every case; badsecrets agreed on the others.
    print("\n".join("%-32s %s" % r for r in report))


def test_forms_cookies_badsecrets_has_no_module(key_file):
    """badsecrets 1.3.0 checks no forms-authentication cookie: every module ignores one."""
    from badsecrets.base import check_all_modules

    vk, dk = hexkey(64), hexkey(32)
    for mode, validation in (("Framework20SP1", "SHA1"), ("Framework45", "HMACSHA256")):
        cookie = machinekey.MachineKey(vk, dk, validation=validation, decryption="AES", compatibility_mode=mode).encrypt_forms_ticket("admin")
        keys = machinekey.KeyList.from_text("%s,%s" % (vk, dk))
        f = machinekey.audit(cookie, kind="cookie", keys=keys)
        assert f is not None and f.ticket["name"] == "admin"
        theirs = check_all_modules(cookie) or []
        assert not [r for r in theirs if r["type"] == "SecretFound"]
