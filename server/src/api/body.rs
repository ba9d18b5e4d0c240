//! Request bodies read the way DRF's parsers and `CharField` read them.
//!
//! poem-openapi's `Json<T>` would answer a wrong type or bad JSON itself, in
//! plain text and before the handler runs. This extractor never fails: it
//! hands the handler either the fields or the reason they could not be read,
//! and the handler answers with its typed response. The schema `T` is only
//! there for the OpenAPI document.

use std::marker::PhantomData;

use poem::error::ReadBodyError;
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::{Map, Value};

use super::{BadRequest, ErrorDetail, FieldErrors};

/// Bodies larger than this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";

/// The fields of a request body, or why there are none.
pub struct DrfBody<T> {
    pub fields: Result<Map<String, Value>, BodyError>,
    schema: PhantomData<fn() -> T>,
}

/// Why a body could not be read, in DRF's order of precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// The connection broke, or a chunked body was malformed.
    Unreadable,
    UnsupportedMediaType(String),
    Parse(String),
    NotAnObject(&'static str),
}

impl BodyError {
    pub fn detail(&self) -> ErrorDetail {
        match self {
            BodyError::TooLarge => {
                ErrorDetail::new(format!("Request body exceeded {MAX_BODY} bytes."))
            }
            BodyError::Unreadable => ErrorDetail::new("Request body could not be read."),
            BodyError::UnsupportedMediaType(media_type) => ErrorDetail::new(format!(
                "Unsupported media type \"{media_type}\" in request."
            )),
            BodyError::Parse(reason) => ErrorDetail::new(format!("JSON parse error - {reason}")),
            BodyError::NotAnObject(_) => unreachable!("answered as a field error"),
        }
    }

    /// The 400 answer, for the two kinds of error that are 400s.
    pub fn bad_request(&self) -> Option<BadRequest> {
        match self {
            BodyError::Parse(_) | BodyError::Unreadable => Some(BadRequest::Parse(self.detail())),
            BodyError::NotAnObject(got) => {
                let message = match *got {
                    "NoneType" => "No data provided".to_string(),
                    got => format!("Invalid data. Expected a dictionary, but got {got}."),
                };
                Some(BadRequest::Fields(FieldErrors {
                    non_field_errors: Some(vec![message]),
                    ..FieldErrors::default()
                }))
            }
            _ => None,
        }
    }
}

impl<'a, T: Type> ApiExtractor<'a> for DrfBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![
                MetaMediaType {
                    content_type: super::payload::JSON,
                    schema: T::schema_ref(),
                },
                MetaMediaType {
                    content_type: FORM,
                    schema: T::schema_ref(),
                },
            ],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let media = Media::of(request.content_type());
        let bytes = match body.take() {
            Ok(body) => body
                .into_bytes_limit(MAX_BODY)
                .await
                .map_err(|err| match err {
                    // DRF would refuse the media type before reading the body.
                    ReadBodyError::PayloadTooLarge => match &media {
                        Media::Unsupported(media_type) => {
                            BodyError::UnsupportedMediaType(media_type.clone())
                        }
                        _ => BodyError::TooLarge,
                    },
                    _ => BodyError::Unreadable,
                }),
            Err(_) => Ok(Default::default()),
        };
        let fields = bytes.and_then(|bytes| parse(media, &bytes));
        Ok(DrfBody {
            fields,
            schema: PhantomData,
        })
    }
}

/// How a body is read, by its `Content-Type`.
enum Media {
    Json,
    Form,
    /// Anything else, with the header as sent (empty when there is none).
    Unsupported(String),
}

impl Media {
    fn of(content_type: Option<&str>) -> Media {
        let content_type = content_type.unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case(super::payload::JSON) {
            Media::Json
        } else if essence.eq_ignore_ascii_case(FORM) {
            Media::Form
        } else {
            Media::Unsupported(content_type.to_string())
        }
    }
}

