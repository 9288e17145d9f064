//! Settings, people: who has access with which role, and giving access (signed by the owner who
//! gives it, with the key their password gave at login).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::users::Role;
use rempart_i18n::Lang;
use rempart_store::StoreError;
use rempart_store::users::User;
use serde::Deserialize;

use crate::App;
use crate::auth::users_problems;
use crate::form::{Posted, Problems};
use crate::page::{csrf, field, form_error, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/settings/users", get(list).post(add))
}

pub use rempart_i18n::role_name;

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

fn page(lang: Lang, viewer: &Viewer, users: &[User], form: Option<&AddForm>, problems: &Problems) -> Markup {
    let chosen = form.and_then(|form| Role::parse(&form.role).ok());
    let body = html! {
        table {
            caption { (lang.text("web.users.title")) }
            thead { tr {
                th scope="col" { (lang.text("web.login.user")) }
                th scope="col" { (lang.text("web.users.role")) }
                th scope="col" { (lang.text("web.users.granted_by")) }
            } }
            tbody {
                @for user in users {
                    tr {
                        td { (user.name) }
                        td { (role_name(lang, user.role)) }
                        td { (user.granted_by.as_deref().unwrap_or("—")) }
                    }
                }
            }
        }
        h2 { (lang.text("web.users.add")) }
        form.card method="post" action="/settings/users" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (field(lang.text("web.login.user"), "user", "text", form.map_or("", |form| &form.user), problems.field("user")))
            div.field.invalid[problems.field("role").is_some()] {
                label for="field-role" { (lang.text("web.users.role")) }
                select id="field-role" name="role" {
                    @for role in Role::ALL {
                        option value=(role.as_str()) selected[chosen == Some(role)] { (role_name(lang, role)) }
                    }
                }
                @if let Some(error) = problems.field("role") { p.error role="alert" { (error) } }
            }
            (field(lang.text("web.login.password"), "password", "password", "", problems.field("password")))
            button type="submit" { (lang.text("web.users.add")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.users.title"), body)
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    match app.run(|store| store.users()).await {
        Ok(users) => page(lang, &viewer, &users, None, &Problems::default()).into_response(),
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn add(State(app): State<App>, Extension(viewer): Extension<Viewer>, Posted(form): Posted<AddForm>) -> Response {
    let lang = viewer.lang;
    let role = Role::parse(&form.role);
    let (name, password, granter) = (form.user.clone(), form.password.clone(), viewer.clone());
    let added = app
        .run(move |store| {
            let role = role?;
            store.add_user(&name, role, &password, Some((&granter.user.id, &granter.key)))
        })
        .await;
    match added {
        Ok(_) => Redirect::to("/settings/users").into_response(),
        Err(StoreError::User(error)) => {
            let problems = users_problems(&error, lang);
            let users = app.run(|store| store.users()).await.unwrap_or_default();
            let mut response = page(lang, &viewer, &users, Some(&form), &problems).into_response();
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}
