//! Waiting for tokens to expire: read from `exp`, never a fixed sleep.

use cucumber::when;

use crate::world::ApiWorld;

/// Waits for the live token to expire, then sets it aside as
/// `{expired_access}` or `{expired_refresh}` (it is never renewed).
#[when(regex = r"^I wait until the (access|refresh) token has expired$")]
async fn wait_expired(world: &mut ApiWorld, which: String) {
    let (access, refresh) = world.live().clone();
    let token = if which == "access" { access } else { refresh };
    world.wait_for_expiry(&which, &token).await;
    world.kept.insert(format!("expired_{which}"), token);
}
