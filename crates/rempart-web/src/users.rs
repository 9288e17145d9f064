//! Settings, people: who has access with which role, giving access, and each person's page where
//! an owner gives another role or a new password, or takes the access away (each change signed
//! by the owner with the key their password gave at login, and by the new password's key).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::users::{Role, UserError};
use rempart_i18n::{Lang, Speak};
use rempart_store::StoreError;
use rempart_store::users::User;
use serde::Deserialize;

use crate::App;
use crate::auth::users_problems;
use crate::form::{Empty, Posted, Problems};
use crate::page::{csrf, field, form_error, labelled, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/settings/users", get(list).post(add))
        .route("/settings/users/{id}", get(person).post(change))
        .route("/settings/users/{id}/remove", post(remove))
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

/// The list of roles to choose from, `chosen` selected.
fn role_select(lang: Lang, id: &str, chosen: Option<Role>, error: Option<&str>) -> Markup {
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (lang.text("web.users.role")) }
            select id=(id) name="role" {
                @for role in Role::ALL {
                    option value=(role.as_str()) selected[chosen == Some(role)] { (role_name(lang, role)) }
                }
            }
            @if let Some(error) = error { p.error role="alert" { (error) } }
        }
    }
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
                        td { a href=(format!("/settings/users/{}", user.id)) { (user.name) } }
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
            (role_select(lang, "field-role", chosen, problems.field("role")))
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
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(lang, &viewer, &users, Some(&form), &problems))
                .into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// A person's page: who they are, and (for another person than the owner looking) the forms
/// that give another role or a new password, and that take the access away.
fn person_page(lang: Lang, viewer: &Viewer, user: &User, form: Option<&ChangeForm>, problems: &Problems) -> Markup {
    let chosen = form.and_then(|form| Role::parse(&form.role).ok()).unwrap_or(user.role);
    let action = format!("/settings/users/{}", user.id);
    let body = html! {
        dl {
            dt { (lang.text("web.login.user")) } dd { (user.name) }
            dt { (lang.text("web.users.role")) } dd { (role_name(lang, user.role)) }
            dt { (lang.text("web.users.granted_by")) } dd { (user.granted_by.as_deref().unwrap_or("—")) }
        }
        @if user.id == viewer.user.id {
            (form_error(problems.form.as_deref()))
            p { (lang.text("web.users.own")) " " a href="/me" { (lang.text("web.me.title")) } }
        } @else {
            h2 { (lang.text("web.users.change_title")) }
            form.card method="post" action=(action) {
                (csrf(&viewer.csrf))
                p { (lang.text("web.users.change_text")) }
                (form_error(problems.form.as_deref()))
                (role_select(lang, "field-role", Some(chosen), problems.field("role")))
                (labelled(lang.text("web.users.new_password"), "field-password", "password", "password", "", problems.field("password")))
                button type="submit" { (lang.text("web.users.change")) }
            }
            h2 { (lang.text("web.users.remove_title")) }
            form.card method="post" action=(format!("{action}/remove")) {
                (csrf(&viewer.csrf))
                p { (lang.text("web.users.remove_text")) }
                button.danger type="submit" { (lang.fill("web.users.remove", &[("name", &user.name)])) }
            }
        }
        p { a href="/settings/users" { (lang.text("web.users.title")) } }
    };
    layout(lang, Some(viewer), &user.name, body)
}

/// The person `id`, or the page saying they are not (or no longer) there.
async fn find(app: &App, viewer: &Viewer, id: String) -> Result<User, Response> {
    match app.run(move |store| store.user(&id)).await {
        Ok(user) => Ok(user),
        Err(StoreError::User(error @ UserError::Unknown { .. })) => {
            let body = html! { p { (error.speak(viewer.lang)) } };
            let page = layout(viewer.lang, Some(viewer), viewer.lang.text("web.not_found.title"), body);
            Err((axum::http::StatusCode::NOT_FOUND, page).into_response())
        }
        Err(error) => Err(crate::page::failed(viewer.lang, Some(viewer), &rempart_i18n::message(&error, viewer.lang))),
    }
}

async fn person(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    match find(&app, &viewer, id).await {
        Ok(user) => person_page(viewer.lang, &viewer, &user, None, &Problems::default()).into_response(),
        Err(response) => response,
    }
}

/// Where a refused change's message goes: beside the role or the password, else above the form.
fn change_problems(error: &UserError, lang: Lang) -> Problems {
    let mut problems = Problems::default();
    match error {
        UserError::PasswordTooShort { .. } | UserError::PasswordTooLong { .. } => {
            problems.set("password", error.speak(lang));
        }
        UserError::UnknownRole { .. } => {
            problems.set("role", error.speak(lang));
        }
        _ => problems.form = Some(error.speak(lang)),
    }
    problems
}

async fn change(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<ChangeForm>,
) -> Response {
    let lang = viewer.lang;
    let user = match find(&app, &viewer, id).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let role = Role::parse(&form.role);
    let (target, password, owner) = (user.id.clone(), form.password.clone(), viewer.clone());
    let changed = app
        .run(move |store| {
            let role = role?;
            store.reset_user(&target, role, &password, (&owner.user.id, &owner.key))
        })
        .await;
    match changed {
        Ok(_) => Redirect::to("/settings/users").into_response(),
        Err(StoreError::User(error)) => {
            let problems = change_problems(&error, lang);
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, person_page(lang, &viewer, &user, Some(&form), &problems))
                .into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn remove(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let lang = viewer.lang;
    let user = match find(&app, &viewer, id).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let (target, owner) = (user.id.clone(), viewer.clone());
    match app.run(move |store| store.remove_user(&target, (&owner.user.id, &owner.key))).await {
        Ok(()) => Redirect::to("/settings/users").into_response(),
        Err(StoreError::User(error)) => {
            let problems = Problems { form: Some(error.speak(lang)), ..Problems::default() };
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, person_page(lang, &viewer, &user, None, &problems))
                .into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}
