//! `jwt-conformance`: replays the token API contract against an
//! implementation and says whether it conforms. The command line becomes an
//! exit code here; everything else lives in the modules below.

mod cli;
mod http;
mod jwt;
mod report;
mod settings;
mod snapshot;
mod steps;
mod suite;
mod target;
mod verdict;
mod world;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser as _;
use cucumber::World as _;
use cucumber::gherkin::tagexpr::TagOperation;
use jwt_reference_server::Compat;

use crate::cli::Cli;
use crate::report::{Collector, Paint, Status};
use crate::settings::Settings;
use crate::snapshot::Snapshots;
use crate::target::{EMBEDDED_INACTIVE, Fatal};
use crate::world::{ApiWorld, Context};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap's own exits: 0 for --help and --version, 2 for misuse.
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(fatal) => {
            eprintln!("error: {}", fatal.message());
            ExitCode::from(fatal.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Fatal> {
    let mut features = select_features(&cli)?;
    if cli.list {
        print!("{}", suite::list(&features));
        return Ok(0);
    }
    for path in cli.junit.iter().chain(&cli.json) {
        check_writable(path)?;
    }
    let ctx = prepare(&cli).await?;
    suite::mark_skips(&ctx, &mut features);

    let paint = Paint::new(cli.color);
    let collector = execute(&cli, ctx.clone(), features, paint).await;
    if !collector.parse_errors.is_empty() {
        return Err(Fatal::Config(collector.parse_errors.join("\n")));
    }
    let results = &collector.results;
    print!("{}", report::summary(results, paint));
    write_reports(&cli, results)?;
    if let Some((count, dir)) = ctx.settings.snapshots.recorded() {
        eprintln!(
            "recorded {count} snapshots into {} (enforce them with --snapshots {0})",
            dir.display()
        );
    }
    let stale = ctx.settings.snapshots.not_written();
    if !stale.is_empty() {
        eprintln!(
            "{} snapshot files were not written by this run (scenario removed, renamed, skipped or failed): {}",
            stale.len(),
            stale.join(", ")
        );
    }
    let failed = results.iter().any(|r| r.status == Status::Failed);
    Ok(u8::from(failed))
}

/// The shipped scenarios that `--tags` selects; none is a usage error.
fn select_features(cli: &Cli) -> Result<Vec<cucumber::gherkin::Feature>, Fatal> {
    let expr =
        match &cli.tags {
            Some(text) => Some(text.parse::<TagOperation>().map_err(|e| {
                Fatal::Config(format!("--tags {text:?} is not a tag expression: {e}"))
            })?),
            None => None,
        };
    let features = suite::filter(suite::features().map_err(Fatal::Config)?, expr.as_ref());
    if suite::count(&features) == 0 {
        return Err(Fatal::Config(format!(
            "--tags {:?} matches no scenario (see --list)",
            cli.tags.as_deref().unwrap_or("")
        )));
    }
    Ok(features)
}

/// Starts the embedded servers when there is no base URL, reaches the
/// targets, logs in once and detects their features.
async fn prepare(cli: &Cli) -> Result<Arc<Context>, Fatal> {
    let snapshots = snapshot_mode(cli)?;
    let embedded = match cli.base_url {
        Some(_) => None,
        None => Some(target::start_embedded(cli.embedded_compat).await?),
    };
    let inactive = match (&cli.inactive_username, &cli.inactive_password, &embedded) {
        (Some(name), Some(password), _) => Some((name.clone(), password.clone())),
        (_, _, Some(_)) => Some((EMBEDDED_INACTIVE.0.into(), EMBEDDED_INACTIVE.1.into())),
        _ => None,
    };
    let signing_key = cli
        .signing_key
        .clone()
        .or_else(|| embedded.as_ref().map(|e| e.signing_key.clone()));
    let mut settings = Settings::new(cli, inactive, signing_key, snapshots);
    let (main, rotation) = match (&embedded, &cli.base_url) {
        (Some(servers), _) => {
            let main =
                target::prepare(cli, &settings, "embedded", &servers.main.base_url()).await?;
            let rotating = servers.rotation.base_url();
            let rotation = target::prepare(cli, &settings, "embedded rotating", &rotating).await?;
            (main, Some(rotation))
        }
        (None, Some(url)) => (target::prepare(cli, &settings, "the", url).await?, None),
        (None, None) => unreachable!("no base URL means embedded"),
    };
    eprintln!("{}", main.describe());
    // Another implementation is compared, for information, with the reference
    // of the generation its tokens resemble: messages and headers differ.
    if let Snapshots::Inform { known } = &mut settings.snapshots
        && main.detected.login_ok
        && main.detected.generation == Compat::SimpleJwt4
    {
        *known = Snapshots::shipped(Compat::SimpleJwt4);
        eprintln!(
            "its access token has no iat, as SimpleJWT 4's have: answers are compared with the reference in its simplejwt4 mode"
        );
    }
    if let Some(rotation) = &rotation {
        eprintln!("{}", rotation.describe());
    }
    Ok(world::install(Context {
        settings,
        main,
        rotation,
        embedded,
        notes: Mutex::new(HashMap::new()),
        logins: tokio::sync::Semaphore::new(world::LOGINS_AT_ONCE),
    }))
}

/// Runs the scenarios on cucumber; snapshots are compared after each one.
async fn execute(
    cli: &Cli,
    ctx: Arc<Context>,
    features: Vec<cucumber::gherkin::Feature>,
    paint: Paint,
) -> Collector {
    let concurrency = match cli.concurrency {
        Some(n) => usize::from(n),
        None => {
            let detected = &ctx.main.detected;
            let n = detected.concurrency();
            if n < target::DEFAULT_CONCURRENCY {
                eprintln!(
                    "the first login took {:.2}s against an access lifetime of {:.0}s: running {n} scenario(s) at once, so tokens stay fresh while logins queue (--concurrency overrides)",
                    detected.login_seconds.unwrap_or_default(),
                    detected.access_lifetime.unwrap_or_default()
                );
            }
            n
        }
    };
    let mut runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(concurrency)
        .steps(ApiWorld::collection());
    if cli.fail_fast {
        runner = runner.fail_fast();
    }
    ApiWorld::cucumber::<&str>()
        .with_parser(suite::Prepared(features))
        .with_runner(runner)
        .with_writer(Collector::new(ctx, paint))
        .with_default_cli()
        .before(|feature, _, scenario, world| {
            Box::pin(async move {
                let path = feature
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                world.key = (path, scenario.position.line);
                world.scenario = scenario.name.clone();
                world.rotating = suite::tags(feature, scenario)
                    .iter()
                    .any(|t| t == "rotation");
            })
        })
        .after(|_, _, _, finished, world| {
            Box::pin(async move {
                let Some(world) = world else { return };
                let passed = matches!(finished, cucumber::event::ScenarioFinished::StepPassed);
                let failures = if passed {
                    world.compare_snapshots()
                } else {
                    Vec::new()
                };
                let notes = std::mem::take(&mut world.notes);
                world
                    .ctx
                    .notes
                    .lock()
                    .expect("notes lock")
                    .insert(world.key.clone(), notes);
                if !failures.is_empty() {
                    panic!("{}", failures.join("\n"));
                }
            })
        })
        .run(())
        .await
}

fn snapshot_mode(cli: &Cli) -> Result<Snapshots, Fatal> {
    if let Some(dir) = &cli.update_snapshots {
        Snapshots::prepare_record(dir).map_err(Fatal::Config)?;
        return Ok(Snapshots::Record {
            dir: dir.clone(),
            written: Default::default(),
        });
    }
    if let Some(dir) = &cli.snapshots {
        let known = Snapshots::load(dir).map_err(Fatal::Config)?;
        return Ok(Snapshots::Enforce {
            origin: dir.display().to_string(),
            known,
        });
    }
    let known = Snapshots::shipped(cli.embedded_compat);
    if cli.base_url.is_none() {
        Ok(Snapshots::Enforce {
            origin: format!("the shipped {:?} snapshots", cli.embedded_compat),
            known,
        })
    } else {
        Ok(Snapshots::Inform { known })
    }
}

/// Finds out now, not after a run whose results would then be lost, that a
/// report can be written; leaves an existing file as it is and no new one.
fn check_writable(path: &std::path::Path) -> Result<(), Fatal> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Fatal::Config(format!("cannot write the report {}: {e}", path.display())))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn write_reports(cli: &Cli, results: &[report::ScenarioResult]) -> Result<(), Fatal> {
    let write = |path: &std::path::Path, text: String| {
        std::fs::write(path, text)
            .map_err(|e| Fatal::Config(format!("cannot write the report {}: {e}", path.display())))
    };
    if let Some(path) = &cli.junit {
        write(path, report::junit_xml(results))?;
    }
    if let Some(path) = &cli.json {
        write(path, report::cucumber_json(results))?;
    }
    Ok(())
}
