//! Steps that change accounts on the embedded server while its tokens are
//! out: only the embedded server lets the runner do this, so these scenarios
//! are tagged `@embedded-users` and skipped against a base URL.

use cucumber::{given, when};

use crate::target::SPARE_ACCOUNTS;
use crate::world::{ApiWorld, tokens_of};

fn password_of(world: &ApiWorld, name: &str) -> String {
    match SPARE_ACCOUNTS.iter().find(|(_, n, _)| *n == name) {
        Some((_, _, password)) => (*password).to_string(),
        None => world.fail(&format!(
            "{name:?} is not a spare account of the embedded server"
        )),
    }
}

/// Logs in as a spare account and sets its tokens aside as `{spare_access}`
/// and `{spare_refresh}`: they are never renewed, since renewing logs in as
/// the main account.
#[given(regex = r#"^I have logged in as the spare account "(\w+)"$"#)]
async fn log_in_spare(world: &mut ApiWorld, name: String) {
    let password = password_of(world, &name);
    let request = world.settings().login_request(&name, &password);
    world.send(request).await;
    let Some((access, refresh)) = tokens_of(world.response()) else {
        world.fail(&format!(
            "logging in as {name} did not answer 200 with two tokens"
        ));
    };
    world.kept.insert("spare_access".into(), access);
    world.kept.insert("spare_refresh".into(), refresh);
}

#[when(regex = r#"^the embedded server makes the spare account "(\w+)" inactive$"#)]
async fn deactivate(world: &mut ApiWorld, name: String) {
    let Some(embedded) = &world.ctx.embedded else {
        world.fail("only the embedded server's accounts can be changed");
    };
    if !embedded.main.users().set_active(&name, false) {
        world.fail(&format!("the embedded server has no account {name:?}"));
    }
}

#[when(regex = r#"^the embedded server deletes the spare account "(\w+)"$"#)]
async fn delete(world: &mut ApiWorld, name: String) {
    let Some(embedded) = &world.ctx.embedded else {
        world.fail("only the embedded server's accounts can be changed");
    };
    if !embedded.main.users().remove(&name) {
        world.fail(&format!("the embedded server has no account {name:?}"));
    }
}
