//! The benchmark baseline: a bare poem handler answering a small JSON body,
//! with nothing of the reference server around it. `bench/server.sh` runs it.

use poem::listener::TcpListener;
use poem::{Route, Server, get, handler};

#[handler]
fn user() -> &'static str {
    r#"{"id":1,"username":"alice"}"#
}

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7100".into());
    tokio::runtime::Runtime::new()?.block_on(
        Server::new(TcpListener::bind(bind)).run(Route::new().at("/api/user/", get(user))),
    )
}
