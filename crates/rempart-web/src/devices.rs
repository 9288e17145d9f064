//! Settings, devices: the hub this node syncs with and how the sync stands, the company's
//! devices from the roster (role, invoice series, state, last seen), an invitation for a new
//! device (its code shown as text and as a QR code, with the invoice series the owner chooses),
//! and the revocation of a device. The command line's `device invite`, `device list` and
//! `device revoke`, through the same `rempart_node::Session`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, PreEscaped, html};
use rempart_domain::Locale;
use rempart_i18n::{Lang, Speak};
use rempart_node::{Env, Http, NodeError, Session};
use rempart_store::Store;
use rempart_sync::Role;
use serde::Deserialize;

use crate::App;
use crate::form::{Empty, Posted, Problems};
use crate::page::{csrf, field, form_error, layout, moment, select};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/settings/devices", get(list))
        .route("/settings/devices/invite", post(invite))
        .route("/settings/devices/{id}/revoke", post(revoke))
        .route("/sync", post(sync_now))
}

/// Hours an invitation stays open unless the owner says otherwise.
const INVITE_HOURS_DEFAULT: u64 = 24;

/// One device as the page lists it.
struct Device {
    node: rempart_log::NodeId,
    role: Role,
    series: Option<String>,
    revoked: bool,
    this: bool,
    /// Its successor's predecessor: the device it goes on from.
    succeeds: Option<rempart_log::NodeId>,
    last_seen_ms: Option<u64>,
}

/// What the page shows; `None` for a company that syncs with no hub.
struct Shown {
    locale: Locale,
    hub: Option<Hub>,
}

struct Hub {
    health: rempart_node::Health,
    devices: Vec<Device>,
}

fn read(store: &Store) -> Result<Result<Shown, NodeError>, rempart_store::StoreError> {
    let locale = Locale::of_country(store.company()?.country);
    let health = match rempart_node::health(store) {
        Ok(Some(health)) => health,
        Ok(None) => return Ok(Ok(Shown { locale, hub: None })),
        Err(error) => return Ok(Err(error)),
    };
    let session = match Session::open(store) {
        Ok(session) => session,
        Err(error) => return Ok(Err(error)),
    };
    let devices = session
        .roster
        .members()
        .iter()
        .map(|(node, member)| Device {
            node: *node,
            role: member.role,
            series: session.roster.device_series(*node).map(str::to_owned),
            revoked: member.revoked_after.is_some(),
            this: *node == store.node(),
            succeeds: session.roster.predecessor(*node),
            last_seen_ms: health.peers.iter().find(|peer| peer.node == *node).and_then(|peer| peer.last_seen_ms),
        })
        .collect();
    Ok(Ok(Shown { locale, hub: Some(Hub { health, devices }) }))
}

fn role_words(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => lang.text("web.devices.admin"),
        Role::Member => lang.text("web.devices.member"),
    }
}

#[derive(Deserialize, Default)]
struct InviteForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    hours: String,
}

/// An invitation just made: its code, for how long, and the hub the new device joins through.
struct Made {
    code: String,
    hours: u64,
    series: String,
}

