//! Builds the page at build time: fills `assets/index.html` with the values
//! the car-value model accepts (years, mileages, each listing detail's
//! values, from `car-value-model`'s constants), names each asset after a hash
//! of its content, and writes the table the component serves,
//! `$OUT_DIR/assets.rs`. Nothing is rendered per request.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The label shown for each optional field of `car_value_model::FIELDS`.
fn label(field: &str) -> &'static str {
    match field {
        "model" => "Model line",
        "condition" => "Condition",
        "title_status" => "Title status",
        "fuel" => "Fuel",
        "transmission" => "Transmission",
        "type" => "Body type",
        other => panic!("the car-value model has a new field `{other}`: give it a label here"),
    }
}

/// A stable 64-bit FNV-1a hash: the assets' ETags and file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One `<label>` and `<select>` per optional field, "Not given" first.
fn detail_selects() -> String {
    let mut html = String::new();
    for field in car_value_model::FIELDS {
        let values = car_value_model::allowed_values(field).expect("every field has values");
        let id = format!("field-{}", field.replace('_', "-"));
        write!(
            html,
            "<div class=\"field\">\n<label for=\"{id}\">{}</label>\n\
             <select id=\"{id}\" name=\"{field}\" aria-describedby=\"{id}-error\">\n\
             <option value=\"\">Not given</option>\n",
            label(field)
        )
        .unwrap();
        for value in values {
            let value = escape_html(value);
            writeln!(html, "<option value=\"{value}\">{value}</option>").unwrap();
        }
        write!(
            html,
            "</select>\n<p class=\"error\" id=\"{id}-error\" data-error-for=\"{field}\"></p>\n</div>\n"
        )
        .unwrap();
    }
    html
}

/// One served file.
struct Asset {
    path: String,
    content_type: &'static str,
    cache_control: &'static str,
    body: Vec<u8>,
}

impl Asset {
    fn etag(&self) -> String {
        format!("\"{:016x}\"", fnv1a(&self.body))
    }
}

/// A CSS or JS file, served under a name that changes with its content, so
/// browsers may keep it for a year.
fn fingerprinted(dir: &Path, name: &str, content_type: &'static str) -> Asset {
    let body = read(&dir.join(name));
    let (stem, extension) = name
        .rsplit_once('.')
        .expect("asset names have an extension");
    Asset {
        path: format!("/ui/{stem}.{:08x}.{extension}", fnv1a(&body) as u32),
        content_type,
        cache_control: "public, max-age=31536000, immutable",
        body,
    }
}

fn read(path: &Path) -> Vec<u8> {
    println!("cargo:rerun-if-changed={}", path.display());
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let assets = manifest_dir.join("assets");

    let css = fingerprinted(&assets, "app.css", "text/css; charset=utf-8");
    let js = fingerprinted(&assets, "app.js", "text/javascript; charset=utf-8");
    let template = String::from_utf8(read(&assets.join("index.html"))).unwrap();
    let page = [
        ("{{css}}", css.path.clone()),
        ("{{js}}", js.path.clone()),
        ("{{min_year}}", car_value_model::MIN_YEAR.to_string()),
        ("{{max_year}}", car_value_model::MAX_YEAR.to_string()),
        ("{{max_mileage}}", car_value_model::MAX_MILEAGE.to_string()),
        ("{{details}}", detail_selects()),
    ]
    .into_iter()
    .fold(template, |page, (placeholder, value)| {
        assert!(page.contains(placeholder), "index.html lacks {placeholder}");
        page.replace(placeholder, &value)
    });
    assert!(
        !page.contains("{{"),
        "index.html has an unknown placeholder"
    );
    let index = Asset {
        path: "/".to_owned(),
        content_type: "text/html; charset=utf-8",
        // Always revalidated (cheaply, by ETag): it names the current assets.
        cache_control: "no-cache",
        body: page.into_bytes(),
    };

    let mut table =
        String::from("/// Every file the component serves.\nconst ASSETS: &[Asset] = &[\n");
    for (number, asset) in [index, css, js].into_iter().enumerate() {
        let file = out_dir.join(format!("asset-{number}"));
        std::fs::write(&file, &asset.body).unwrap();
        writeln!(
            table,
            "    Asset {{ path: {:?}, content_type: {:?}, cache_control: {:?}, etag: {:?}, body: include_bytes!({:?}) }},",
            asset.path,
            asset.content_type,
            asset.cache_control,
            asset.etag(),
            file.display().to_string(),
        )
        .unwrap();
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("assets.rs"), table).unwrap();
}
