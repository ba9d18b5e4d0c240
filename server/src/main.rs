//! `jwt-reference-server`: parse the command line, start, stop on Ctrl-C or
//! SIGTERM. Exit codes: 0 stopped cleanly, 1 failed while running (e.g. the
//! address is taken), 2 invalid settings.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use jwt_reference_server::{Cli, Command, DEMO_PASSWORD, DEMO_USERNAME, ServeArgs, Server};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let text = err.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see --help)");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::HashPassword) => hash_password(),
        Some(Command::Openapi { json: false }) => {
            print!("{}", jwt_reference_server::openapi_yaml());
            ExitCode::SUCCESS
        }
        Some(Command::Openapi { json: true }) => {
            println!("{}", jwt_reference_server::openapi_json());
            ExitCode::SUCCESS
        }
        None => serve(cli.serve),
    }
}

fn hash_password() -> ExitCode {
    if std::io::stdin().is_terminal() {
        eprintln!("Type the password and press Enter (it is shown as you type):");
    }
    // One line, and no more than a password could sensibly be.
    let mut input = Vec::new();
    if let Err(err) = std::io::stdin()
        .lock()
        .take(4097)
        .read_until(b'\n', &mut input)
    {
        eprintln!("error: cannot read the password: {err}");
        return ExitCode::from(2);
    }
    if input.len() > 4096 {
        eprintln!("error: the password is longer than 4096 bytes");
        return ExitCode::from(2);
    }
    let Ok(line) = String::from_utf8(input) else {
        eprintln!("error: the password is not UTF-8 text");
        return ExitCode::from(2);
    };
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if let Err(err) = jwt_reference_server::check_password(password) {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    println!("{}", jwt_reference_server::hash_password(password));
    ExitCode::SUCCESS
}

fn serve(args: ServeArgs) -> ExitCode {
    let demo = args.users.is_empty() && args.users_file.is_none();
    let config = match args.clone().into_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    runtime.block_on(async move {
        let random_key = config.keys.is_random();
        let server = match Server::start(config, args.bind).await {
            Ok(server) => server,
            Err(err) => {
                eprintln!("error: cannot listen on {}: {err}", args.bind);
                return ExitCode::from(1);
            }
        };
        let addr = server.addr();
        if random_key {
            tracing::warn!("signing key: random, made for this run; tokens stop working when the server stops");
        }
        if demo {
            tracing::info!("demo account: {DEMO_USERNAME} / {DEMO_PASSWORD}");
            if !addr.ip().is_loopback() {
                tracing::warn!(
                    "the demo account's password is public and the server is reachable beyond this machine on {addr}"
                );
            }
        }
        tracing::info!("listening on http://{addr} (OpenAPI at /openapi.yaml, Swagger UI at /docs)");
        match server.run_until(shutdown_signal()).await {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(1)
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM can be watched");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("stopping: finishing requests in flight");
}
