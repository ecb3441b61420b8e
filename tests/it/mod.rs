//! One module per area; `common` and `support` are the shared helpers.

mod common;
mod support;

mod accuracy;
mod architecture;
mod audit;
mod builtin_languages;
mod calibration;
mod channels;
mod chunked_csv;
mod chunked_jsonl;
mod detectors;
mod determinism;
mod documented_commands;
mod drilldown;
mod explain;
mod gates;
mod items;
mod languages;
mod large_inputs;
mod merge;
mod nightly;
mod parallel_files;
mod privacy;
mod readers;
mod reliability;
mod report_formats;
mod rubric_language;
mod rubric_lint;
mod run_errors;