/// An empty body reads as no fields whatever its type, as in DRF.
fn parse(media: Media, bytes: &[u8]) -> Result<Map<String, Value>, BodyError> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    match media {
        Media::Json => parse_json(bytes),
        Media::Form => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(bytes).unwrap_or_default();
            // Like Django's QueryDict, a repeated key keeps its last value.
            Ok(pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect())
        }
        Media::Unsupported(media_type) => Err(BodyError::UnsupportedMediaType(media_type)),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Map<String, Value>, BodyError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(other) => Err(BodyError::NotAnObject(python_type(&other))),
        Err(err) => Err(BodyError::Parse(err.to_string())),
    }
}

/// The name Python gives the type of a JSON value, as DRF's message shows it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// A required `CharField`: numbers are taken as their text, surrounding
/// whitespace is trimmed, and blank, null or other types are refused.
pub fn char_field(fields: &Map<String, Value>, name: &str) -> Result<String, &'static str> {
    let text = match fields.get(name) {
        None => return Err("This field is required."),
        Some(Value::Null) => return Err("This field may not be null."),
        Some(Value::String(text)) => text.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err("Not a valid string."),
    };
    if text.is_empty() {
        return Err("This field may not be blank.");
    }
    if text.contains('\0') {
        return Err("Null characters are not allowed.");
    }
    Ok(text)
}

/// Reads the named fields, collecting every field's error as DRF does.
pub fn char_fields<const N: usize>(
    fields: &Map<String, Value>,
    names: [&str; N],
) -> Result<[String; N], FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut values = Vec::with_capacity(N);
    for name in names {
        match char_field(fields, name) {
            Ok(value) => values.push(value),
            Err(message) => {
                let slot = match name {
                    "username" => &mut errors.username,
                    "password" => &mut errors.password,
                    "refresh" => &mut errors.refresh,
                    "token" => &mut errors.token,
                    _ => &mut errors.non_field_errors,
                };
                *slot = Some(vec![message.to_string()]);
            }
        }
    }
    values.try_into().map_err(|_| errors)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn char_field_follows_drf() {
        let f = fields(
            json!({"a": 5, "b": true, "c": null, "d": "  x ", "e": "  ", "f": [], "g": 1.5}),
        );
        assert_eq!(char_field(&f, "a"), Ok("5".into()));
        assert_eq!(char_field(&f, "b"), Err("Not a valid string."));
        assert_eq!(char_field(&f, "c"), Err("This field may not be null."));
        assert_eq!(char_field(&f, "d"), Ok("x".into()));
        assert_eq!(char_field(&f, "e"), Err("This field may not be blank."));
        assert_eq!(char_field(&f, "f"), Err("Not a valid string."));
        assert_eq!(char_field(&f, "g"), Ok("1.5".into()));
        assert_eq!(char_field(&f, "h"), Err("This field is required."));
    }

    #[test]
    fn every_missing_field_is_listed() {
        let errors = char_fields(&Map::new(), ["username", "password"]).unwrap_err();
        assert_eq!(errors.username.unwrap(), ["This field is required."]);
        assert_eq!(errors.password.unwrap(), ["This field is required."]);
    }

    #[test]
    fn bodies_are_read_by_media_type() {
        assert_eq!(
            parse(
                Media::of(Some("application/json; charset=utf-8")),
                br#"{"a":"b"}"#
            )
            .unwrap()["a"],
            "b"
        );
        assert_eq!(
            parse(
                Media::of(Some("application/x-www-form-urlencoded")),
                b"a=1&a=2+3"
            )
            .unwrap()["a"],
            "2 3"
        );
        assert_eq!(
            parse(Media::of(Some("text/plain")), b"x"),
            Err(BodyError::UnsupportedMediaType("text/plain".into()))
        );
        assert_eq!(parse(Media::of(Some("text/plain")), b""), Ok(Map::new()));
        assert_eq!(
            parse(Media::of(Some("application/json")), b"[]"),
            Err(BodyError::NotAnObject("list"))
        );
        assert!(matches!(
            parse(Media::of(Some("application/json")), b"{"),
            Err(BodyError::Parse(_))
        ));
    }

    #[test]
    fn deep_nesting_is_a_parse_error() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse_json(deep.as_bytes()),
            Err(BodyError::Parse(_))
        ));
    }
}
