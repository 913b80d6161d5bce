//! Requests no operation takes: 405 with `Allow` when the path is a route
//! with other methods, 404 otherwise.
//!
//! Each operation is its own actix resource guarded by its method, so a
//! method a route does not have falls through to the default service. The
//! paths and their methods come from the OpenAPI document, which lists
//! every operation.

use actix_web::dev::ResourceDef;
use actix_web::HttpRequest;

use super::error::{ApiError, Code};

/// Every route with the methods it has.
pub struct Routes {
    routes: Vec<(ResourceDef, Vec<&'static str>)>,
}

impl Routes {
    /// The routes of the document, and the pages beside it.
    pub fn of(document: &utoipa::openapi::OpenApi) -> Routes {
        let mut routes: Vec<(ResourceDef, Vec<&'static str>)> = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| (ResourceDef::new(path.as_str()), methods(item)))
            .collect();
        for page in ["/openapi.json", "/docs", "/docs/{_:.*}"] {
            routes.push((ResourceDef::new(page), vec!["GET"]));
        }
        for (page, methods) in crate::pages::PATHS {
            routes.push((ResourceDef::new(page), methods.to_vec()));
        }
        Routes { routes }
    }

    /// The answer to a request no operation took.
    pub fn refuse(&self, request: &HttpRequest) -> ApiError {
        let path = request.path();
        let mut allowed: Vec<&str> = self
            .routes
            .iter()
            .filter(|(route, _)| route.is_match(path))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        if allowed.is_empty() {
            return ApiError::not_found(Code::RouteNotFound, "route", path);
        }
        ApiError::method_not_allowed(request.method().as_str(), &allowed)
    }
}

fn methods(item: &utoipa::openapi::PathItem) -> Vec<&'static str> {
    let operations = [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ];
    operations
        .into_iter()
        .filter_map(|(method, present)| present.then_some(method))
        .collect()
}