fn page(
    lang: Lang,
    viewer: &Viewer,
    shown: &Shown,
    form: &InviteForm,
    problems: &Problems,
    made: Option<&Made>,
) -> Markup {
    let locale = shown.locale;
    html! {
        @match &shown.hub {
            None => p { (lang.text("web.devices.no_hub")) },
            Some(hub) => {
                section.card {
                    h2 { (lang.text("web.devices.sync")) }
                    p { (lang.fill("web.devices.hub", &[("hub", &hub.health.hub)])) }
                    @match hub.health.offline_since_ms {
                        Some(since) => p.warning { (lang.fill("web.health.offline", &[("hub", &hub.health.hub), ("since", &moment(locale, since))])) },
                        None => {},
                    }
                    (crate::dashboard::sync_progress(lang, locale, &hub.health))
                    (sync_button(lang, &viewer.csrf, "/settings/devices"))
                }
                @if let Some(made) = made {
                    section.card #invitation {
                        h2 { (lang.text("web.devices.code_title")) }
                        p { (lang.fill("web.devices.code_help", &[("hours", &made.hours), ("series", &made.series)])) }
                        p { code #invite-code { (made.code) } }
                        p { (lang.fill("web.devices.join_command", &[("code", &made.code), ("hub", &hub.health.hub)])) }
                        div.qr role="img" aria-label=(lang.text("web.devices.qr")) { (qr_svg(&made.code)) }
                    }
                }
                table {
                    caption { (lang.text("web.devices.title")) }
                    thead { tr {
                        th scope="col" { (lang.text("web.health.device")) }
                        th scope="col" { (lang.text("web.devices.role")) }
                        th scope="col" { (lang.text("web.devices.series")) }
                        th scope="col" { (lang.text("web.devices.state")) }
                        th scope="col" { (lang.text("web.health.last_seen")) }
                        th scope="col" { (lang.text("web.devices.revoke")) }
                    } }
                    tbody {
                        @for device in &hub.devices {
                            tr {
                                th scope="row" {
                                    (device.node.short())
                                    @if device.this { " " (lang.text("web.health.this")) }
                                }
                                td { (role_words(lang, device.role)) }
                                td { (device.series.as_deref().unwrap_or("—")) }
                                td {
                                    @if device.revoked { (lang.text("web.devices.revoked")) } @else { (lang.text("web.devices.active")) }
                                    @if let Some(from) = device.succeeds { " " (lang.fill("web.devices.succeeds", &[("node", &from.short())])) }
                                }
                                td { (device.last_seen_ms.map(|ms| moment(locale, ms)).unwrap_or_default()) }
                                td {
                                    @if !device.revoked && !device.this {
                                        @if device.role == Role::Admin {
                                            (lang.text("web.devices.admin_revoke_cli"))
                                        } @else {
                                            form.inline method="post" action=(format!("/settings/devices/{}/revoke", device.node.to_hex())) {
                                                (csrf(&viewer.csrf))
                                                button type="submit" aria-label=(lang.fill("web.devices.revoke_named", &[("node", &device.node.short())])) { (lang.text("web.devices.revoke")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (form_error(problems.form.as_deref()))
                form.card method="post" action="/settings/devices/invite" {
                    h2 { (lang.text("web.devices.invite")) }
                    (csrf(&viewer.csrf))
                    (select(lang.text("web.devices.role"), "field-role", "role",
                        &[("member".to_owned(), lang.text("web.devices.member").to_owned()), ("admin".to_owned(), lang.text("web.devices.admin").to_owned())],
                        &form.role, None, problems.field("role")))
                    (field(lang.text("web.devices.series_choice"), "series", "text", &form.series, problems.field("series")))
                    (field(lang.text("web.devices.hours"), "hours", "text", if form.hours.is_empty() { "24" } else { &form.hours }, problems.field("hours")))
                    button type="submit" { (lang.text("web.devices.invite")) }
                }
            }
        }
    }
}

/// The button that syncs now, and comes back to `back`.
pub(crate) fn sync_button(lang: Lang, token: &str, back: &str) -> Markup {
    html! {
        form.inline method="post" action="/sync" {
            (csrf(token))
            input type="hidden" name="back" value=(back);
            button type="submit" { (lang.text("web.sync.now")) }
        }
    }
}

#[derive(Deserialize, Default)]
struct SyncForm {
    #[serde(default)]
    back: String,
}

/// Syncs with the hub now, as `rempart sync` does; back to the page the button was on, which
/// shows how the sync stands. A sync that cannot be done (no hub, the hub out of reach) says
/// why, with the way back.
async fn sync_now(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<SyncForm>,
) -> Response {
    let lang = viewer.lang;
    let back = if form.back == "/settings/devices" { "/settings/devices" } else { "/dashboard" };
    // A hub that did not answer when last asked is not waited on: the app asks it again by
    // itself.
    let checked = *app.hub_checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let outcome = if matches!(checked, Some((_, false))) {
        Err(lang.text("web.sync.unreachable").to_owned())
    } else {
        let asked = app.now();
        let syncing = app.clone();
        // On the blocking pool: the sync waits on the network, on a handle of its own.
        match tokio::task::spawn_blocking(move || syncing.sync(Some(asked), lang)).await {
            // Answered by a sync that began after it was asked, if not its own.
            Ok(synced) => synced.unwrap_or(Ok(())),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    };
    match outcome {
        Ok(()) => Redirect::to(back).into_response(),
        Err(said) => {
            let body = html! {
                p role="alert" { (said) }
                p { a href=(back) { (lang.text("web.sync.back")) } }
            };
            (axum::http::StatusCode::CONFLICT, layout(lang, Some(&viewer), lang.text("web.sync.failed"), body))
                .into_response()
        }
    }
}

/// One sync of this node with its hub: what it wrote goes up, what the others wrote comes in.
pub(crate) fn sync(store: &mut Store) -> Result<rempart_node::SyncReport, NodeError> {
    with_session(store, |session, store, transport, env| session.sync(store, transport, env))
}

/// Backs up to every target when due (`rempart_backup::run_due`): what the app does by itself,
/// hub or no hub. Each target's failure is logged; the dashboard shows the last backup made.
pub(crate) fn backup_due(store: &mut Store) {
    let outcome = (|| {
        let mut session = Session::open(store)?;
        let mut random = rempart_node::system_random;
        let mut env = Env { clock: rempart_store::Clock::System, random: &mut random };
        rempart_backup::run_due(store, &mut session, rempart_backup::BACKUP_EVERY_MS, &mut env)
    })();
    match outcome {
        Ok(outcomes) => {
            for outcome in outcomes {
                match outcome {
                    Ok(written) => tracing::info!(target = %written.target, events = written.events, "backed up"),
                    Err(error) => tracing::warn!(%error, "a backup did not go through"),
                }
            }
        }
        // A company that is not connected has no backups to make.
        Err(rempart_backup::BackupError::Node(NodeError::NotConnected)) => {}
        Err(error) => tracing::warn!(%error, "the backups could not be made"),
    }
}

/// The invitation code as a QR code (SVG), for a tablet's camera to read.
fn qr_svg(code: &str) -> Markup {
    match qrcode::QrCode::new(code.as_bytes()) {
        Ok(qr) => PreEscaped(qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).build()),
        // A code of a few dozen characters always fits a QR code; the text above stays.
        Err(_) => html! {},
    }
}

async fn show(app: &App, viewer: &Viewer, form: &InviteForm, problems: &Problems, made: Option<&Made>) -> Response {
    let lang = viewer.lang;
    match app.run(|store| read(store)).await {
        Ok(Ok(shown)) => {
            let body = page(lang, viewer, &shown, form, problems, made);
            let page = layout(lang, Some(viewer), lang.text("web.devices.title"), body);
            let status = if problems.is_empty() {
                axum::http::StatusCode::OK
            } else {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, page).into_response()
        }
        Ok(Err(error)) => crate::page::failed(lang, Some(viewer), &error.speak(lang)),
        Err(error) => crate::page::failed(lang, Some(viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    show(&app, &viewer, &InviteForm::default(), &Problems::default(), None).await
}

/// Runs `work` with this node's session, a connection to its hub and the system's clock and
/// randomness, as the command line does.
fn with_session<T>(
    store: &mut Store,
    work: impl FnOnce(&mut Session, &mut Store, &mut Http, &mut Env<'_>) -> Result<T, NodeError>,
) -> Result<T, NodeError> {
    let mut session = Session::open(store)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    let mut random = rempart_node::system_random;
    let mut env = Env { clock: rempart_store::Clock::System, random: &mut random };
    work(&mut session, store, &mut transport, &mut env)
}

async fn invite(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<InviteForm>,
) -> Response {
    let lang = viewer.lang;
    let mut problems = Problems::default();
    let role = match form.role.as_str() {
        "" | "member" => Some(Role::Member),
        "admin" => Some(Role::Admin),
        _ => {
            problems.set("role", lang.text("web.devices.bad_role").to_owned());
            None
        }
    };
    let series = form.series.trim().to_owned();
    if !rempart_sync::roster::series_valid(&series) {
        let error = NodeError::Local(rempart_node::Local::BadSeries { series: series.clone() });
        problems.set("series", error.speak(lang));
    }
    let hours =
        if form.hours.trim().is_empty() { Some(INVITE_HOURS_DEFAULT) } else { form.hours.trim().parse::<u64>().ok() };
    let hours = hours.filter(|hours| (1..=24 * 31).contains(hours));
    if hours.is_none() {
        problems.set("hours", lang.text("web.devices.bad_hours").to_owned());
    }
    let (Some(role), Some(hours), true) = (role, hours, problems.is_empty()) else {
        return show(&app, &viewer, &form, &problems, None).await;
    };
    let chosen = series.clone();
    let outcome = app
        .run_with_hub(move |store| {
            Ok(with_session(store, |session, store, transport, env| {
                session.invite(store, transport, env, role, hours * 3_600_000, Some(&chosen))
            }))
        })
        .await;
    match outcome {
        Ok(Ok(code)) => {
            let made = Made { code, hours, series };
            show(&app, &viewer, &InviteForm::default(), &Problems::default(), Some(&made)).await
        }
        Ok(Err(
            error @ NodeError::Local(rempart_node::Local::SeriesTaken { .. } | rempart_node::Local::BadSeries { .. }),
        )) => {
            problems.set("series", error.speak(lang));
            show(&app, &viewer, &form, &problems, None).await
        }
        Ok(Err(error)) => {
            problems.form = Some(error.speak(lang));
            show(&app, &viewer, &form, &problems, None).await
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn revoke(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let lang = viewer.lang;
    let outcome = app
        .run_with_hub(move |store| {
            Ok(with_session(store, |session, store, transport, env| {
                // The roster as it stands, and what the device wrote up to now, first.
                session.sync(store, transport, env)?;
                let device = session
                    .roster
                    .members()
                    .keys()
                    .copied()
                    .find(|node| node.to_hex() == id)
                    .ok_or_else(|| NodeError::Local(rempart_node::Local::NoSuchDevice { id: id.clone() }))?;
                // An admin device holds the recovery secret: revoking one renews the recovery
                // kit, which the command line writes down (`rempart device revoke`).
                if session.roster.revoking_renews_recovery(device) {
                    return Err(NodeError::Local(rempart_node::Local::RenewsKit));
                }
                session.revoke_with(store, transport, env, device, false).map(|_| ())
            }))
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/settings/devices").into_response(),
        Ok(Err(error)) => {
            let problems = Problems { form: Some(error.speak(lang)), ..Problems::default() };
            show(&app, &viewer, &InviteForm::default(), &problems, None).await
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}
