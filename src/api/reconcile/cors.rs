//! Cross-origin access for the reconciliation routes only: OpenRefine and
//! browser tools call them from other origins. The rest of the API stays
//! same-origin, so a page elsewhere cannot read it with a user's token.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// The routes that answer cross-origin requests.
const PREFIX: &str = "/api/v1/reconcile";

/// Whether a path is one of the reconciliation routes.
pub fn applies(path: &str) -> bool {
    path == PREFIX
        || path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Answers preflights on the reconciliation routes and lets any origin read
/// their answers; passes every other request through untouched.
pub async fn cors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !applies(request.path()) {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    if request.method() == Method::OPTIONS {
        let response = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Authorization, Content-Type",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .finish();
        return Ok(request.into_response(response));
    }
    let mut response = next.call(request).await?;
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_reconciliation_routes_are_cross_origin() {
        assert!(applies("/api/v1/reconcile"));
        assert!(applies("/api/v1/reconcile/suggest/entity"));
        assert!(!applies("/api/v1/reconciled"));
        assert!(!applies("/api/v1/units"));
    }
}
