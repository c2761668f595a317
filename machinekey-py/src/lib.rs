//! `machinekey` for Python: the native module (`machinekey._machinekey`) behind the
//! `machinekey` package. Every call is the Rust library's; this crate only converts
//! arguments and results, and releases the GIL while the library works.

mod audit;
mod carve;
mod config;
mod convert;
mod core;
mod errors;
mod keys;

use pyo3::prelude::*;

/// The native part of the `machinekey` package; import `machinekey`, not this module.
#[pymodule]
#[pyo3(name = "_machinekey")]
fn machinekey_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<audit::KeyList>()?;
    m.add_class::<audit::Finding>()?;
    m.add_class::<audit::BatchEntry>()?;
    m.add_class::<audit::BatchAudit>()?;
    m.add_class::<keys::MachineKey>()?;
    m.add_class::<keys::ViewState>()?;
    m.add_class::<core::KeyRing>()?;
    m.add_function(wrap_pyfunction!(audit::audit, m)?)?;
    m.add_function(wrap_pyfunction!(audit::audit_many, m)?)?;
    m.add_function(wrap_pyfunction!(keys::inspect_viewstate, m)?)?;
    m.add_function(wrap_pyfunction!(keys::generator, m)?)?;
    m.add_function(wrap_pyfunction!(config::read_config, m)?)?;
    m.add_function(wrap_pyfunction!(config::compare, m)?)?;
    m.add_function(wrap_pyfunction!(carve::carve, m)?)?;
    Ok(())
}
