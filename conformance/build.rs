//! Embeds the shipped scenarios (`../features/*.feature`) and the reference
//! snapshots (`snapshots/simplejwt5/` and `snapshots/simplejwt4/`, recorded
//! from the embedded server in each compat mode) into the binary, so an
//! installed runner needs neither the source tree nor insta at run time.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let features = manifest.join("../features");
    let mut out = String::new();
    out.push_str("/// The shipped feature files: (path shown to users, text).\n");
    out.push_str("pub const FEATURES: &[(&str, &str)] = &[\n");
    for path in files(&features, "feature") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        writeln!(
            out,
            "    (\"features/{name}\", include_str!({:?})),",
            path.display()
        )
        .unwrap();
    }
    out.push_str("];\n");
    for (constant, folder) in [("SNAPSHOTS_5", "simplejwt5"), ("SNAPSHOTS_4", "simplejwt4")] {
        let dir = manifest.join("snapshots").join(folder);
        writeln!(
            out,
            "/// The reference snapshots of `{folder}`: (file name, text)."
        )
        .unwrap();
        writeln!(out, "pub const {constant}: &[(&str, &str)] = &[").unwrap();
        for path in files(&dir, "snap") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            writeln!(out, "    ({name:?}, include_str!({:?})),", path.display()).unwrap();
        }
        out.push_str("];\n");
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed={}", features.display());
}

/// The files of `dir` ending in `.ext`, sorted; none when `dir` is missing.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    for path in &found {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    found
}
