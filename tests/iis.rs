//! Pointing the crate at IIS servers: real applicationHost.config files read to the pools,
//! sites, applications and physical paths they hold; the incident bundle (a three-worker
//! pool under a custom user whose AutoGenKeys ACL was reset) diagnosed, simulated and
//! fixed; and bad input, which fails with the file and line (or the SDDL offset).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use machinekey::clock::from_file_time;
use machinekey::config::{KeyAttribute, Setting};
use machinekey::iis::apphost::{ReadOptions, parse_application_host, read_application_host};
use machinekey::iis::diagnose::{FindingId, StoreKind};
use machinekey::iis::metabase::{parse_metabase, read_metabase};
use machinekey::iis::paths::Environment;
use machinekey::iis::registry::{AspNetRegistry, StoreKey};
use machinekey::iis::sddl::SecurityDescriptor;
use machinekey::iis::server::{
    IdentityType, PipelineMode, RuntimeVersion, SchemaVersion, ServerConfig, ServerKind,
};
use machinekey::iis::sid::Sid;
use machinekey::iis::{IisError, Server};
use machinekey::keys::store::RegistryView;
use machinekey::keys::{AutoGenKeys, write_reg_export};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/iis")
        .join(name)
}

fn read(name: &str) -> ServerConfig {
    read_application_host(&data(name), &ReadOptions::default()).unwrap()
}

/// (pool, identity, runtime, 32-bit, loadUserProfile, maxProcesses, pipeline)
type PoolRow<'a> = (
    &'a str,
    IdentityType,
    RuntimeVersion,
    bool,
    Option<bool>,
    u32,
    PipelineMode,
);

fn assert_pools(server: &ServerConfig, expected: &[PoolRow<'_>]) {
    let got: Vec<PoolRow<'_>> = server
        .pools
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.identity_type,
                p.runtime.clone(),
                p.enable_32bit,
                p.load_user_profile,
                p.max_processes,
                p.pipeline,
            )
        })
        .collect();
    assert_eq!(got, expected, "{}", server.file);
}

/// (site, id, app path, pool, physical path as written)
fn apps(server: &ServerConfig) -> Vec<(String, u64, String, String, String)> {
    server
        .applications()
        .map(|(s, a)| {
            (
                s.name.clone(),
                s.id,
                a.path.clone(),
                a.pool.clone(),
                a.physical_path().unwrap().physical_path.clone(),
            )
        })
        .collect()
}

fn row(
    site: &str,
    id: u64,
    path: &str,
    pool: &str,
    physical: &str,
) -> (String, u64, String, String, String) {
    (site.into(), id, path.into(), pool.into(), physical.into())
}

use IdentityType::ApplicationPoolIdentity as Api;
use PipelineMode::{Classic, Integrated};
use RuntimeVersion::{NoManagedCode, V2_0, V4_0};

#[test]
fn shipped_file_of_a_windows_container() {
    // The applicationHost.config Windows ships (here from a Windows Server container image).
    let s = read("RedHatSE-windowcontainertest@63273cf.applicationHost.config");
    assert_eq!(s.kind, ServerKind::Iis);
    assert_pools(
        &s,
        &[
            (
                "DefaultAppPool",
                Api,
                V4_0,
                false,
                Some(false),
                1,
                Integrated,
            ),
            (
                "Classic .NET AppPool",
                Api,
                V2_0,
                false,
                Some(false),
                1,
                Classic,
            ),
            (
                ".NET v2.0 Classic",
                Api,
                V2_0,
                false,
                Some(false),
                1,
                Classic,
            ),
            (".NET v2.0", Api, V2_0, false, Some(false), 1, Integrated),
            (
                ".NET v4.5 Classic",
                Api,
                V4_0,
                false,
                Some(false),
                1,
                Classic,
            ),
            (".NET v4.5", Api, V4_0, false, Some(false), 1, Integrated),
        ],
    );
    let pool = s.pool("defaultapppool").unwrap();
    // managedRuntimeVersion from the file's applicationPoolDefaults, loadUserProfile from the schema
    assert_eq!(pool.origin("managedRuntimeVersion").unwrap().line, 140);
    assert_eq!(pool.origin("processModel.identityType").unwrap().line, 141);
    assert_eq!(pool.origin("processModel.loadUserProfile").unwrap().line, 0);
    assert_eq!(pool.declared.as_ref().unwrap().line, 134);
    assert_eq!(
        apps(&s),
        [row(
            "Default Web Site",
            1,
            "/",
            "DefaultAppPool",
            r"%SystemDrive%\inetpub\wwwroot"
        )]
    );
    let app = &s.sites[0].applications[0];
    assert_eq!(app.app_id, "/LM/W3SVC/1/ROOT");
    // the pool comes from <sites><applicationDefaults>
    assert!(app.pool_origin.line > 170, "{}", app.pool_origin);
    assert_eq!(
        Environment::windows_defaults()
            .expand(&app.physical_path().unwrap().physical_path)
            .unwrap(),
        r"C:\inetpub\wwwroot"
    );
}

#[test]
fn web_server_with_load_user_profile_in_the_defaults() {
    let s = read("dorik84-Web-Server-IIS@55fd65a.applicationHost.config");
    assert_pools(
        &s,
        &[
            (
                "DefaultAppPool",
                Api,
                V4_0,
                false,
                Some(true),
                1,
                Integrated,
            ),
            ("mysite.tbd", Api, V4_0, false, Some(true), 1, Integrated),
            (
                ".NET v4.5 Classic",
                Api,
                V4_0,
                false,
                Some(true),
                1,
                Classic,
            ),
            (".NET v4.5", Api, V4_0, false, Some(true), 1, Integrated),
        ],
    );
    assert_eq!(
        s.pool("mysite.tbd")
            .unwrap()
            .origin("processModel.loadUserProfile")
            .unwrap()
            .line,
        144
    );
    assert_eq!(
        apps(&s),
        [
            row(
                "Default Web Site",
                1,
                "/",
                "DefaultAppPool",
                r"%SystemDrive%\inetpub\wwwroot"
            ),
            row(
                "mysite.tbd",
                2,
                "/",
                "mysite.tbd",
                r"C:\inetpub\wwwroot\mysite.tbd"
            ),
        ]
    );
    // The profile is loaded: every pool's keys live in its HKCU and its workers share them.
    let d = Server::new("web", s).diagnose(None);
    for p in &d.pools {
        assert_eq!(p.key_store.store, StoreKind::CurrentUser, "{}", p.name);
        assert_eq!(p.key_store.shared_by_workers, Some(true));
    }
    assert_eq!(
        d.application("mysite.tbd/").unwrap().app_id,
        "/LM/W3SVC/2/ROOT"
    );
}

