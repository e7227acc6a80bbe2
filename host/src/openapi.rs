//! The OpenAPI document at `/api/v1/openapi.json`, generated from the handlers' annotations so
//! it cannot drift from the code.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "carecheck", description = "Checks looked-after children's care plans in England against the law and good practice."),
    paths(
        crate::records::list_children,
        crate::records::get_record,
        crate::records::put_record,
        crate::records::history,
        crate::records::bulk_upload,
        crate::records::schema,
        crate::checklist::checklist,
        crate::checklist::start_run,
        crate::checklist::get_run,
        crate::checklist::run_results,
        crate::reports::summary,
        crate::plugins::routes::list_policies,
        crate::plugins::routes::upload_plugin,
        crate::imports::import_ssda903_route,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
