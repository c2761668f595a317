//! A forms-to-Core login migrator, as an outside crate would write it against `machinekey`:
//! a service taking over from an ASP.NET 4.x application reads the visitor's `.ASPXAUTH`
//! cookie under the old site's `<machineKey>` and `<forms>` settings, and signs the same
//! user in with an ASP.NET Core cookie protected by the new site's Data Protection key
//! ring, expiring the old cookie: no one has to log in again.
//!
//! ```text
//! cargo run --example forms_to_core -- WEB_CONFIG KEY_RING_DIR APPLICATION_NAME 'COOKIE HEADER'
//! ```
//!
//! It prints the `Set-Cookie` headers to send back; it exits with 1 when the request
//! carries no login the old site would accept.

use std::path::Path;
use std::process::ExitCode;

use machinekey::config::stack::{ConfigFile, ConfigStack};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{
    AuthCookie, FormsCookie, LoginCookie, SetCookie, cookie_pairs,
};
use machinekey::formats::auth_ticket::ClaimsIdentity;
use machinekey::time::OffsetDateTime;
use machinekey::{AppKeys, Error};

/// The scheme of the Core cookie (`.AspNetCore.Cookies`).
const SCHEME: &str = "Cookies";

/// The old site's login cookie and the new site's.
struct Migrator {
    forms: FormsCookie,
    core: AuthCookie,
}

impl Migrator {
    /// From the old site's web.config (its `<machineKey>` and `<forms>`) and the new site's
    /// key ring and application name (`SetApplicationName`).
    fn new(web_config: &ConfigFile, ring: &KeyRing, application_name: &str) -> Result<Self, Error> {
        let resolved = ConfigStack::new()
            .site_web_config(web_config.clone())
            .resolve("/")?;
        let keys = AppKeys::explicit(&resolved.config)?;
        Ok(Self {
            forms: FormsCookie::from_settings(&keys, &resolved.forms),
            core: AuthCookie::core(ring, SCHEME, Some(application_name))?,
        })
    }

    /// The `Set-Cookie` headers that move the login in `cookie_header` (a request's
    /// `Cookie` header) to the Core cookie at `now`, and delete the old cookie.
    ///
    /// # Errors
    /// What reading the old cookie gives: [`Error::Unprotect`] when there is none or it
    /// does not open, [`Error::TicketExpired`] when it has expired.
    fn migrate(&self, cookie_header: &str, now: OffsetDateTime) -> Result<Vec<SetCookie>, Error> {
        let login = self.forms.read_header(cookie_header, now)?;
        // The forms ticket's identity (its name and user data as claims), as the Core site's.
        let identities: Vec<ClaimsIdentity> = login
            .ticket
            .identities
            .iter()
            .map(|old| {
                let mut identity = ClaimsIdentity::new(SCHEME);
                identity.claims.clone_from(&old.claims);
                identity
            })
            .collect();
        let ticket = self
            .core
            .sign_in(identities, login.ticket.is_persistent(), now);
        let mut set = self.core.issue(&ticket, &self.core.template())?;
        let mut old = cookie_pairs(cookie_header);
        set.extend(self.forms.sign_out(&mut old, &self.forms.template()));
        Ok(set)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [web_config, ring, application_name, cookie_header] = args.as_slice() else {
        eprintln!("usage: forms_to_core WEB_CONFIG KEY_RING_DIR APPLICATION_NAME 'COOKIE HEADER'");
        return ExitCode::from(2);
    };
    let setup = ConfigFile::read(Path::new(web_config))
        .map_err(Error::from)
        .and_then(|file| {
            let ring = KeyRing::load(Path::new(ring))?;
            Migrator::new(&file, &ring, application_name)
        });
    let migrator = match setup {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match migrator.migrate(cookie_header, OffsetDateTime::now_utc()) {
        Ok(set) => {
            for c in set {
                println!("Set-Cookie: {}", c.header());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("no login to move: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use machinekey::CookieProtection;
    use machinekey::random::OsRandom;
    use machinekey::time::Duration;

    /// The keys and a real `.ASPXAUTH` cookie of dazinator/AspNetCore.LegacyAuthCookieCompat's
    /// tests (ASP.NET 4.5, HMACSHA512 + AES).
    const WEB_CONFIG: &str = r#"<configuration><system.web>
  <machineKey compatibilityMode="Framework45" validation="HMACSHA512" decryption="AES"
    validationKey="58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452"
    decryptionKey="66556A586E3272357538782F413F442A472D4B6150645367566B597033733676" />
  <authentication mode="Forms"><forms timeout="30" /></authentication>
</system.web></configuration>"#;
    const COOKIE: &str = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";

    #[test]
    fn moves_a_real_login_to_a_core_cookie() {
        let file = ConfigFile::from_text(WEB_CONFIG, "web.config");
        // When the cookie was issued (it is from 2019): a minute after.
        let old_site = ConfigStack::new()
            .site_web_config(file.clone())
            .resolve("/")
            .unwrap();
        let keys = AppKeys::explicit(&old_site.config).unwrap();
        let issued = keys
            .decrypt_ticket_without_expiry_check(COOKIE, CookieProtection::All)
            .unwrap()
            .issue_date;
        let now = issued + Duration::minutes(1);
        // The new site's key ring, on disk as Core keeps it, read back.
        let dir = std::env::temp_dir().join(format!("forms-to-core-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ring = KeyRing::new();
        ring.generate_key(now - Duration::days(1), &OsRandom)
            .unwrap();
        for (name, xml) in ring.to_key_files() {
            std::fs::write(dir.join(name), xml).unwrap();
        }
        let ring = KeyRing::load(&dir).unwrap();
        let migrator = Migrator::new(&file, &ring, "Shop").unwrap();

        let header = format!("theme=dark; .ASPXAUTH={COOKIE}");
        let set = migrator.migrate(&header, now).unwrap();
        // The Core cookie reads back on the new site with the same user...
        let core = AuthCookie::core(&ring, SCHEME, Some("Shop")).unwrap();
        let login = core
            .read(
                &mut set.iter().map(|c| (c.name.as_str(), c.value.as_str())),
                now,
            )
            .unwrap();
        assert_eq!(login.name(), Some("test@example.com"));
        // ...and the old cookie is expired.
        let old = set.iter().find(|c| c.name == ".ASPXAUTH").unwrap();
        assert_eq!(old.expires, Some(OffsetDateTime::UNIX_EPOCH));

        // No login, a tampered one, an expired one: nothing moves.
        assert!(matches!(
            migrator.migrate("theme=dark", now),
            Err(Error::Unprotect)
        ));
        let tampered = format!(".ASPXAUTH={}", COOKIE.replacen('4', "5", 1));
        assert!(matches!(
            migrator.migrate(&tampered, now),
            Err(Error::Unprotect)
        ));
        assert!(matches!(
            migrator.migrate(&header, now + Duration::days(1)),
            Err(Error::TicketExpired)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