#[test]
fn hosting_panel_with_several_sites_and_32_bit_pools() {
    // MaestroPanel's shared applicationHost.config: one pool per site, 32-bit workers.
    let s = read("c1982-IIS-SharedGitConfig@d9705d0.applicationHost.config");
    assert_pools(
        &s,
        &[
            (
                "DefaultAppPool",
                Api,
                V4_0,
                true,
                Some(false),
                1,
                Integrated,
            ),
            (
                ".NET v4.5 Classic",
                Api,
                V4_0,
                true,
                Some(false),
                1,
                Classic,
            ),
            (".NET v4.5", Api, V4_0, true, Some(false), 1, Integrated),
            (
                "redisoncloud.com",
                Api,
                V4_0,
                true,
                Some(false),
                1,
                Integrated,
            ),
            ("ikinci.com", Api, V4_0, true, Some(false), 1, Integrated),
            ("deneme.com", Api, V4_0, true, Some(false), 1, Integrated),
        ],
    );
    assert_eq!(
        s.pool("ikinci.com")
            .unwrap()
            .origin("processModel.loadUserProfile")
            .unwrap()
            .line,
        150
    );
    assert_eq!(
        s.pool(".NET v4.5")
            .unwrap()
            .origin("enable32BitAppOnWin64")
            .unwrap()
            .line,
        155
    );
    assert_eq!(
        apps(&s),
        [
            row(
                "Default Web Site",
                1,
                "/",
                "DefaultAppPool",
                r"%SystemDrive%\inetpub\wwwroot"
            ),
            row(
                "redisoncloud.com",
                4,
                "/",
                "redisoncloud.com",
                r"C:\vhosts\redisoncloud.com\http"
            ),
            row(
                "ikinci.com",
                5,
                "/",
                "ikinci.com",
                r"C:\vhosts\ikinci.com\http"
            ),
            row(
                "deneme.com",
                6,
                "/",
                "deneme.com",
                r"C:\vhosts\deneme.com\http"
            ),
        ]
    );
    let d = Server::new("panel", s).diagnose(None);
    let pool = d.pool("deneme.com").unwrap();
    assert_eq!(pool.view, RegistryView::Bits32);
    assert_eq!(pool.key_store.store, StoreKind::Unknown); // nothing collected: cannot tell
    assert_eq!(
        pool.key_store.location,
        format!(
            r"HKLM\SOFTWARE\WOW6432Node\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{}",
            Sid::application_pool("deneme.com")
        )
    );
    assert_eq!(d.application("6/").unwrap().label, "deneme.com/");
}

#[test]
fn iis_express_file_with_twelve_sites() {
    let s = read("shahzadthathal-RideSafePk@3dd33ad.IISExpress.applicationhost.config");
    assert_eq!(s.kind, ServerKind::IisExpress);
    let names: Vec<&str> = s.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Clr4IntegratedAppPool",
            "Clr4ClassicAppPool",
            "Clr2IntegratedAppPool",
            "Clr2ClassicAppPool",
            "UnmanagedClassicAppPool"
        ]
    );
    assert_eq!(s.pool("Clr2ClassicAppPool").unwrap().runtime, V2_0);
    assert_eq!(
        s.pool("UnmanagedClassicAppPool").unwrap().runtime,
        NoManagedCode
    );
    let all = apps(&s);
    assert_eq!(all.len(), 12);
    assert_eq!(
        all[0],
        row(
            "WebSite1",
            1,
            "/",
            "Clr4IntegratedAppPool",
            r"%IIS_SITES_HOME%\WebSite1"
        )
    );
    assert_eq!(
        all[7],
        row(
            "AlumniService(1)",
            8,
            "/",
            "Clr4IntegratedAppPool",
            r"C:\Users\shahzad\Documents\Visual Studio 2013\Projects\AlumniService\AlumniService"
        )
    );
    assert_eq!(all[11].1, 12);
    // WebSite1 names no pool: <applicationDefaults applicationPool="Clr4IntegratedAppPool"/>
    assert!(s.sites[0].applications[0].pool_origin.line > 0);
    let mut env = Environment::windows_defaults();
    assert_eq!(env.expand(&all[0].4).unwrap_err(), "IIS_SITES_HOME");
    env.set("IIS_SITES_HOME", r"C:\Users\shahzad\Documents\My Web Sites");
    assert_eq!(
        env.expand(&all[0].4).unwrap(),
        r"C:\Users\shahzad\Documents\My Web Sites\WebSite1"
    );
    // Every worker is the interactive user, profile loaded: HKCU, whatever identityType says.
    let d = Server::new("dev", s).diagnose(None);
    let pool = d.pool("Clr4IntegratedAppPool").unwrap();
    assert_eq!(pool.key_store.store, StoreKind::CurrentUser);
    assert_eq!(pool.identity.identity_type, None);
    // All twelve root applications run as that user with IsolateApps on "/": they share keys.
    assert_eq!(d.findings_with(FindingId::AppsShareKeys).count(), 1);
}

#[test]
fn hostable_web_core_file_with_no_managed_code() {
    let s = read("shirhatti-HwcConsole@1349f9d.applicationHost.config");
    assert_pools(
        &s,
        &[(
            "DefaultAppPool",
            Api,
            NoManagedCode,
            false,
            Some(false),
            1,
            Integrated,
        )],
    );
    assert_eq!(
        apps(&s),
        [row(
            "WebSite",
            1,
            "/",
            "DefaultAppPool",
            r"%systemdrive%\inetpub\wwwroot"
        )]
    );
    // variables are matched case-insensitively
    assert_eq!(
        Environment::windows_defaults()
            .expand(&apps(&s)[0].4)
            .unwrap(),
        r"C:\inetpub\wwwroot"
    );
    let d = Server::new("hwc", s).diagnose(None);
    assert_eq!(d.pools[0].key_store.store, StoreKind::NotApplicable);
    assert!(
        d.applications[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no managed code")
    );
}

#[test]
fn schema_version_changes_the_defaults() {
    let text = r#"<configuration><system.applicationHost><applicationPools><add name="P" /></applicationPools></system.applicationHost></configuration>"#;
    let read = |schema| {
        parse_application_host(
            "a",
            text,
            &ReadOptions {
                schema,
                express: None,
            },
        )
        .unwrap()
    };
    let p7 = read(SchemaVersion::Iis7_0);
    assert_eq!(
        (p7.pools[0].identity_type, &p7.pools[0].runtime),
        (IdentityType::NetworkService, &V2_0)
    );
    let p75 = read(SchemaVersion::Iis7_5);
    assert_eq!(
        (p75.pools[0].identity_type, &p75.pools[0].runtime),
        (Api, &V2_0)
    );
    let p10 = read(SchemaVersion::Iis10_0);
    assert_eq!(
        (p10.pools[0].identity_type, &p10.pools[0].runtime),
        (Api, &NoManagedCode)
    );
    assert_eq!(
        p10.pools[0]
            .origin("processModel.identityType")
            .unwrap()
            .to_string(),
        "IIS_schema.xml (IIS 10.0) default"
    );
}

#[test]
fn default_app_pool_sid() {
    let sid = Sid::application_pool("DefaultAppPool");
    assert_eq!(
        sid.to_string(),
        "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"
    );
    assert_eq!(sid.to_string().parse::<Sid>().unwrap(), sid);
    assert_ne!(Sid::application_pool("DefaultAppPool2"), sid);
}

// ---------------------------------------------------------------------------------------
// The incident, from files.

const USER_SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1105";
const RESET_ACL: &str = "O:SYG:SYD:PAI(A;CIIO;KA;;;CO)(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)";

struct Bundle(PathBuf);

impl Bundle {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("machinekey-iis-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn server(&self) -> Server {
        Server::from_bundle(&self.0, &ReadOptions::default()).unwrap()
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
      <add name="DefaultAppPool" />
      <add name="Shop" managedRuntimeVersion="v4.0">
        <processModel identityType="SpecificUser" userName="CORP\svc_shop" password="[enc:IISWASOnlyCngProvider:c2VjcmV0:enc]" loadUserProfile="false" maxProcesses="{max_processes}" />
      </add>
      <applicationPoolDefaults managedRuntimeVersion="v4.0">
        <processModel identityType="ApplicationPoolIdentity" loadUserProfile="true" />
      </applicationPoolDefaults>
    </applicationPools>
    <sites>
      <site name="Default Web Site" id="1">
        <application path="/">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
        </application>
      </site>
      <site name="Shop" id="2">
        <application path="/" applicationPool="Shop">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\shop" />
        </application>
      </site>
      <applicationDefaults applicationPool="DefaultAppPool" />
    </sites>
  </system.applicationHost>
</configuration>
"#
    )
}

const SHOP_WEB_CONFIG: &str = r#"<?xml version="1.0"?>
<configuration>
  <system.web>
    <httpRuntime targetFramework="4.8" />
    <machineKey validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate,IsolateApps" />
    <sessionState mode="StateServer" stateConnectionString="tcpip=127.0.0.1:42424" />
    <authentication mode="Forms" />
  </system.web>
</configuration>
"#;

const FRAMEWORK: &str = "files/C/Windows/Microsoft.NET/Framework64/v4.0.30319/Config";

/// The ASP.NET key stores of a server: the AutoGenKeys key, the user's subkey holding a key
/// created at `created`, and the framework's last install at `installed`.
fn registry_export(created: u64, installed: u64) -> String {
    let keys = AutoGenKeys::from_bytes(&[7; 1024]).unwrap();
    let sub = write_reg_export(
        &format!(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{USER_SID}"
        ),
        &keys,
        from_file_time(created),
    );
    let body = sub.split_once("\r\n\r\n").unwrap().1;
    let qword: Vec<String> = installed
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0]\r\n\"LastInstallTime\"=hex(b):{}\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys]\r\n\r\n{body}",
        qword.join(",")
    )
}

