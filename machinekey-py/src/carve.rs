//! Carving: the protected values in a page, an HTTP response or a HAR export.

use machinekey::audit::carve::{CarveOptions, carve as carve_text};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert::{MAX_DOCUMENT, serialized, str_arg};

/// The text of an HTTP response object (`requests.Response`, `httpx.Response`,
/// `blasthttp.Response`, ...): a status line, its headers and its body, so `Set-Cookie`
/// headers are carved too.
fn response_text(response: &Bound<'_, PyAny>) -> PyResult<(String, Option<String>)> {
    let body: String = response.getattr("text")?.extract()?;
    let url = response
        .getattr("url")
        .ok()
        .filter(|u| !u.is_none())
        .and_then(|u| u.str().ok())
        .map(|u| u.to_string());
    let mut text = String::from("HTTP/1.1 200 OK\r\n");
    if let Ok(headers) = response.getattr("headers") {
        // Several Set-Cookie headers: the raw list where the object keeps one.
        let mut lines: Vec<(String, String)> = Vec::new();
        let multi = headers
            .call_method1("get_list", ("set-cookie",))
            .or_else(|_| headers.call_method1("getlist", ("set-cookie",)))
            .or_else(|_| headers.call_method1("get_all", ("set-cookie",)));
        let set_cookies: Option<Vec<String>> = multi.ok().and_then(|l| l.extract().ok());
        if let Ok(items) = headers.call_method0("items") {
            for pair in items.try_iter()? {
                let (k, v): (String, String) = pair?.extract()?;
                if set_cookies.is_some() && k.eq_ignore_ascii_case("set-cookie") {
                    continue;
                }
                lines.push((k, v));
            }
        }
        for c in set_cookies.unwrap_or_default() {
            lines.push(("Set-Cookie".to_owned(), c));
        }
        for (k, v) in lines {
            text.push_str(&k);
            text.push_str(": ");
            text.push_str(&v.replace(['\r', '\n'], " "));
            text.push_str("\r\n");
        }
    }
    if let Ok(cookies) = response.getattr("cookies") {
        if let Ok(d) = cookies.call_method0("items") {
            let mut pairs = Vec::new();
            if let Ok(it) = d.try_iter() {
                for pair in it {
                    if let Ok((k, v)) = pair?.extract::<(String, String)>() {
                        pairs.push(format!("{k}={v}"));
                    }
                }
            }
            if !pairs.is_empty() {
                text.push_str("Cookie: ");
                text.push_str(&pairs.join("; "));
                text.push_str("\r\n");
            }
        }
    }
    text.push_str("\r\n");
    text.push_str(&body);
    Ok((text, url))
}

/// Carves the protected values out of `source`: an HTML page, a raw HTTP response or request
/// (status line and headers), a HAR export (text), or an HTTP response object with `.text`
/// and `.headers`. Returns dicts in the batch-line shape (`viewstate`, `generator`, `url`,
/// `cookie`, `resource`, `data_protection` with a `hint`, `label`, `source`, `gadgets`),
/// ready for `audit_many`.
#[pyfunction]
#[pyo3(signature = (source, *, url = None, name = "<input>", forms_cookie_name = ".ASPXAUTH"))]
pub(crate) fn carve<'py>(
    py: Python<'py>,
    source: &Bound<'_, PyAny>,
    url: Option<&str>,
    name: &str,
    forms_cookie_name: &str,
) -> PyResult<Bound<'py, PyList>> {
    let (text, found_url) =
        if source.cast::<PyString>().is_ok() || source.cast::<pyo3::types::PyBytes>().is_ok() {
            (str_arg(source, "source", MAX_DOCUMENT)?, None)
        } else if source.hasattr("text")? && source.hasattr("headers")? {
            response_text(source)?
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "carve takes str, bytes, or an HTTP response object with .text and .headers",
            ));
        };
    if text.len() > MAX_DOCUMENT {
        return Err(crate::errors::invalid("the input is over the 64 MiB limit"));
    }
    let url = url.map(str::to_owned).or(found_url);
    let options = CarveOptions {
        forms_cookie_name: forms_cookie_name.to_owned(),
    };
    let name = name.to_owned();
    let items = py.detach(|| carve_text(&text, &name, url.as_deref(), &options));
    let out = PyList::empty(py);
    for item in &items {
        let d = serialized(py, item)?;
        if let Ok(dict) = d.cast::<PyDict>() {
            out.append(dict)?;
        }
    }
    Ok(out)
}
