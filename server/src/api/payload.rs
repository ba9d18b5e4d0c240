//! A JSON payload labelled `application/json` exactly, as DRF labels it
//! (poem-openapi's own `Json` adds `; charset=utf-8`).

use poem::http::header::CONTENT_TYPE;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

pub const JSON: &str = "application/json";

/// A compact JSON body; fields keep their declaration order.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ToJSON> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        let value = self.0.to_json().unwrap_or_default();
        let body = serde_json::to_vec(&value).expect("a JSON value always serialises");
        Response::builder().header(CONTENT_TYPE, JSON).body(body)
    }
}

impl<T: ToJSON> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: JSON,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