/// A 2024-01-01 FILETIME, and one a month later.
const JAN_2024: u64 = 133_485_408_000_000_000;
const FEB_2024: u64 = JAN_2024 + 31 * 86_400 * 10_000_000;

fn incident_bundle(name: &str, acl: &str, web_config: &str, max_processes: u32) -> Bundle {
    let b = Bundle::new(name);
    b.write("bundle.txt", "name=WEB1\niis-version=10.0\n")
        .write("applicationHost.config", &application_host(max_processes))
        .write(
            &format!("{FRAMEWORK}/machine.config"),
            "<configuration><system.web /></configuration>",
        )
        .write(
            &format!("{FRAMEWORK}/web.config"),
            "<configuration><system.web /></configuration>",
        )
        .write("files/C/inetpub/shop/web.config", web_config)
        .write("acl/AutoGenKeys-4.0.30319.0-64.sddl", acl)
        .write(
            "registry/aspnet-64.reg",
            &registry_export(JAN_2024, FEB_2024),
        )
        .write(
            "accounts.txt",
            &format!("# resolved on the server\nCORP\\svc_shop={USER_SID}\n"),
        );
    b
}

#[test]
fn the_incident_is_named_with_both_fixes() {
    let b = incident_bundle("incident", RESET_ACL, SHOP_WEB_CONFIG, 3);
    let server = b.server();
    assert_eq!(server.name, "WEB1");
    let d = server.diagnose(None);
    let pool = d.pool("Shop").unwrap();
    assert_eq!(pool.identity.account, r"CORP\svc_shop");
    assert_eq!(pool.identity.sid.as_ref().unwrap().to_string(), USER_SID);
    assert_eq!(pool.workers, 3);
    assert!(!pool.identity.profile_loaded);
    assert_eq!(pool.key_store.store, StoreKind::PerProcess);
    assert_eq!(pool.key_store.shared_by_workers, Some(false));
    let acl = pool.key_store.acl.as_ref().unwrap();
    assert_eq!(acl.exists, Some(true));
    assert!(
        acl.exists_from
            .as_deref()
            .unwrap()
            .ends_with("aspnet-64.reg:8"),
        "{acl:?}"
    );
    assert!(acl.inherited_from_parent);
    // BUILTIN\Users may read (the user is one), nobody grants the user writing.
    assert_eq!(
        (acl.read, acl.write, acl.create),
        (Some(true), Some(false), Some(false))
    );
    assert!(
        pool.key_store
            .description
            .contains("not granted to the SID"),
        "{}",
        pool.key_store.description
    );
    // The stored key predates the last framework install.
    assert!(
        pool.key_store
            .stale
            .as_deref()
            .unwrap()
            .contains("replaces it with new keys")
    );
    assert_eq!(d.findings_with(FindingId::StaleStoredKey).count(), 1);

    let incident: Vec<_> = d.findings_with(FindingId::WebGardenPrivateKeys).collect();
    assert_eq!(incident.len(), 1, "{}", d.to_text());
    let f = incident[0];
    assert_eq!(f.subject, "pool Shop");
    assert!(f.message.contains("about 2/3"), "{}", f.message);
    assert!(
        f.message.contains("forms logins")
            && f.message.contains("ViewState")
            && f.message.contains("MachineKey.Protect")
    );
    assert!(
        !f.message.contains("State Service"),
        "4.x: the session key is unkeyed"
    );
    assert_eq!(f.fixes.len(), 3);
    assert!(f.fixes[0].contains("explicit <machineKey>"));
    assert!(
        f.fixes[1].contains(r#"Framework64\v4.0.30319\aspnet_regiis.exe -ga "CORP\svc_shop""#),
        "{}",
        f.fixes[1]
    );
    assert!(f.fixes[2].contains("loadUserProfile:true"));
    assert_eq!(
        d.findings[0].id,
        FindingId::WebGardenPrivateKeys,
        "the most severe first"
    );
    // StateServer: no InProc finding.
    assert_eq!(
        d.findings_with(FindingId::WebGardenInprocSession).count(),
        0
    );

    let app = d.application("Shop/").unwrap();
    assert_eq!(app.app_id, "/LM/W3SVC/2/ROOT");
    let mk = app.machine_key.as_ref().unwrap();
    assert!(mk.mode.is_framework45());
    assert_eq!(
        mk.origins[&Setting::from(KeyAttribute::ValidationKey)].to_string(),
        r"C:\inetpub\shop\web.config:5 (site)"
    );
    assert!(app.isolation.as_deref().unwrap().contains("IsolateApps: /"));
    assert_eq!(app.config_files.len(), 3);
    // Nothing printed holds the password or key bytes.
    let text = d.to_text();
    let json = serde_json::to_string(&d).unwrap();
    for out in [&text, &json] {
        assert!(!out.contains("c2VjcmV0") && !out.contains("enc:"));
        assert!(!out.contains("07,07,07") && !out.contains("0707070707"));
    }
    assert!(json.contains("\"web_garden_private_keys\""));
}

#[test]
fn an_acl_that_grants_the_user_write_removes_the_finding() {
    let granted = format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})");
    let b = incident_bundle("granted", &granted, SHOP_WEB_CONFIG, 3);
    let d = b.server().diagnose(None);
    let pool = d.pool("Shop").unwrap();
    assert_eq!(
        pool.key_store.store,
        StoreKind::LocalMachine,
        "{}",
        d.to_text()
    );
    assert_eq!(pool.key_store.shared_by_workers, Some(true));
    let acl = pool.key_store.acl.as_ref().unwrap();
    assert_eq!((acl.read, acl.write), (Some(true), Some(true)));
    assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 0);
    assert_eq!(
        d.findings_with(FindingId::PrivateKeysLostOnRecycle).count(),
        0
    );
}

#[test]
fn a_deny_entry_wins_over_the_grant() {
    let denied = format!("O:SYG:SYD:PAI(D;CI;KW;;;{USER_SID})(A;CI;KA;;;{USER_SID})(A;CI;KA;;;SY)");
    let b = incident_bundle("denied", &denied, SHOP_WEB_CONFIG, 3);
    let d = b.server().diagnose(None);
    let acl = d.pool("Shop").unwrap().key_store.acl.clone().unwrap();
    assert_eq!(acl.write, Some(false));
    assert_eq!(
        acl.decided_by.as_deref(),
        Some(&*format!("(D;CIID;KW;;;{USER_SID})"))
    );
    assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 1);
}

