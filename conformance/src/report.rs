//! Collects cucumber's events into one result per scenario, prints each as
//! it finishes, and writes the summary, JUnit XML and Cucumber JSON.

use std::collections::HashMap;
use std::io::{IsTerminal, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cucumber::event::{self, HookType};
use cucumber::gherkin;
use cucumber::{Event, Writer, cli, parser, writer};

use crate::suite::{INCONCLUSIVE_PREFIX, OVER_MAX_WAIT_PREFIX, SKIP_PREFIX};
use crate::verdict::Notes;
use crate::world::{ApiWorld, Context, ScenarioKey};

mod json;
mod junit;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

#[derive(Clone, Debug)]
pub struct StepResult {
    pub keyword: String,
    pub text: String,
    pub line: usize,
    /// `None` when the step never ran.
    pub status: Option<Status>,
    pub error: Option<String>,
    pub duration: Duration,
}

#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub feature: String,
    pub path: String,
    pub line: usize,
    pub name: String,
    pub tags: Vec<String>,
    pub status: Status,
    /// The failure, with the step it happened in.
    pub failure: Option<String>,
    pub skip_reason: Option<String>,
    pub steps: Vec<StepResult>,
    pub duration: Duration,
    pub notes: Notes,
}

impl ScenarioResult {
    pub fn place(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

/// Whether to colour the terminal output.
#[derive(Clone, Copy, Debug)]
pub struct Paint(pub bool);

impl Paint {
    pub fn new(choice: crate::cli::Color) -> Paint {
        use crate::cli::Color;
        Paint(match choice {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        })
    }

    fn code(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn green(self, text: &str) -> String {
        self.code("32", text)
    }
    pub fn red(self, text: &str) -> String {
        self.code("31", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.code("33", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.code("2", text)
    }
}

/// The cucumber writer: results in, lines out as scenarios finish.
pub struct Collector {
    ctx: Arc<Context>,
    paint: Paint,
    running: HashMap<ScenarioKey, (ScenarioResult, Instant, Option<Instant>)>,
    pub results: Vec<ScenarioResult>,
    /// Errors reading the feature files.
    pub parse_errors: Vec<String>,
}

impl Collector {
    pub fn new(ctx: Arc<Context>, paint: Paint) -> Collector {
        Collector {
            ctx,
            paint,
            running: HashMap::new(),
            results: Vec::new(),
            parse_errors: Vec::new(),
        }
    }

    fn started(&mut self, feature: &gherkin::Feature, scenario: &gherkin::Scenario) {
        let path = feature_path(feature);
        let steps = scenario
            .steps
            .iter()
            .map(|s| StepResult {
                keyword: s.keyword.trim().to_string(),
                text: s.value.clone(),
                line: s.position.line,
                status: None,
                error: None,
                duration: Duration::ZERO,
            })
            .collect();
        let mut tags = feature.tags.clone();
        tags.extend(scenario.tags.iter().cloned());
        let result = ScenarioResult {
            feature: feature.name.clone(),
            path: path.clone(),
            line: scenario.position.line,
            name: scenario.name.clone(),
            tags,
            status: Status::Passed,
            failure: None,
            skip_reason: None,
            steps,
            duration: Duration::ZERO,
            notes: Notes::default(),
        };
        self.running.insert(
            (path, scenario.position.line),
            (result, Instant::now(), None),
        );
    }

    fn step(&mut self, key: &ScenarioKey, step: &gherkin::Step, ev: &event::Step<ApiWorld>) {
        let Some((result, _, step_started)) = self.running.get_mut(key) else {
            return;
        };
        let Some(record) = result
            .steps
            .iter_mut()
            .find(|s| s.line == step.position.line && s.text == step.value)
        else {
            return;
        };
        let place = format!("{}:{}", result.path, step.position.line);
        let took = step_started.map(|s| s.elapsed()).unwrap_or_default();
        match ev {
            event::Step::Started => *step_started = Some(Instant::now()),
            event::Step::Passed(..) => {
                record.status = Some(Status::Passed);
                record.duration = took;
            }
            event::Step::Skipped => {
                record.status = Some(Status::Skipped);
                if let Some(reason) = step.value.strip_prefix(SKIP_PREFIX) {
                    result.status = Status::Skipped;
                    result.skip_reason = Some(reason.trim().to_string());
                } else {
                    // A step no definition matches is a broken scenario, never a skip.
                    let message = format!(
                        "{} {} ({place})\n  no step definition matches this step",
                        record.keyword, step.value
                    );
                    record.status = Some(Status::Failed);
                    record.error = Some(message.clone());
                    result.status = Status::Failed;
                    result.failure = Some(message);
                }
            }
            event::Step::Failed(_, _, _, error)
                if let Some(reason) = not_judged(&error_text(error), &place) =>
            {
                record.status = Some(Status::Skipped);
                record.duration = took;
                result.status = Status::Skipped;
                result.skip_reason = Some(reason);
            }
            event::Step::Failed(_, _, _, error) => {
                let message = format!(
                    "{} {} ({place})\n{}",
                    record.keyword,
                    step.value,
                    indent(&error_text(error))
                );
                record.status = Some(Status::Failed);
                record.error = Some(message.clone());
                record.duration = took;
                result.status = Status::Failed;
                result.failure = Some(message);
            }
        }
    }

    fn hook_failed(&mut self, key: &ScenarioKey, which: HookType, info: &event::Info) {
        if let Some((result, _, _)) = self.running.get_mut(key) {
            let what = match which {
                HookType::Before => "before the scenario",
                HookType::After => "comparing the answers with the snapshots",
            };
            result.status = Status::Failed;
            result.failure = Some(format!("{what}:\n{}", indent(&panic_text(info))));
        }
    }

    fn finished(&mut self, key: &ScenarioKey) {
        let Some((mut result, started, _)) = self.running.remove(key) else {
            return;
        };
        result.duration = started.elapsed();
        if let Some(notes) = self.ctx.notes.lock().expect("notes lock").remove(key) {
            result.notes = notes;
        }
        print_result(&result, self.paint, self.ctx.settings.verbose);
        self.results.push(result);
    }
}

fn feature_path(feature: &gherkin::Feature) -> String {
    feature
        .path
        .as_ref()
        .map_or_else(|| feature.name.clone(), |p| p.display().to_string())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn panic_text(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "the step panicked".into()
    }
}

fn error_text(error: &event::StepError) -> String {
    match error {
        event::StepError::Panic(info) => panic_text(info),
        other => other.to_string(),
    }
}

impl Writer<ApiWorld> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<event::Cucumber<ApiWorld>>>,
        _: &Self::Cli,
    ) {
        let event = match event {
            Ok(event) => event.value,
            Err(err) => {
                self.parse_errors.push(err.to_string());
                return;
            }
        };
        let event::Cucumber::Feature(feature, event) = event else {
            return;
        };
        let (scenario, event) = match event {
            event::Feature::Scenario(scenario, event) => (scenario, event.event),
            event::Feature::Rule(_, event::Rule::Scenario(scenario, event)) => {
                (scenario, event.event)
            }
            _ => return,
        };
        let key = (feature_path(&feature), scenario.position.line);
        match event {
            event::Scenario::Started => self.started(&feature, &scenario),
            event::Scenario::Step(step, ev) | event::Scenario::Background(step, ev) => {
                self.step(&key, &step, &ev)
            }
            event::Scenario::Hook(which, event::Hook::Failed(_, info)) => {
                self.hook_failed(&key, which, &info)
            }
            event::Scenario::Finished => self.finished(&key),
            event::Scenario::Hook(..) | event::Scenario::Log(_) => {}
        }
    }
}

impl writer::Normalized for Collector {}

fn print_result(result: &ScenarioResult, paint: Paint, verbose: bool) {
    let mut out = String::new();
    let line = format!("{} {}", result.place(), result.name);
    match result.status {
        Status::Passed => out.push_str(&format!("{} {line}\n", paint.green("PASS"))),
        Status::Failed => {
            out.push_str(&format!("{} {line}\n", paint.red("FAIL")));
            if let Some(failure) = &result.failure {
                out.push_str(&format!("{}\n", indent(failure)));
            }
        }
        Status::Skipped => out.push_str(&format!(
            "{} {line} ({})\n",
            paint.yellow("SKIP"),
            result.skip_reason.as_deref().unwrap_or("")
        )),
    }
    for warning in &result.notes.warnings {
        out.push_str(&format!(
            "  {} {}\n",
            paint.yellow("warning (recommended):"),
            warning.lines().next().unwrap_or("")
        ));
        out.push_str(&format!(
            "{}\n",
            indent(&warning.lines().skip(1).collect::<Vec<_>>().join("\n"))
        ));
    }
    for info in &result.notes.info {
        let first = info.lines().next().unwrap_or("");
        let shown = match (verbose, first.strip_suffix(':')) {
            (true, _) => info.clone(),
            (false, Some(headline)) => format!("{headline} (--verbose shows how)"),
            (false, None) => first.to_string(),
        };
        out.push_str(&format!("  {} {}\n", paint.dim("note:"), shown));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// The closing summary; its last two lines are the counts and the warnings.
pub fn summary(results: &[ScenarioResult], paint: Paint) -> String {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let (passed, failed, skipped) = (
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Skipped),
    );
    let warnings: usize = results.iter().map(|r| r.notes.warnings.len()).sum();
    let differences = results
        .iter()
        .flat_map(|r| &r.notes.info)
        .filter(|i| i.contains("differs from the reference"))
        .count();
    let mut out = String::from("\n");
    let mut sorted: Vec<&ScenarioResult> = results.iter().collect();
    sorted.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    if failed > 0 {
        out.push_str("Failed:\n");
        for r in sorted.iter().filter(|r| r.status == Status::Failed) {
            out.push_str(&format!("  {} {}\n", r.place(), r.name));
        }
    }
    if skipped > 0 {
        out.push_str("Skipped:\n");
        for r in sorted.iter().filter(|r| r.status == Status::Skipped) {
            out.push_str(&format!(
                "  {} {}: {}\n",
                r.place(),
                r.name,
                r.skip_reason.as_deref().unwrap_or("")
            ));
        }
    }
    if warnings > 0 {
        out.push_str("Warnings (recommended behaviour missed; --strict makes them failures):\n");
        for r in &sorted {
            for w in &r.notes.warnings {
                out.push_str(&format!(
                    "  {} {}: {}\n",
                    r.place(),
                    r.name,
                    w.lines().next().unwrap_or("")
                ));
            }
        }
    }
    if differences > 0 {
        out.push_str(&format!(
            "{differences} answers differ from the reference server's snapshots (information only; --verbose shows the diffs)\n"
        ));
    }
    let counts = format!("{passed} passed, {failed} failed, {skipped} skipped");
    let counts = if failed > 0 {
        paint.red(&counts)
    } else {
        paint.green(&counts)
    };
    out.push_str(&format!("{counts}\n"));
    let plural = if warnings == 1 { "" } else { "s" };
    out.push_str(&format!("{warnings} warning{plural}\n"));
    out
}

/// The skip reason of a step that stopped because its scenario cannot be
/// judged (found at `place`), or `None` for a real failure.
fn not_judged(error: &str, place: &str) -> Option<String> {
    if let Some(reason) = error.strip_prefix(INCONCLUSIVE_PREFIX) {
        return Some(format!("inconclusive at {place}: {}", reason.trim()));
    }
    let reason = error.strip_prefix(OVER_MAX_WAIT_PREFIX)?;
    Some(format!(
        "{}; found while running, at {place}",
        reason.trim()
    ))
}

pub use json::cucumber_json;
pub use junit::junit_xml;
