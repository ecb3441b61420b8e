//! ARCHITECTURE.md promises that the stages under `src/` depend on each other one way, with no
//! cycle, and that nothing in the library uses the command line. This reads the sources and
//! holds the code to it: a `crate::X` outside test code is an arrow from the file's stage to
//! `X`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules named after `crate::` in `code`: `crate::read::x` gives `read`, and
/// `crate::{audit::A, model::{B, C}}` gives `audit` and `model` (only the group's first level).
fn crate_paths(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 1 => {
                        names.push(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names
}

/// Each stage of the library (a file or folder under `src/`) and the stages it uses, from code
/// outside `#[cfg(test)]` (a test may use what it likes).
fn stage_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stages: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let files = stages.entry(name).or_default();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    let mut graph = BTreeMap::new();
    for (stage, files) in &stages {
        let mut uses = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for name in crate_paths(code) {
                if name != *stage && stages.contains_key(&name) {
                    uses.insert(name);
                }
            }
        }
        graph.insert(stage.clone(), uses);
    }
    graph
}

/// A cycle of `graph`, if it has one, as the stages along it.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        stage: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|s| s == stage) {
            let mut cycle = path[at..].to_vec();
            cycle.push(stage.to_string());
            return Some(cycle);
        }
        if done.contains(stage) {
            return None;
        }
        path.push(stage.to_string());
        for next in &graph[stage] {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(stage.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|s| visit(s, graph, &mut done, &mut Vec::new()))
}

#[test]
fn crate_paths_are_read_as_stages() {
    let code = "use crate::read::x;\nuse crate::{audit::{A, model::B}, model::{C, D}, suggest};\n\
                let y = crate::render::csv::f();";
    assert_eq!(
        crate_paths(code),
        ["read", "audit", "model", "suggest", "render"]
    );
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(a_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}

/// No stage uses, through others, a stage that uses it (the rubric once named the CSV writers'
/// columns, and the accounting the pipeline's filters: both cycles through most stages).
#[test]
fn the_stages_have_no_cycle() {
    let graph = stage_graph();
    for stage in [
        "read", "pipeline", "audit", "rubric", "report", "render", "records",
    ] {
        assert!(graph.contains_key(stage), "{stage} not found: {graph:?}");
    }
    if let Some(cycle) = a_cycle(&graph) {
        panic!(
            "the stages use each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}

/// The library never uses the command line, and the early stages never use the late ones.
#[test]
fn the_library_does_not_use_the_command_line_and_early_stages_not_late_ones() {
    let graph = stage_graph();
    for (stage, uses) in &graph {
        if stage != "main" && stage != "lib" {
            assert!(!uses.contains("cli"), "{stage} uses cli");
        }
    }
    let early = ["read", "normalise", "language", "rubric", "audit", "model"];
    let late = [
        "aggregate",
        "report",
        "render",
        "records",
        "calibration",
        "pipeline",
    ];
    for stage in early {
        for later in late {
            assert!(
                !graph[stage].contains(later),
                "{stage} uses {later}, a later stage"
            );
        }
    }
}