#[test]
fn a_web_garden_with_inproc_sessions_names_that_cause() {
    let granted = format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})");
    let inproc = SHOP_WEB_CONFIG.replace(
        r#"<sessionState mode="StateServer" stateConnectionString="tcpip=127.0.0.1:42424" />"#,
        "",
    );
    let b = incident_bundle("inproc", &granted, &inproc, 3);
    let d = b.server().diagnose(None);
    assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 0);
    let f: Vec<_> = d.findings_with(FindingId::WebGardenInprocSession).collect();
    assert_eq!(f.len(), 1, "{}", d.to_text());
    assert!(f[0].message.contains("InProc") && f[0].message.contains("whatever the keys"));
    assert!(f[0].fixes.iter().any(|x| x.contains("maxProcesses:1")));
    assert!(f[0].fixes.iter().any(|x| x.contains("StateServer")));
    // One worker: neither finding.
    let single = incident_bundle("single", &granted, &inproc, 1);
    let d = single.server().diagnose(None);
    assert_eq!(
        d.findings_with(FindingId::WebGardenInprocSession).count(),
        0
    );
}

#[test]
fn one_worker_on_private_keys_loses_them_at_each_recycle() {
    let b = incident_bundle("recycle", RESET_ACL, SHOP_WEB_CONFIG, 1);
    let d = b.server().diagnose(None);
    assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 0);
    assert_eq!(
        d.findings_with(FindingId::PrivateKeysLostOnRecycle).count(),
        1
    );
}

#[test]
fn explicit_keys_or_a_loaded_profile_leave_no_incident() {
    let explicit = SHOP_WEB_CONFIG.replace(
        r#"validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate,IsolateApps""#,
        r#"validationKey="0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" decryptionKey="0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" validation="HMACSHA256" decryption="AES""#,
    );
    let b = incident_bundle("explicit", RESET_ACL, &explicit, 3);
    let d = b.server().diagnose(None);
    assert_eq!(
        d.findings_with(FindingId::WebGardenPrivateKeys).count(),
        0,
        "{}",
        d.to_text()
    );
    assert!(
        d.application("Shop/")
            .unwrap()
            .isolation
            .as_deref()
            .unwrap()
            .starts_with("explicit keys")
    );

    let b = incident_bundle("profile", RESET_ACL, SHOP_WEB_CONFIG, 3);
    let host = application_host(3).replace(
        r#"loadUserProfile="false" maxProcesses"#,
        r#"loadUserProfile="true" maxProcesses"#,
    );
    b.write("applicationHost.config", &host);
    let d = b.server().diagnose(None);
    assert_eq!(
        d.pool("Shop").unwrap().key_store.store,
        StoreKind::CurrentUser
    );
    assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 0);
}

#[test]
fn an_unknown_sid_says_which_store_is_unknown() {
    let b = incident_bundle("nosid", RESET_ACL, SHOP_WEB_CONFIG, 3);
    b.write("accounts.txt", "");
    let d = b.server().diagnose(None);
    let pool = d.pool("Shop").unwrap();
    assert_eq!(pool.key_store.store, StoreKind::Unknown);
    assert!(pool.key_store.location.ends_with(r"AutoGenKeys\<SID>"));
    let f: Vec<_> = d.findings_with(FindingId::SidUnknown).collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .contains(r"HKLM\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\<SID>")
    );
    assert!(f[0].fixes[0].contains(r#"--sid "CORP\svc_shop=S-1-5-21-"#));
    assert_eq!(d.findings_with(FindingId::WebGardenStoreUnknown).count(), 1);
}

#[cfg(feature = "sim")]
#[test]
fn simulate_gives_two_thirds_then_zero_after_each_fix() {
    let b = incident_bundle("sim", RESET_ACL, SHOP_WEB_CONFIG, 3);
    let run = b
        .server()
        .diagnose(None)
        .simulate(None, 1500, 2026)
        .unwrap();
    assert_eq!((run.pool.as_str(), run.workers), ("Shop", 3));
    let names: Vec<&str> = run.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "as found",
            "fix: explicit <machineKey>",
            "fix: aspnet_regiis -ga",
            "fix: loadUserProfile=true"
        ]
    );
    let found = &run.variants[0].report;
    for kind in ["forms login", "viewstate", "machinekey.protect"] {
        let rate = found.kind(kind).unwrap().failure_rate();
        assert!((0.55..0.78).contains(&rate), "{kind}: {rate}");
    }
    assert_eq!(
        found.kind("session").unwrap().failures,
        0,
        "4.8: the State Service key is unkeyed"
    );
    for v in &run.variants[1..] {
        assert_eq!(v.report.failures(), 0, "{}", v.name);
    }
    assert!(run.table().contains("fix: aspnet_regiis -ga"));
    // With the grant in place there is nothing left to fix.
    let granted = incident_bundle(
        "sim-granted",
        &format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})"),
        SHOP_WEB_CONFIG,
        3,
    );
    let run = granted
        .server()
        .diagnose(None)
        .simulate(Some("Shop"), 600, 1)
        .unwrap();
    assert_eq!(run.variants[0].report.failures(), 0);
}

#[test]
fn compat_nodes_are_named_by_server_site_and_app() {
    // Two servers whose Shop pools read the same stored key (a copied key store) share state.
    let granted = format!("{RESET_ACL}(A;CI;KA;;;{USER_SID})");
    let web1 = incident_bundle("web1", &granted, SHOP_WEB_CONFIG, 1);
    let web2 = incident_bundle("web2", &granted, SHOP_WEB_CONFIG, 1);
    web2.write("bundle.txt", "name=WEB2\n");
    let d1 = web1.server().diagnose(None);
    let d2 = web2.server().diagnose(None);
    let a = d1.compat_node("WEB1/Shop/").unwrap();
    assert_eq!(a.name(), "WEB1/Shop/");
    assert!(d1.compat_node("Shop").is_some() && d1.compat_node("2/").is_some());
    let b = d2.compat_node("Shop/").unwrap();
    let c = machinekey::compat::compare(&a, &b).unwrap();
    assert!(c.all_readable(), "{c:?}");
    // A different stored key on the second server: nothing crosses.
    let other = registry_export(JAN_2024, FEB_2024).replace("07,07", "08,07");
    web2.write("registry/aspnet-64.reg", &other);
    let d2 = web2.server().diagnose(None);
    let c = machinekey::compat::compare(&a, &d2.compat_node("Shop/").unwrap()).unwrap();
    assert!(!c.all_readable());
}

#[test]
fn applications_sharing_a_virtual_path_share_keys() {
    // Two sites' root applications in one pool whose profile is loaded: IsolateApps keys on
    // "/" for both.
    let host = application_host(1)
        .replace(
            r#"<application path="/">"#,
            r#"<application path="/" applicationPool="DefaultAppPool">"#,
        )
        .replace(
            r#"<site name="Shop" id="2">
        <application path="/" applicationPool="Shop">"#,
            r#"<site name="Shop" id="2">
        <application path="/" applicationPool="DefaultAppPool">"#,
        );
    let config =
        parse_application_host("applicationHost.config", &host, &ReadOptions::default()).unwrap();
    let d = Server::new("web", config).diagnose(None);
    let f: Vec<_> = d.findings_with(FindingId::AppsShareKeys).collect();
    assert_eq!(f.len(), 1, "{}", d.to_text());
    assert!(f[0].subject.contains("Default Web Site/") && f[0].subject.contains("Shop/"));
    assert!(f[0].fixes[0].contains("IsolateByAppId"));
}

