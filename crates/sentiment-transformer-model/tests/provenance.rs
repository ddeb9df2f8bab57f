//! The committed blob is the one its provenance file describes: same bytes
//! (SHA-256), same version, same held-out figures. Both are written by
//! `make train-transformer`; this keeps a blob from being replaced without
//! its record.

use sha2::{Digest, Sha256};

fn model_file(name: &str) -> Vec<u8> {
    let path = format!("{}/model/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_blob_is_the_one_its_provenance_describes() {
    let provenance: serde_json::Value =
        serde_json::from_slice(&model_file("sentiment-minilm.json")).expect("JSON");
    let blob = model_file("sentiment-minilm.bin");
    let digest: String = Sha256::digest(&blob)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(provenance["blob_sha256"], digest.as_str());
    assert_eq!(
        provenance["version"],
        sentiment_transformer_model::version()
    );
    for (name, value) in sentiment_transformer_model::metrics() {
        assert_eq!(provenance["metrics"][name].as_f64(), Some(value), "{name}");
    }
    assert!(
        blob.len() < 25_000_000,
        "the blob stays under 25 MB: {} bytes",
        blob.len()
    );
}
