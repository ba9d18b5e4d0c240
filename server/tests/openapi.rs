//! The committed `openapi.yaml` is the document the server generates.

use std::path::Path;

#[test]
fn committed_openapi_yaml_matches_the_generated_document() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    let generated = jwt_reference_server::openapi_yaml();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.yaml is out of date: run `UPDATE_OPENAPI=1 cargo test -p jwt-reference-server --test openapi` and commit it"
    );
}

#[test]
fn the_document_lists_the_slashed_paths_and_the_bearer_scheme() {
    let spec: serde_json::Value =
        serde_json::from_str(&jwt_reference_server::openapi_json()).unwrap();
    let paths: Vec<&String> = spec["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/token/",
            "/api/token/refresh/",
            "/api/token/verify/",
            "/api/token/blacklist/",
            "/api/user/"
        ]
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["jwtAuth"]["scheme"],
        "bearer"
    );
    let user = &spec["paths"]["/api/user/"]["get"];
    assert!(user["security"].to_string().contains("jwtAuth"));
    for status in ["200", "401", "405", "406"] {
        assert!(
            user["responses"][status]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{status}"
        );
    }
    let login = &spec["paths"]["/api/token/"]["post"];
    let content = login["requestBody"]["content"].as_object().unwrap();
    assert!(
        content.contains_key("application/json")
            && content.contains_key("application/x-www-form-urlencoded")
    );
    for status in ["200", "400", "401", "405", "406", "413", "415"] {
        assert!(
            login["responses"][status]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{status}"
        );
    }
    assert_eq!(
        login["responses"]["401"]["headers"]["WWW-AUTHENTICATE"]["schema"]["type"], "string",
        "{}",
        login["responses"]["401"]
    );
}
