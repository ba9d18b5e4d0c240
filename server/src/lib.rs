//! The reference implementation of the SimpleJWT token login API.
//!
//! Build a [`Config`], then either [`Server::start`] it on a listener (the
//! conformance runner does this in-process) or mount [`app`] yourself. The
//! library prints nothing; logging goes through `tracing`.

mod api;
mod config;
mod drf;
mod listener;
mod tokens;
mod users;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    Cli, Command, Compat, Config, ConfigError, DEMO_PASSWORD, DEMO_USERNAME, Keys, ServeArgs,
};
pub use users::{User, UserStore, check_password, check_username, hash_password};

/// How long in-flight requests get to finish after a stop is asked for.
const GRACE: Duration = Duration::from_secs(5);

type Apis = (
    api::ObtainApi,
    api::RefreshApi,
    api::VerifyApi,
    api::BlacklistApi,
    api::UserApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            api::ObtainApi,
            api::RefreshApi,
            api::VerifyApi,
            api::BlacklistApi,
            api::UserApi,
        ),
        "SimpleJWT token API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "The JSON Web Token login API of Django REST Framework with SimpleJWT, as served by \
         jwt-reference-server. Log in at /api/token/, send the access token as \
         `Authorization: Bearer <access>`, and exchange the refresh token for new access \
         tokens at /api/token/refresh/.",
    )
}

/// The OpenAPI document in YAML, as served at `/openapi.yaml`.
pub fn openapi_yaml() -> String {
    service().spec_yaml()
}

/// The OpenAPI document in JSON, as served at `/openapi.json`.
pub fn openapi_json() -> String {
    service().spec()
}

/// The whole application for `config`, with the user store it serves from.
pub fn app(
    config: Config,
) -> (
    impl Endpoint<Output = poem::Response> + 'static,
    Arc<UserStore>,
) {
    let users = Arc::new(UserStore::new(config.users.clone()));
    let state = Arc::new(api::AppState {
        tokens: tokens::TokenService::new(&config),
        users: users.clone(),
        rotate_refresh_tokens: config.rotate_refresh_tokens,
        blacklist_after_rotation: config.blacklist_after_rotation,
        www_authenticate: format!("{} realm=\"api\"", config.auth_header_types[0]),
        auth_header_types: config.auth_header_types,
        hashing: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ),
    });
    let service = service();
    let yaml = service.spec_yaml();
    let json = service.spec();
    let route = Route::new()
        .at(
            "/openapi.yaml",
            poem::endpoint::make_sync(move |_| yaml_response(&yaml)),
        )
        .at(
            "/openapi.json",
            poem::endpoint::make_sync(move |_| json_response(&json)),
        )
        .nest("/docs", service.swagger_ui())
        .nest("/", service)
        .data(state.clone())
        .with(drf::Drf {
            state,
            compat: config.compat,
        });
    (route, users)
}

fn yaml_response(spec: &str) -> poem::Response {
    poem::Response::builder()
        .content_type("application/yaml")
        .body(spec.to_string())
}

fn json_response(spec: &str) -> poem::Response {
    poem::Response::builder()
        .content_type("application/json")
        .body(spec.to_string())
}

/// A server running in this process, stopped by [`Server::stop`] or on drop.
pub struct Server {
    addr: SocketAddr,
    users: Arc<UserStore>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Binds `bind` (port 0 picks a free port) and serves `config` on the
    /// current tokio runtime.
    pub async fn start(config: Config, bind: SocketAddr) -> io::Result<Server> {
        let acceptor = TcpListener::bind(bind).into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().copied())
            .ok_or_else(|| io::Error::other("the listener has no TCP address"))?;
        let acceptor = listener::Guarded {
            inner: acceptor,
            silence: config.idle_timeout,
        };
        let (endpoint, users) = app(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = poem::Server::new_with_acceptor(acceptor);
        let task = tokio::spawn(async move {
            let signal = async move {
                let _ = stopped.await;
            };
            server
                .run_with_graceful_shutdown(endpoint, signal, Some(GRACE))
                .await
        });
        Ok(Server {
            addr,
            users,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The live user store: deactivate or remove users while serving.
    pub fn users(&self) -> &UserStore {
        &self.users
    }

    /// Serves until `signal` completes, then stops gracefully.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> io::Result<()> {
        let task = self.task.take().expect("a server runs once");
        tokio::pin!(task);
        tokio::select! {
            result = &mut task => return flatten(result),
            () = signal => {}
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        flatten(task.await)
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => flatten(task.await),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn flatten(result: Result<io::Result<()>, tokio::task::JoinError>) -> io::Result<()> {
    result.map_err(io::Error::other)?
}