#[test]
fn system_web_in_application_host_is_reported_not_applied() {
    let host = application_host(1).replace(
        "</configuration>",
        r#"<location path="Shop"><system.web><machineKey validationKey="AutoGenerate" /></system.web></location></configuration>"#,
    );
    let config =
        parse_application_host("applicationHost.config", &host, &ReadOptions::default()).unwrap();
    assert_eq!(config.system_web_locations.len(), 1);
    assert_eq!(config.system_web_locations[0].sections, ["machineKey"]);
    let d = Server::new("web", config).diagnose(None);
    let f: Vec<_> = d
        .findings_with(FindingId::SystemWebInApplicationHost)
        .collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("applicationHost.config:27"),
        "{}",
        f[0].message
    );
}

#[test]
fn config_source_is_followed_relative_to_the_file() {
    let b = Bundle::new("configsource");
    let host = application_host(2);
    let start = host.find("<sites>").unwrap();
    let end = host.find("</sites>").unwrap() + "</sites>".len();
    b.write(
        "applicationHost.config",
        &format!(
            "{}<sites configSource=\"sites.config\" />{}",
            &host[..start],
            &host[end..]
        ),
    )
    .write("sites.config", &host[start..end]);
    let s = read_application_host(&b.0.join("applicationHost.config"), &ReadOptions::default())
        .unwrap();
    assert_eq!(apps(&s).len(), 2);
    assert!(s.sites[1].origin.file.ends_with("sites.config"));
    assert_eq!(s.sites[1].origin.line, 7);
    // Given as text, a configSource cannot be followed: an error with the line.
    let err = parse_application_host(
        "applicationHost.config",
        &std::fs::read_to_string(b.0.join("applicationHost.config")).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.line(), Some(13), "{err}");
    // A configSource file with the wrong root.
    b.write("sites.config", "<applicationPools />");
    let err = read_application_host(&b.0.join("applicationHost.config"), &ReadOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("must hold one <sites> element"),
        "{err}"
    );
}

#[test]
fn registry_exports_are_read_with_lines_in_utf16() {
    let text = registry_export(JAN_2024, FEB_2024);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let b = Bundle::new("reg");
    let path = b.0.join("aspnet-64.reg");
    std::fs::write(&path, utf16).unwrap();
    let mut reg = AspNetRegistry::new();
    reg.add_file(&path).unwrap();
    let sid: Sid = USER_SID.parse().unwrap();
    let entry = reg
        .local_machine_key("4.0.30319.0", RegistryView::Bits64, &sid)
        .unwrap();
    let value = entry.value.as_ref().unwrap();
    assert_eq!(value.keys, AutoGenKeys::from_bytes(&[7; 1024]).unwrap());
    assert_eq!(value.creation_time, from_file_time(JAN_2024));
    assert_eq!(
        value.creation_time.map(|t| t.date().to_string()).as_deref(),
        Some("2024-01-01")
    );
    assert_eq!(value.format, Some(2));
    assert_eq!(
        reg.last_install("4.0.30319.0", RegistryView::Bits64)
            .unwrap()
            .time,
        from_file_time(FEB_2024).unwrap()
    );
    assert_eq!(
        reg.local_machine_key_exists(
            "4.0.30319.0",
            RegistryView::Bits64,
            &Sid::application_pool("x")
        ),
        Some(false)
    );
    // A DPAPI-protected value is present but unreadable, with its line; a broken one too.
    let dpapi = text.replace("dword:00000002", "dword:00000001");
    let mut reg = AspNetRegistry::new();
    reg.add_text("dpapi.reg", &dpapi).unwrap();
    let e = reg
        .local_machine_key("4.0.30319.0", RegistryView::Bits64, &sid)
        .unwrap();
    assert!(e.value.is_none());
    assert!(
        e.unreadable
            .as_deref()
            .unwrap()
            .starts_with("dpapi.reg: line 9: the key is DPAPI-protected"),
        "{:?}",
        e.unreadable
    );
    let broken = text.replacen("hex:07", "hex:zz", 1);
    let mut reg = AspNetRegistry::new();
    reg.add_text("broken.reg", &broken).unwrap();
    let e = reg
        .local_machine_key("4.0.30319.0", RegistryView::Bits64, &sid)
        .unwrap();
    assert!(
        e.unreadable
            .as_deref()
            .unwrap()
            .starts_with("broken.reg: line 10:"),
        "{:?}",
        e.unreadable
    );
    // Not an export at all.
    let err = AspNetRegistry::new()
        .add_text("x.reg", "\n\nhello")
        .unwrap_err();
    assert_eq!(err.line(), Some(3));
}

// ---------------------------------------------------------------------------------------
// IIS 6.

#[test]
fn metabase_from_the_documented_properties() {
    let s = read_metabase(&data("metabase-documented.xml")).unwrap();
    assert_eq!(s.kind, ServerKind::Iis6);
    let shop = s.pool("ShopPool").unwrap();
    assert_eq!(
        (
            shop.identity_type,
            shop.max_processes,
            shop.user_name.as_deref()
        ),
        (IdentityType::SpecificUser, 3, Some(r"CORP\svc_shop"))
    );
    assert_eq!(shop.runtime, V2_0); // from the .aspx script map, inherited from /LM/W3SVC
    assert_eq!(shop.load_user_profile, None);
    let default = s.pool("DefaultAppPool").unwrap();
    assert_eq!(
        (default.identity_type, default.max_processes),
        (IdentityType::NetworkService, 1)
    );
    assert_eq!(
        default.origin("processModel.identityType").unwrap().line,
        27
    ); // IIsApplicationPools
    assert_eq!(
        apps(&s),
        [
            row(
                "Default Web Site",
                1,
                "/",
                "DefaultAppPool",
                r"c:\inetpub\wwwroot"
            ),
            row("Shop", 1_962_875_481, "/", "ShopPool", r"C:\inetpub\Shop"),
            row(
                "Shop",
                1_962_875_481,
                "/admin",
                "ShopPool",
                r"C:\inetpub\Shop\admin"
            ),
        ]
    );
    let site = s.site("shop").unwrap();
    assert_eq!(site.applications[0].app_id, "/LM/W3SVC/1962875481/Root");
    assert_eq!(
        site.physical_path_of("/images/a").as_deref(),
        Some(r"D:\content\images\a")
    );
    assert!(!format!("{s:?}").contains("placeholder-not-a-password"));

    // The incident on Windows Server 2003: fixes without loadUserProfile, State Service
    // sessions lost too on the 2.0 build.
    let mut server = Server::new("w2k3", s);
    server
        .accounts
        .add_sid(r"CORP\svc_shop", USER_SID.parse().unwrap(), "test");
    server.add_acl_argument(RESET_ACL).unwrap();
    let d = server.diagnose(None);
    let pool = d.pool("ShopPool").unwrap();
    assert_eq!(pool.key_store.store, StoreKind::PerProcess);
    assert!(
        pool.key_store
            .location
            .contains(r"ASP.NET\2.0.50727.0\AutoGenKeys")
    );
    let f: Vec<_> = d.findings_with(FindingId::WebGardenPrivateKeys).collect();
    assert_eq!(f.len(), 1, "{}", d.to_text());
    assert!(f[0].message.contains("State Service sessions"));
    assert_eq!(f[0].fixes.len(), 2);
    assert!(
        f[0].fixes[1].contains(r"Framework64\v2.0.50727\aspnet_regiis.exe -ga"),
        "{}",
        f[0].fixes[1]
    );
}

