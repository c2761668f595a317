//! `WebResource.axd?d=` and `ScriptResource.axd?d=` tokens: decrypt real ones captured from
//! ASP.NET and re-create them byte for byte (their IVs are deterministic).
//!
//! Run with `cargo run --example resource_url`.

use machinekey::config::MachineKeyConfig;
use machinekey::formats::AppKeys;
use machinekey::formats::resource::ResourceKind;

const VK: &str = "0074D9E5776602E629B362073918A43AD0D631800111D0453DB3416D3827C95B81F575B388A6B425E39AC49BCDC2DC8A57AD2207DC726E78544525A83AB4FE08";
const DK: &str = "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029";

fn main() -> Result<(), machinekey::Error> {
    for (mode, token) in [
        (
            "Framework20SP1",
            "csxgANq6A8wDXhKZYWeOxTn12X5UGyMiDbr-_rZsj1_Cg6UVSJFYesWU78zHhAVtCyLGHu3-2T_yBK-Qpp1SMtNG6Iw1",
        ),
        (
            "Framework45",
            "pynGkmcFUV13He1Qd6_TZD7cNfcANy9mBt65tolX3YDVIrXxWds2-a5ETFEwSmjGQoJw2A2",
        ),
    ] {
        let cfg = MachineKeyConfig::builder()
            .validation_key(VK)
            .decryption_key(DK)
            .validation(machinekey::config::ValidationAlgorithm::Sha1)
            .decryption(machinekey::config::DecryptionAlgorithm::Aes)
            .attribute(
                machinekey::config::MachineKeyAttribute::CompatibilityMode,
                mode,
            )
            .build()?;
        let keys = AppKeys::explicit(&cfg)?;
        let resource = keys.decrypt_resource_string(token, ResourceKind::WebResource)?;
        let again = keys.encrypt_resource_string(&resource, ResourceKind::WebResource)?;
        println!("{mode}: WebResource.axd?d={token}");
        println!(
            "  names resource {resource:?}; re-encrypted identically: {}",
            again == token
        );
        // Anyone holding the keys can mint a token for any resource.
        println!(
            "  token for 's|web.config': {}",
            keys.encrypt_resource_string("s|web.config", ResourceKind::WebResource)?
        );
    }
    Ok(())
}
