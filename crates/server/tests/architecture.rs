//! The boundaries of `server`, checked on its source and manifests: the two front
//! doors (the JSON API and the pages) call the use cases in crate `app` and never
//! each other; only `app` reaches the store; `app` knows nothing of pages; and no
//! two modules import each other in a circle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules of `server` each file belongs to, and the top-level
/// modules it names through `crate::` or `super::`.
/// Every source file of `server`.
fn source_files() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    {
        for path in source_files() {
            let relative = path.strip_prefix(&root).unwrap().to_str().unwrap().to_owned();
            if relative == "lib.rs" {
                // The crate root holds the shared state and composes the router.
                continue;
            }
            let module = relative.split(['/', '.']).next().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests at the bottom of a file may reach anywhere.
            let code = text.split("#[cfg(test)]").next().unwrap();
            let nested = relative.contains('/');
            let mut named = BTreeSet::new();
            for (prefix, at_top) in [("crate::", true), ("super::", !nested)] {
                for piece in code.split(prefix).skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if at_top && !name.is_empty() {
                        named.insert(name);
                    }
                }
            }
            // `super::` inside web/ or app/ stays inside that module; names that are
            // not modules (AppState, audit, ...) live in the crate root.
            graph.entry(module.clone()).or_default().extend(
                named
                    .into_iter()
                    .filter(|n| n != &module && (root.join(format!("{n}.rs")).exists() || root.join(n).is_dir())),
            );
        }
    }
    graph
}

/// The `[dependencies]` of a crate's manifest (not its dev-dependencies).
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest)).unwrap();
    let section = text
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    section
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_edges_never_touch_the_store() {
    let server = dependencies("Cargo.toml");
    assert!(
        server.contains("app") && server.contains("axum"),
        "the reader found only {server:?}"
    );
    assert!(!server.contains("store"), "server depends on store: {server:?}");
    // Not through the state's field either.
    {
        for path in source_files() {
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text.split("#[cfg(test)]").next().unwrap().split_whitespace().collect();
            assert!(
                !code.contains(".store."),
                "{} reads the store: use a use case in app",
                path.display()
            );
        }
    }
}

#[test]
fn the_use_cases_know_nothing_of_pages_or_routes() {
    let app = dependencies("../app/Cargo.toml");
    assert!(
        app.contains("store") && app.contains("cases"),
        "the reader found only {app:?}"
    );
    for edge in [
        "server",
        "minijinja",
        "tower",
        "tower-http",
        "qrcode",
        "percent-encoding",
    ] {
        assert!(!app.contains(edge), "app depends on {edge}: {app:?}");
    }
}

#[test]
fn the_api_and_the_pages_do_not_import_each_other() {
    let graph = imports();
    let pages = &graph["web"];
    for door in ["api", "cert_api", "ledger_api", "guide_api", "openapi"] {
        assert!(!pages.contains(door), "web imports {door}: {pages:?}");
        assert!(
            !graph.get(door).is_some_and(|d| d.contains("web")),
            "{door} imports web: {:?}",
            graph[door]
        );
    }
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = imports();
    assert!(graph.len() >= 8, "the reader found only {graph:?}");
    // Depth-first search for a back edge.
    fn visit<'a>(
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        node: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(start) = path.iter().position(|n| *n == node) {
            panic!("import cycle: {} -> {node}", path[start..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(graph, next, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(&graph, node, &mut Vec::new(), &mut done);
    }
}
