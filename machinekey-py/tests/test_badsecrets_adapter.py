"""machinekey.badsecrets answers in badsecrets' shapes (these are the shapes badsecrets
1.3.0 returns; the differential test compares the two directly)."""

import re

import pytest

from machinekey import badsecrets as bs
from conftest import vectors

LEGACY = vectors("viewstate_legacy.json")
RESOURCES = vectors("resource_tokens.json")
SECRET = re.compile(r"^validationKey: [0-9A-F]+ validationAlgo: (MD5|SHA1|SHA256|SHA384|SHA512|AES|3DES)( encryptionKey: [0-9A-F]+ encryptionAlgo: (AES|DES|3DES))?$")


def test_modules_loaded_and_descriptions():
    assert set(bs.modules_loaded) == {"aspnet_viewstate", "aspnet_resource", "aspnet_formsauth"}
    assert bs.ASPNET_Viewstate.get_description() == {"product": "ASP.NET Viewstate", "secret": "ASP.NET MachineKey", "severity": "CRITICAL"}
    assert bs.ASPNET_Resource.check_secret_args == 1 and bs.ASPNET_Viewstate.check_secret_args == 4


def test_viewstate_check_secret_shape_and_argument_order():
    v = LEGACY[0]
    x = bs.ASPNET_Viewstate()
    r = x.check_secret(v["viewstate_b64"], v["generator"])
    assert set(r) == {"secret", "product", "details"}
    assert SECRET.match(r["secret"]) and r["details"] == "Mode [DOTNET40]"
    assert r["product"] == "Viewstate: %s Generator: %s" % (v["viewstate_b64"], v["generator"])
    assert x.check_secret(v["viewstate_b64"], "http://host/default.aspx", v["generator"].lower()) == r
    assert x.check_secret("not a viewstate") is None


def test_mac_disabled():
    v = [v for v in vectors("negative_and_edge.json") if v["id"] == "bs-mac-disabled-9BD98A7D"][0]
    r = bs.ASPNET_Viewstate().check_secret(v["viewstate_b64"], v["generator"])
    assert r == {"secret": "MAC is disabled - no secret needed, use LosFormatter from YSoSerial.Net", "details": "MAC_DISABLED"}


def test_resource_shape():
    r = bs.ASPNET_Resource().check_secret(RESOURCES[0]["token"])
    assert set(r) == {"secret", "details"} and SECRET.match(r["secret"])
    assert r["details"] == "Mode [DOTNET40] Purpose [AssemblyResourceLoader.WebResourceUrl]"


def test_forms_cookie_module():
    from machinekey import MachineKey
    # A pair of the built-in list (the one badsecrets' README vectors use).
    vk = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
    dk = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78"
    cookie = MachineKey(vk, dk, validation="HMACSHA256", decryption="AES", compatibility_mode="Framework45").encrypt_forms_ticket("admin")
    r = bs.ASPNET_FormsAuth().check_secret(cookie)
    assert r["details"] == "Mode [DOTNET45] User [admin]" and vk in r["secret"]
    results = bs.carve_all_modules(body="<html></html>", cookies={".ASPXAUTH": cookie})
    assert results[0]["detecting_module"] == "ASPNET_FormsAuth" and results[0]["location"] == "cookies"


def test_carve_shapes():
    v = LEGACY[6]
    body = (
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="%s" />'
        '<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="%s" />'
        '<script src="/WebResource.axd?d=%s&amp;t=1"></script>' % (v["viewstate_b64"], v["generator"], RESOURCES[0]["token"])
    )
    results = bs.carve_all_modules(body=body)
    assert {r["detecting_module"] for r in results} == {"ASPNET_Viewstate", "ASPNET_Resource"}
    for r in results:
        assert r["type"] == "SecretFound" and r["location"] == "body" and "description" in r and SECRET.match(r["secret"])
    # Nothing known: one IdentifyOnly per module.
    unknown = body.replace(v["viewstate_b64"], v["viewstate_b64"][:-6] + "AAAA==").replace(RESOURCES[0]["token"], "")
    only = bs.ASPNET_Viewstate().carve(body=unknown)
    assert [r["type"] for r in only] == ["IdentifyOnly"]
    with pytest.raises(bs.CarveException):
        bs.ASPNET_Viewstate().carve()


def test_http_response_object_and_custom_resource(tmp_path):
    v = LEGACY[6]

    class Response:
        text = '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="%s" /><input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="%s" />' % (v["viewstate_b64"], v["generator"])
        headers = {"Server": "IIS"}
        cookies = {}

    (r,) = bs.ASPNET_Viewstate().carve(http_response=Response())
    assert r["type"] == "SecretFound"
    with pytest.raises(bs.LoadResourceException):
        bs.ASPNET_Viewstate(custom_resource=str(tmp_path / "missing.txt"))
    custom = tmp_path / "custom.txt"
    custom.write_text("%s,%s\n" % ("E" * 128, "F" * 48))
    assert bs.ASPNET_Viewstate(custom_resource=str(custom)).check_secret(v["viewstate_b64"], v["generator"]) is not None
