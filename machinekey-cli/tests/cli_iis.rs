//! `machinekey iis`, `simulate --iis` and IIS nodes of `compare`, on bundles the tests
//! write: the incident (three workers under a custom user whose AutoGenKeys ACL was reset),
//! its fixes, two servers compared, and bad input with its exit code and place.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const USER_SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1105";
const RESET_ACL: &str = "O:SYG:SYD:PAI(A;CIIO;KA;;;CO)(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)";

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_machinekey"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert!(code == 0 || code == 1, "{args:?}: {err}{out}");
    serde_json::from_str(&out).unwrap()
}

struct Bundle(PathBuf);

impl Bundle {
    fn new(name: &str, acl: &str, max_processes: u32) -> Self {
        let dir =
            std::env::temp_dir().join(format!("machinekey-cli-iis-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let b = Self(dir);
        b.write(
            "bundle.txt",
            &format!("name={}\niis-version=10.0\n", name.to_uppercase()),
        )
        .write("applicationHost.config", &application_host(max_processes))
        .write(
            "files/C/Windows/Microsoft.NET/Framework64/v4.0.30319/Config/machine.config",
            "<configuration/>",
        )
        .write(
            "files/C/Windows/Microsoft.NET/Framework64/v4.0.30319/Config/web.config",
            "<configuration/>",
        )
        .write("files/C/inetpub/shop/web.config", WEB_CONFIG)
        .write("acl/AutoGenKeys-4.0.30319.0-64.sddl", acl)
        .write("accounts.txt", &format!("CORP\\svc_shop={USER_SID}\n"));
        b
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    /// The registry export of the user's key store holding `byte` repeated.
    fn with_stored_key(&self, byte: u8) -> &Self {
        let hex: Vec<String> = (0..1024).map(|_| format!("{byte:02x}")).collect();
        self.write(
            "registry/aspnet-64.reg",
            &format!(
                "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys\\{USER_SID}]\r\n\"AutoGenKeyFormat\"=dword:00000002\r\n\"AutoGenKeyV4\"=hex:{}\r\n",
                hex.join(",")
            ),
        )
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn application_host(max_processes: u32) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <applicationPools>
      <add name="Shop" managedRuntimeVersion="v4.0">
        <processModel identityType="SpecificUser" userName="CORP\svc_shop" password="[enc:IISWASOnlyCngProvider:c2VjcmV0:enc]" loadUserProfile="false" maxProcesses="{max_processes}" />
      </add>
    </applicationPools>
    <sites>
      <site name="Shop" id="2">
        <application path="/" applicationPool="Shop">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\shop" />
        </application>
      </site>
    </sites>
  </system.applicationHost>
</configuration>
"#
    )
}

const WEB_CONFIG: &str = r#"<configuration><system.web>
  <httpRuntime targetFramework="4.8" />
  <machineKey validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate,IsolateApps" />
  <sessionState mode="StateServer" />
</system.web></configuration>"#;

fn granted() -> String {
    format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})")
}

#[test]
fn iis_names_the_incident_and_its_fixes() {
    let b = Bundle::new("web1", RESET_ACL, 3);
    let (code, text, _) = run(&["iis", b.path()]);
    assert_eq!(code, 0);
    assert!(text.contains("[critical] web_garden_private_keys (pool Shop): 3 worker processes run as CORP\\svc_shop"), "{text}");
    assert!(text.contains("about 2/3"));
    assert!(text.contains(r#"aspnet_regiis.exe -ga "CORP\svc_shop""#));
    assert!(text.contains("/processModel.loadUserProfile:true"));
    assert!(!text.contains("c2VjcmV0"));
    // --strict fails a monitoring job on it; --bundle is the same as PATH.
    assert_eq!(run(&["iis", "--strict", "--bundle", b.path()]).0, 1);
    let j = json(&["iis", b.path()]);
    assert_eq!(j["server"], "WEB1");
    assert_eq!(j["findings"][0]["id"], "web_garden_private_keys");
    assert_eq!(j["findings"][0]["severity"], "critical");
    let pool = &j["pools"][0];
    assert_eq!(pool["identity"]["sid"], USER_SID);
    assert_eq!(pool["key_store"]["store"], "per_process");
    assert_eq!(pool["key_store"]["acl"]["write"], false);
    assert_eq!(j["applications"][0]["app_id"], "/LM/W3SVC/2/ROOT");
    assert_eq!(j["applications"][0]["session_state"], "StateServer");
    // A grant in the ACL (the same bundle, --acl added) removes the finding.
    let j = json(&["iis", b.path(), "--acl", &granted()]);
    assert_eq!(
        j["pools"][0]["key_store"]["store"], "unknown",
        "the key's existence is not collected"
    );
    b.with_stored_key(7);
    let j = json(&["iis", b.path(), "--acl", &granted()]);
    assert_eq!(j["pools"][0]["key_store"]["store"], "local_machine");
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "web_garden_private_keys")
    );
}

#[test]
fn iis_reads_a_single_file_with_options() {
    let b = Bundle::new("file", RESET_ACL, 3);
    let acl_file = b.0.join("acl.txt");
    std::fs::write(&acl_file, RESET_ACL).unwrap();
    let host = b.0.join("applicationHost.config");
    let map = format!("C:\\inetpub={}", b.0.join("files/C/inetpub").display());
    let j = json(&[
        "iis",
        host.to_str().unwrap(),
        "--map",
        &map,
        "--acl",
        &format!("@{}", acl_file.display()),
        "--sid",
        &format!("CORP\\svc_shop={USER_SID}"),
    ]);
    assert_eq!(j["findings"][0]["id"], "web_garden_private_keys", "{j}");
    assert_eq!(j["applications"][0]["machine_key"]["mode"], "Framework45");
    // Without --sid the user's store cannot be checked, and the output says which.
    let j = json(&["iis", host.to_str().unwrap(), "--acl", RESET_ACL]);
    let ids: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"sid_unknown") && ids.contains(&"web_garden_store_unknown"),
        "{ids:?}"
    );
    // The IIS 6 metabase, from the documented properties.
    let metabase =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/iis/metabase-documented.xml");
    let (code, text, err) = run(&[
        "iis",
        metabase.to_str().unwrap(),
        "--sid",
        &format!("CORP\\svc_shop={USER_SID}"),
        "--acl",
        RESET_ACL,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("IIS 6 metabase") && text.contains("web_garden_private_keys (pool ShopPool)"),
        "{text}"
    );
    assert!(text.contains("State Service sessions"));
}

