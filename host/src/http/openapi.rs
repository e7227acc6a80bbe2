//! The OpenAPI document at `/api/v1/openapi.json`, generated from the handlers' annotations so
//! it cannot drift from the code.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "carecheck", description = "Checks looked-after children's care plans in England against the law and good practice."),
    paths(
        super::records::list_children,
        super::records::get_record,
        super::records::put_record,
        super::records::history,
        super::records::bulk_upload,
        super::records::schema,
        super::checklist::checklist,
        super::checklist::upcoming,
        super::iros::list_iros,
        super::iros::put_iro,
        super::runs::start_run,
        super::runs::get_run,
        super::runs::run_results,
        super::reports::summary,
        super::plugins::list_policies,
        super::plugins::upload_plugin,
        super::plugins::list_plugins,
        super::plugins::list_enablements,
        super::plugins::enable_plugin,
        super::plugins::disable_plugin,
        super::imports::import_ssda903_route,
        super::tokens::list_tokens,
        super::tokens::create_token,
        super::tokens::rotate_token,
        super::tokens::revoke_token,
        super::subscriptions::list,
        super::subscriptions::create,
        super::subscriptions::show,
        super::subscriptions::pause,
        super::subscriptions::resume,
        super::subscriptions::remove,
        super::subscriptions::run_now,
        super::subscriptions::reports,
        super::subscriptions::scheduled,
        super::subscriptions::scheduled_one,
        super::subscriptions::download,
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
