//! The bundled catalog, embedded in the binary so that `onething demo` runs from
//! anywhere, and the loader for a catalog directory given on the command line.

use std::path::Path;

use anyhow::Context;
use catalog::{Catalog, Problems, SourceFile};
use include_dir::{Dir, include_dir};

static BUNDLED_CATALOG: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../catalog");

/// The files of the bundled catalog, with paths relative to its root.
pub fn bundled_files() -> Vec<SourceFile> {
    let mut files = Vec::new();
    collect_embedded(&BUNDLED_CATALOG, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_embedded(dir: &Dir<'static>, files: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            files.push(SourceFile::new(path, text));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

/// Reads every `.toml` file under `root` (one level of sub-directories).
pub fn read_dir_files(root: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("无法读取目录 {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                let text =
                    std::fs::read_to_string(&path).with_context(|| format!("无法读取文件 {}", path.display()))?;
                let relative = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push(SourceFile::new(relative, text));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Loads the catalog from `dir`, or the bundled one when `dir` is `None`.
pub fn load_catalog(dir: Option<&Path>) -> anyhow::Result<Result<Catalog, Problems>> {
    let files = match dir {
        Some(dir) => read_dir_files(dir)?,
        None => bundled_files(),
    };
    Ok(Catalog::load(&files))
}

/// The shared data sources file: `explicit` when given, else `sources.toml` of the
/// catalog directory, else the bundled one. Returns its path (for messages) and text.
pub fn sources_text(catalog_dir: Option<&Path>, explicit: Option<&Path>) -> anyhow::Result<(String, String)> {
    let path = match (explicit, catalog_dir) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(dir)) => dir.join("sources.toml"),
        (None, None) => {
            let text = BUNDLED_CATALOG
                .get_file("sources.toml")
                .and_then(|f| f.contents_utf8())
                .context("内置目录缺少 sources.toml")?;
            return Ok(("sources.toml".to_owned(), text.to_owned()));
        }
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok((path.display().to_string(), text))
}