#[test]
fn simulate_iis_gives_two_thirds_then_zero() {
    let b = Bundle::new("sim", RESET_ACL, 3);
    let j = json(&[
        "simulate",
        "--iis",
        b.path(),
        "--requests",
        "900",
        "--seed",
        "7",
    ]);
    let variants = j["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    let rate = |v: &Value, kind: &str| {
        let k = v["report"]["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == kind)
            .unwrap();
        k["failures"].as_f64().unwrap() / k["requests"].as_f64().unwrap()
    };
    let found = rate(&variants[0], "forms_login");
    assert!((0.55..0.78).contains(&found), "{found}");
    for v in &variants[1..] {
        assert_eq!(rate(v, "forms_login"), 0.0, "{}", v["name"]);
        assert_eq!(rate(v, "view_state"), 0.0);
    }
    let (code, text, _) = run(&[
        "simulate",
        "--iis",
        b.path(),
        "--pool",
        "Shop",
        "--requests",
        "300",
    ]);
    assert_eq!(code, 0);
    assert!(text.contains("fix: aspnet_regiis -ga") && text.contains("as found"));
    let (code, _, err) = run(&["simulate", "--iis", b.path(), "--pool", "Nope"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn compare_takes_nodes_named_by_server_site_and_app() {
    let web1 = Bundle::new("web1c", &granted(), 1);
    let web2 = Bundle::new("web2c", &granted(), 1);
    web1.with_stored_key(7);
    web2.with_stored_key(7);
    // The same stored key on both servers (a copied key store): every kind crosses.
    let (code, text, err) = run(&[
        "compare",
        &format!("{},site=Shop,app=/", web1.path()),
        &format!("{},site=2", web2.path()),
    ]);
    assert_eq!(code, 0, "{err}{text}");
    assert!(text.contains("WEB1C/Shop/ -> WEB2C/Shop/"), "{text}");
    // Different keys: nothing protected crosses; exit 1.
    web2.with_stored_key(8);
    let j = json(&[
        "compare",
        &format!("{},name=web1", web1.path()),
        web2.path(),
    ]);
    assert_eq!(j[0]["from"], "web1");
    let (code, _, _) = run(&["compare", web1.path(), web2.path()]);
    assert_eq!(code, 1);
    let (code, _, err) = run(&[
        "compare",
        &format!("{},site=Nope", web1.path()),
        web2.path(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no resolved application Nope/"), "{err}");
    assert_eq!(
        run(&["compare", &format!("{},reg=x", web1.path()), web2.path()]).0,
        2
    );
}

#[test]
fn bad_input_exits_2_with_the_place() {
    let b = Bundle::new("bad", RESET_ACL, 3);
    b.write(
        "applicationHost.config",
        &application_host(3).replace("</sites>", "</site>"),
    );
    let (code, _, err) = run(&["iis", b.path()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("applicationHost.config:") && err.contains("malformed XML"),
        "{err}"
    );
    let b = Bundle::new("bad2", RESET_ACL, 3);
    let (code, out, _) = run(&["--json", "iis", b.path(), "--acl", "D:(A;;KA;;;BA"]);
    assert_eq!(code, 2);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["error"]["code"], "sddl");
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("SDDL offset 2")
    );
    b.write(
        "applicationHost.config",
        &application_host(3).replace("SpecificUser", "Somebody"),
    );
    let (code, _, err) = run(&["iis", b.path()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("applicationHost.config:6: <processModel identityType=\"Somebody\">"),
        "{err}"
    );
    assert_eq!(run(&["iis", b.path(), "--map", "nothing"]).0, 2);
    assert_eq!(run(&["iis", b.path(), "--sid", "CORP\\x=S-1-zz"]).0, 2);
    assert_eq!(run(&["iis", b.path(), "--iis-version", "9"]).0, 2);
    let (code, _, err) = run(&["iis", "/nonexistent/applicationHost.config"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/applicationHost.config"), "{err}");
}

/// The README's commands on the committed example bundle (`examples/iis/web1`): the incident
/// is named, `--acl` with the key granted to the user clears it, and the simulation gives
/// about two requests in three lost, then none after each fix.
#[test]
fn readme_example_bundle() {
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/iis/web1");
    let j = json(&["iis", bundle]);
    assert_eq!(j["findings"][0]["id"], "web_garden_private_keys", "{j}");
    let granted = format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})");
    let j = json(&["iis", bundle, "--acl", &granted]);
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "web_garden_private_keys"),
        "{j}"
    );
    let (code, out, err) = run(&["simulate", "--iis", bundle]);
    assert_eq!(code, 0, "{err}");
    let as_found = out.lines().find(|l| l.starts_with("as found")).unwrap();
    let percents: Vec<u32> = as_found
        .split_whitespace()
        .filter_map(|w| w.strip_suffix('%')?.parse().ok())
        .collect();
    assert!(
        percents.iter().filter(|p| (60..=73).contains(*p)).count() >= 3,
        "{out}"
    );
    for fix in out.lines().filter(|l| l.starts_with("fix:")) {
        assert!(fix.contains(" 0/3000"), "{fix}");
        assert!(
            !fix.split_whitespace()
                .any(|w| w.ends_with('%') && w != "0%"),
            "{fix}"
        );
    }
}