#[test]
fn metabase_pool_with_two_frameworks() {
    let text = std::fs::read_to_string(data("metabase-documented.xml")).unwrap().replace(
        r#"AppRoot="/LM/W3SVC/1962875481/Root/admin""#,
        r#"AppRoot="/LM/W3SVC/1962875481/Root/admin" ScriptMaps=".aspx,C:\WINDOWS\Microsoft.NET\Framework\v4.0.30319\aspnet_isapi.dll,1,GET""#,
    );
    let s = parse_metabase("MetaBase.xml", &text).unwrap();
    let d = Server::new("w2k3", s).diagnose(None);
    assert_eq!(
        d.findings_with(FindingId::MixedFrameworksInPool).count(),
        1,
        "{}",
        d.to_text()
    );
}

// ---------------------------------------------------------------------------------------
// Bad input: the file and line, or the SDDL offset; never a panic.

fn host_error(text: &str) -> IisError {
    parse_application_host("applicationHost.config", text, &ReadOptions::default()).unwrap_err()
}

#[test]
fn bad_application_host_files_name_file_and_line() {
    let err = host_error(
        "<configuration>\n<system.applicationHost>\n<applicationPools>\n</configuration>",
    );
    assert_eq!(
        (err.file(), err.line()),
        (Some("applicationHost.config"), Some(4))
    );
    assert!(err.to_string().contains("malformed XML"), "{err}");

    let bad_enum = application_host(3).replace(
        r#"identityType="SpecificUser""#,
        r#"identityType="SpecialUser""#,
    );
    let err = host_error(&bad_enum);
    assert_eq!(err.line(), Some(7));
    assert!(err.to_string().contains(r#"<processModel identityType="SpecialUser"> is not one of LocalSystem, LocalService, NetworkService, SpecificUser, ApplicationPoolIdentity"#), "{err}");
    assert!(!err.to_string().contains("c2VjcmV0"));

    let bad_number = application_host(3).replace(r#"maxProcesses="3""#, r#"maxProcesses="three""#);
    assert_eq!(host_error(&bad_number).line(), Some(7));
    let bad_bool =
        application_host(3).replace(r#"loadUserProfile="false""#, r#"loadUserProfile="no""#);
    assert!(host_error(&bad_bool).to_string().contains("not a boolean"));
    let old_zero = application_host(0);
    let err = parse_application_host(
        "a",
        &old_zero,
        &ReadOptions {
            schema: SchemaVersion::Iis7_5,
            express: None,
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("outside the range IIS 7.5 allows"),
        "{err}"
    );

    let no_physical =
        application_host(3).replace(r#" physicalPath="%SystemDrive%\inetpub\shop""#, "");
    let err = host_error(&no_physical);
    assert_eq!(err.line(), Some(21));
    assert!(err.to_string().contains("has no physicalPath"), "{err}");
    let no_root = application_host(3).replace(
        r#"<virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\shop" />"#,
        r#"<virtualDirectory path="/img" physicalPath="D:\img" />"#,
    );
    let err = host_error(&no_root);
    assert_eq!(err.line(), Some(20));
    assert!(
        err.to_string().contains("no root virtual directory"),
        "{err}"
    );

    let no_id =
        application_host(3).replace(r#"<site name="Shop" id="2">"#, r#"<site name="Shop">"#);
    assert!(host_error(&no_id).to_string().contains("has no id"));
    let twice =
        application_host(3).replace(r#"<add name="DefaultAppPool" />"#, r#"<add name="shop" />"#);
    assert!(host_error(&twice).to_string().contains("declared twice"));
    let encrypted = application_host(3).replace(
        "<applicationPools>",
        r#"<applicationPools configProtectionProvider="IISWASOnlyRsaProvider">"#,
    );
    assert!(host_error(&encrypted).to_string().contains("is encrypted"));
    assert!(
        host_error("<configuration/>")
            .to_string()
            .contains("no <system.applicationHost>")
    );
    assert!(
        host_error("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><configuration/>")
            .to_string()
            .contains("malformed XML")
    );
}

#[test]
fn sddl_garbage_gives_the_offset() {
    for (sddl, offset) in [
        ("D:(A;;KA;;;BA", 2),        // no closing parenthesis
        ("D:(Q;;KA;;;BA)", 3),       // unknown ACE type
        ("D:(A;XX;KA;;;BA)", 5),     // unknown flag
        ("D:(A;;KQ;;;BA)", 6),       // unknown right
        ("D:(A;;KA;;;S-1-5-x)", 17), // bad sub-authority
        ("D:(A;;KA;;;ZZ)", 11),      // unknown alias
        ("D:(A;;KA;;BA)", 2),        // five fields
        ("X:BA", 0),                 // unknown component
        ("O:BAO:SY", 4),             // owner twice
        ("D:PQ(A;;KA;;;BA)", 3),     // unknown ACL flag
        ("D:(A;;0xZZ;;;BA)", 6),     // bad hex mask
        ("D:(A;;KA;nope;;BA)", 9),   // bad GUID
    ] {
        let err = SecurityDescriptor::parse(sddl).unwrap_err();
        assert_eq!(err.offset, offset, "{sddl}: {err}");
    }
    // A bundle with a garbage ACL names the file and the offset.
    let b = incident_bundle("badacl", "D:(A;;KA;;;BA)(", SHOP_WEB_CONFIG, 3);
    let err = Server::from_bundle(&b.0, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, IisError::Sddl { .. }));
    assert!(
        err.to_string()
            .contains("AutoGenKeys-4.0.30319.0-64.sddl: SDDL offset 14"),
        "{err}"
    );
    let mut server = b.server_without_acl();
    let err = server.add_acl_argument("D:(A;;GA;;;").unwrap_err();
    assert!(err.to_string().starts_with("--acl: SDDL offset 2"), "{err}");
}

impl Bundle {
    fn server_without_acl(&self) -> Server {
        std::fs::remove_file(self.0.join("acl/AutoGenKeys-4.0.30319.0-64.sddl")).unwrap();
        self.server()
    }
}

#[test]
fn metabase_with_unknown_properties_or_values() {
    let text = std::fs::read_to_string(data("metabase-documented.xml")).unwrap();
    let unknown = text.replace(
        r#"MaxProcesses="3""#,
        r#"MaxProcesses="3"
		AppPoolIdentityTyp="3""#,
    );
    let err = parse_metabase("MetaBase.xml", &unknown).unwrap_err();
    assert_eq!(err.line(), Some(35), "{err}");
    assert!(
        err.to_string()
            .contains(r#""AppPoolIdentityTyp" is not an IIsApplicationPool property"#),
        "{err}"
    );
    let bad = text.replace(r#"AppPoolIdentityType="3""#, r#"AppPoolIdentityType="7""#);
    let err = parse_metabase("MetaBase.xml", &bad).unwrap_err();
    assert!(err.to_string().contains("is not 0 (LocalSystem)"), "{err}");
    let no_path = text.replace(r#"Path="C:\inetpub\Shop""#, "");
    let err = parse_metabase("MetaBase.xml", &no_path).unwrap_err();
    assert!(err.to_string().contains("has no Path"), "{err}");
    // A directory's physical path comes from its ancestors up to the site's root, never
    // from the site's own key.
    let rootless = text
        .replace(r#"Path="C:\inetpub\Shop""#, "")
        .replace(r#"AppRoot="/LM/W3SVC/1962875481/Root""#, "")
        .replace(
            r#"ServerComment="Shop""#,
            r#"ServerComment="Shop" Path="C:\site""#,
        );
    let err = parse_metabase("MetaBase.xml", &rootless).unwrap_err();
    assert_eq!(err.line(), Some(66), "{err}");
    assert!(err.to_string().contains("root/admin has no Path"), "{err}");
    let no_location = text.replace(r#"<IIsComputer	Location ="/LM""#, "<IIsComputer");
    assert!(
        parse_metabase("MetaBase.xml", &no_location)
            .unwrap_err()
            .to_string()
            .contains("has no Location")
    );
    assert!(
        parse_metabase("MetaBase.xml", "<configuration/>")
            .unwrap_err()
            .to_string()
            .contains("no <MBProperty>")
    );
}

#[test]
fn bundle_errors_name_the_file() {
    let b = Bundle::new("empty");
    let err = Server::from_bundle(&b.0, &ReadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("a bundle holds applicationHost.config"),
        "{err}"
    );
    let b = incident_bundle("badfiles", RESET_ACL, SHOP_WEB_CONFIG, 3);
    b.write("accounts.txt", "CORP\\svc_shop=S-1-5-21-x\n");
    let err = Server::from_bundle(&b.0, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.line(), Some(1));
    b.write("accounts.txt", "").write("acl/Other.sddl", "D:");
    assert!(
        Server::from_bundle(&b.0, &ReadOptions::default())
            .unwrap_err()
            .to_string()
            .contains("an ACL file is named")
    );
    std::fs::remove_file(b.0.join("acl/Other.sddl")).unwrap();
    b.write("bundle.txt", "iis-version=9.0\n");
    assert!(
        Server::from_bundle(&b.0, &ReadOptions::default())
            .unwrap_err()
            .to_string()
            .contains("iis-version")
    );
    // A web.config ASP.NET would reject is a finding for that application, not a failure.
    b.write("bundle.txt", "").write(
        "files/C/inetpub/shop/web.config",
        "<configuration><system.web><machineKey validation=\"MD4\" /></system.web></configuration>",
    );
    let d = b.server().diagnose(None);
    let f: Vec<_> = d.findings_with(FindingId::ConfigError).collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("MD4"), "{}", f[0].message);
}

#[test]
#[ignore = "prints the incident's diagnosis"]
fn print_incident() {
    let b = incident_bundle("print", RESET_ACL, SHOP_WEB_CONFIG, 3);
    let d = b.server().diagnose(None);
    println!("{}", d.to_text());
    #[cfg(feature = "sim")]
    println!("{}", d.simulate(None, 3000, 2026).unwrap().table());
}

#[test]
fn built_in_identities_pick_their_stores() {
    // LocalSystem: the LSA secret; NetworkService and LocalService: their always-loaded
    // HKCU; an administrator custom user: the LSA secret too (it may open the policy).
    let host = |identity: &str| {
        format!(
            r#"<configuration><system.applicationHost><applicationPools>
  <add name="P" managedRuntimeVersion="v4.0"><processModel identityType="{identity}" userName="CORP\admin" maxProcesses="2" /></add>
</applicationPools><sites><site name="S" id="3"><application path="/" applicationPool="P">
  <virtualDirectory path="/" physicalPath="C:\s" /></application></site></sites></system.applicationHost></configuration>"#
        )
    };
    for (identity, store, sid) in [
        ("LocalSystem", StoreKind::LsaSecret, "S-1-5-18"),
        ("NetworkService", StoreKind::CurrentUser, "S-1-5-20"),
        ("LocalService", StoreKind::CurrentUser, "S-1-5-19"),
    ] {
        let config =
            parse_application_host("a.config", &host(identity), &ReadOptions::default()).unwrap();
        let d = Server::new("web", config).diagnose(None);
        let pool = d.pool("P").unwrap();
        assert_eq!(pool.key_store.store, store, "{identity}");
        assert_eq!(pool.key_store.shared_by_workers, Some(true));
        assert_eq!(pool.identity.sid.as_ref().unwrap().to_string(), sid);
        assert_eq!(d.findings_with(FindingId::WebGardenPrivateKeys).count(), 0);
    }
    let config =
        parse_application_host("a.config", &host("SpecificUser"), &ReadOptions::default()).unwrap();
    let mut server = Server::new("web", config);
    server.accounts = machinekey::iis::identity::Accounts::from_text(
        "accounts.txt",
        "CORP\\admin=S-1-5-21-1-2-3-500\nCORP\\admin groups=S-1-5-32-544\n",
    )
    .unwrap();
    let d = server.diagnose(None);
    assert!(d.pool("P").unwrap().identity.administrator);
    assert_eq!(d.pool("P").unwrap().key_store.store, StoreKind::LsaSecret);
}

#[test]
fn max_processes_is_held_to_the_schema_s_range() {
    // IIS 7.x allows 1 to 2147483647; IIS 8.0 and later also 0 (one worker per NUMA node).
    let read = |n: u64, schema: SchemaVersion| {
        let text =
            application_host(3).replace(r#"maxProcesses="3""#, &format!(r#"maxProcesses="{n}""#));
        parse_application_host(
            "a",
            &text,
            &ReadOptions {
                schema,
                express: None,
            },
        )
        .map(|s| s.pool("Shop").unwrap().max_processes)
        .map_err(|e| e.to_string())
    };
    for schema in [SchemaVersion::Iis7_0, SchemaVersion::Iis7_5] {
        assert!(read(0, schema).unwrap_err().contains("(1 to 2147483647)"));
        assert_eq!(read(1, schema), Ok(1));
    }
    for schema in [
        SchemaVersion::Iis8_0,
        SchemaVersion::Iis8_5,
        SchemaVersion::Iis10_0,
    ] {
        assert_eq!(read(0, schema), Ok(0));
        assert_eq!(read(2_147_483_647, schema), Ok(2_147_483_647));
        let err = read(2_147_483_648, schema).unwrap_err();
        assert!(err.contains("(0 to 2147483647)"), "{err}");
    }
}

#[test]
fn pools_are_removed_and_cleared_and_applications_bounded() {
    use machinekey::iis::apphost::MAX_ITEMS;
    let host = |pools: &str, apps: &str| {
        format!(
            r#"<configuration><system.applicationHost>
<applicationPools>{pools}</applicationPools>
<sites><site name="S" id="1">{apps}</site></sites>
</system.applicationHost></configuration>"#
        )
    };
    let names = |pools: &str| {
        let server =
            parse_application_host("a", &host(pools, ""), &ReadOptions::default()).unwrap();
        server
            .pools
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    let three = r#"<add name="A" /><add name="B" /><add name="C" />"#;
    assert_eq!(names(three), ["A", "B", "C"]);
    // `<remove>` takes a pool out by name, in any case; `<clear>` all declared before it.
    assert_eq!(names(&format!(r#"{three}<remove name="b" />"#)), ["A", "C"]);
    assert_eq!(
        names(&format!(r#"{three}<remove name="Z" />"#)),
        ["A", "B", "C"]
    );
    assert_eq!(
        names(&format!(r#"{three}<clear /><add name="D" />"#)),
        ["D"]
    );

    // Applications over all sites: MAX_ITEMS are read, one more is refused at its line.
    let app = |i: usize| {
        format!(
            r#"<application path="/a{i}"><virtualDirectory path="/" physicalPath="C:\a" /></application>"#
        )
    };
    let mut apps: String = (0..MAX_ITEMS).map(|i| app(i) + "\n").collect();
    let server = parse_application_host("a", &host("", &apps), &ReadOptions::default()).unwrap();
    assert_eq!(server.sites[0].applications.len(), MAX_ITEMS);
    apps.push_str(&app(MAX_ITEMS));
    let err = parse_application_host("a", &host("", &apps), &ReadOptions::default()).unwrap_err();
    assert_eq!(err.line(), Some(3 + MAX_ITEMS));
    assert!(
        err.to_string()
            .contains(&format!("more than {MAX_ITEMS} applications")),
        "{err}"
    );
}

#[test]
fn metabase_script_maps_directories_and_declared_pools() {
    let text = std::fs::read_to_string(data("metabase-documented.xml")).unwrap();
    let framework = r"C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727\aspnet_isapi.dll";
    // The runtime the `.aspx` script map's folder names, and whether it is Framework64.
    let runtime = |dll: &str| {
        let t = text.replace(framework, dll);
        let s = parse_metabase("MetaBase.xml", &t).unwrap();
        s.site("Shop").unwrap().applications[0]
            .script_map_runtime
            .clone()
    };
    assert_eq!(runtime(framework), Some((V2_0, false)));
    assert_eq!(
        runtime(r"C:\WINDOWS\Microsoft.NET\Framework64\v4.0.30319\aspnet_isapi.dll"),
        Some((V4_0, true))
    );
    assert_eq!(
        runtime(r"C:\WINDOWS\Microsoft.NET\Framework\v1.1.4322\aspnet_isapi.dll"),
        Some((RuntimeVersion::V1_1, false))
    );
    assert_eq!(
        runtime(r"C:\WINDOWS\Microsoft.NET\Framework\v3.0\aspnet_isapi.dll"),
        Some((RuntimeVersion::Other("v3.0".into()), false))
    );
    // A relative path: the folder is what follows the comma.
    assert_eq!(runtime(r"v4.0.30319\aspnet_isapi.dll"), Some((V4_0, false)));
    // A script map list that starts with its comma (an empty extension), and has no
    // `.aspx` entry, is still read.
    let start = text.find("ScriptMaps=\"").unwrap();
    let end = start + 12 + text[start + 12..].find('"').unwrap();
    let t = format!(
        "{}ScriptMaps=\",{}\\..\\v4.0.30319\\aspnet_isapi.dll,1,GET{}",
        &text[..start],
        r"C:\WINDOWS",
        &text[end..]
    );
    let s = parse_metabase("MetaBase.xml", &t).unwrap();
    assert_eq!(
        s.site("Shop").unwrap().applications[0].script_map_runtime,
        Some((V4_0, false))
    );

    // A virtual directory below an application belongs to it, at a path relative to it.
    let t = text.replace(
        r#"<IIsWebVirtualDir	Location ="/LM/W3SVC/1962875481/root/images""#,
        r#"<IIsWebVirtualDir	Location ="/LM/W3SVC/1962875481/root/admin/files""#,
    );
    let s = parse_metabase("MetaBase.xml", &t).unwrap();
    let site = s.site("Shop").unwrap();
    let admin = site
        .applications
        .iter()
        .find(|a| a.path == "/admin")
        .unwrap();
    let paths: Vec<&str> = admin
        .virtual_directories
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(paths, ["/", "/files"]);
    assert_eq!(
        site.physical_path_of("/admin/files/a.txt").as_deref(),
        Some(r"D:\content\images\a.txt")
    );
    assert!(
        site.applications[0]
            .virtual_directories
            .iter()
            .all(|v| v.path == "/")
    );

    // A pool is declared where its own IIsApplicationPool is, not the IIsApplicationPools.
    let s = parse_metabase("MetaBase.xml", &text).unwrap();
    assert_eq!(
        s.pool("ShopPool")
            .unwrap()
            .declared
            .as_ref()
            .map(|o| o.line),
        Some(35)
    );
    assert_eq!(
        s.pool("DefaultAppPool")
            .unwrap()
            .declared
            .as_ref()
            .map(|o| o.line),
        Some(32)
    );
    let t = text.replace(
        "<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/DefaultAppPool\"\n\t>\n</IIsApplicationPool>\n",
        "",
    );
    let s = parse_metabase("MetaBase.xml", &t).unwrap();
    assert_eq!(s.pool("DefaultAppPool").unwrap().declared, None);
}

#[test]
fn registry_paths_that_are_stores_and_those_that_are_not() {
    let head = "Windows Registry Editor Version 5.00\r\n\r\n";
    let read = |keys: &[&str]| {
        let text: String = keys.iter().map(|k| format!("[{k}]\r\n\r\n")).collect();
        let mut reg = AspNetRegistry::new();
        reg.add_text("x.reg", &format!("{head}{text}")).unwrap();
        reg
    };
    let user: Sid = USER_SID.parse().unwrap();
    let v4 = "4.0.30319.0";
    // The 32-bit view, by WOW6432Node.
    let reg = read(&[&format!(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\ASP.NET\{v4}\AutoGenKeys\{USER_SID}"
    )]);
    assert!(
        reg.local_machine_key(v4, RegistryView::Bits32, &user)
            .is_some()
    );
    assert!(
        reg.local_machine_key(v4, RegistryView::Bits64, &user)
            .is_none()
    );
    assert_eq!(
        reg.local_machine_key_exists(v4, RegistryView::Bits64, &user),
        None
    );
    // Not under HKLM: no store, no covered version.
    let reg = read(&[&format!(
        r"HKEY_CLASSES_ROOT\SOFTWARE\Microsoft\ASP.NET\{v4}\AutoGenKeys\{USER_SID}"
    )]);
    assert!(reg.stores.is_empty() && reg.covered.is_empty());
    // A key below the SID's, or one whose name is not a SID, is not a store, but shows that
    // the export covers the version.
    for below in [format!(r"{USER_SID}\Sub"), "NotASid".to_owned()] {
        let reg = read(&[&format!(
            r"HKLM\SOFTWARE\Microsoft\ASP.NET\{v4}\AutoGenKeys\{below}"
        )]);
        assert!(reg.stores.is_empty(), "{below}");
        assert_eq!(
            reg.local_machine_key_exists(v4, RegistryView::Bits64, &user),
            Some(false),
            "{below}"
        );
        assert_eq!(
            reg.local_machine_key_exists(v4, RegistryView::Bits32, &user),
            None
        );
    }
    // User stores: by SID under HKEY_USERS, without one under HKEY_CURRENT_USER.
    let reg = read(&[
        &format!(r"HKEY_USERS\{USER_SID}\Software\Microsoft\ASP.NET\{v4}"),
        r"HKEY_CURRENT_USER\Software\Microsoft\ASP.NET\2.0.50727.0",
        r"HKEY_CLASSES_ROOT\Software\Microsoft\ASP.NET\2.0.50727.0",
    ]);
    assert_eq!(reg.stores.len(), 2);
    let entry = reg.current_user_key(v4, &user).unwrap();
    assert!(entry.path.starts_with("HKEY_USERS"));
    assert!(reg.current_user_key("2.0.50727.0", &user).is_none());
    assert!(
        reg.current_user_key(v4, &Sid::application_pool("x"))
            .is_none()
    );
    assert!(matches!(
        &reg.stores[1].key,
        StoreKey::CurrentUser { version, sid: None } if version == "2.0.50727.0"
    ));
    // A last install time is for its view only.
    let reg = AspNetRegistry::new();
    let mut reg = reg;
    reg.add_text(
        "x.reg",
        &format!("{head}[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\{v4}]\r\n\"LastInstallTime\"=hex(b):00,80,3e,d5,de,b1,9d,01\r\n"),
    )
    .unwrap();
    assert!(reg.last_install(v4, RegistryView::Bits64).is_some());
    assert!(reg.last_install(v4, RegistryView::Bits32).is_none());
    assert!(
        reg.last_install("2.0.50727.0", RegistryView::Bits64)
            .is_none()
    );
}
