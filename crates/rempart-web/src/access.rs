//! The one authorisation table: every route of the app with who may use it. The router's guard
//! (`guard`) reads it for every request, a route missing from it is refused to everyone, and
//! the tests iterate it (each role × each route).

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rempart_domain::users::Role;

use crate::App;
use crate::session::Viewer;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not: the login page, the health check, the style sheet.
    Public,
    /// Anyone logged in.
    Anyone,
    /// The roles named.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Anyone => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// One route of the app.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// The path as the router matches it (`/contacts/{id}`).
    pub path: &'static str,
    pub access: Access,
}

/// The owner alone: people and devices.
pub const OWNER: &[Role] = &[Role::Owner];
/// The books: entries, issuing, payments, reports.
pub const BOOKS: &[Role] = &[Role::Owner, Role::Accountant];
/// The till: its cashier and the owner.
pub const TILL: &[Role] = &[Role::Owner, Role::Cashier];
/// A ticket's receipt: whoever sells or keeps the books.
pub const RECEIPTS: &[Role] = &[Role::Owner, Role::Accountant, Role::Cashier];
/// Customers and their drafts: the mechanic too.
pub const CUSTOMERS: &[Role] = &[Role::Owner, Role::Accountant, Role::Mechanic];

const fn route(method: &'static str, path: &'static str, access: Access) -> Route {
    Route { method, path, access }
}

/// Every route, by module.
pub const ROUTES: &[Route] = &[
    // The app itself.
    route("GET", "/healthz", Access::Public),
    route("GET", "/assets/style.css", Access::Public),
    route("GET", "/login", Access::Public),
    route("POST", "/login", Access::Public),
    route("GET", "/setup", Access::Public),
    route("POST", "/setup", Access::Public),
    route("POST", "/language", Access::Public),
    route("POST", "/logout", Access::Anyone),
    route("GET", "/", Access::Anyone),
    route("GET", "/me", Access::Anyone),
    route("POST", "/me/language", Access::Anyone),
    route("POST", "/me/password", Access::Anyone),
    // Dashboard.
    route("GET", "/dashboard", Access::Roles(BOOKS)),
    // Contacts.
    route("GET", "/contacts", Access::Roles(CUSTOMERS)),
    route("GET", "/contacts/new", Access::Roles(CUSTOMERS)),
    route("POST", "/contacts", Access::Roles(CUSTOMERS)),
    route("GET", "/contacts/{id}", Access::Roles(CUSTOMERS)),
    route("POST", "/contacts/{id}/records/{record}", Access::Roles(CUSTOMERS)),
    // Catalogue: seen by whoever writes invoices, added to by the books.
    route("GET", "/catalogue", Access::Roles(CUSTOMERS)),
    route("POST", "/catalogue", Access::Roles(BOOKS)),
    // Invoices: drafts for customers (the mechanic too), issuing and money for the books.
    route("GET", "/invoices", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices", Access::Roles(CUSTOMERS)),
    route("GET", "/invoices/new", Access::Roles(CUSTOMERS)),
    route("GET", "/invoices/{id}", Access::Roles(CUSTOMERS)),
    route("GET", "/invoices/{id}/pdf", Access::Roles(CUSTOMERS)),
    route("GET", "/invoices/{id}/documents/{number}", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/lines", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/lines/{line}", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/lines/{line}/remove", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/discard", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/vehicle", Access::Roles(CUSTOMERS)),
    route("POST", "/invoices/{id}/issue", Access::Roles(BOOKS)),
    route("POST", "/invoices/{id}/payments", Access::Roles(BOOKS)),
    route("POST", "/invoices/{id}/remind", Access::Roles(BOOKS)),
    route("POST", "/invoices/{id}/credit", Access::Roles(BOOKS)),
    // Quotes: drafted, sent and answered by whoever writes invoice drafts; an acceptance makes one.
    route("GET", "/quotes", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes", Access::Roles(CUSTOMERS)),
    route("GET", "/quotes/new", Access::Roles(CUSTOMERS)),
    route("GET", "/quotes/{id}", Access::Roles(CUSTOMERS)),
    route("GET", "/quotes/{id}/pdf", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/lines", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/lines/{line}", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/lines/{line}/remove", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/discard", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/vehicle", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/send", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/accept", Access::Roles(CUSTOMERS)),
    route("POST", "/quotes/{id}/refuse", Access::Roles(CUSTOMERS)),
    // A customer's vehicle and its history.
    route("GET", "/vehicles/{contact}/{record}", Access::Roles(CUSTOMERS)),
    // Supplier bills and their payments: the books.
    route("GET", "/bills", Access::Roles(BOOKS)),
    route("POST", "/bills", Access::Roles(BOOKS)),
    route("GET", "/bills/{id}", Access::Roles(BOOKS)),
    route("POST", "/bills/{id}/pay", Access::Roles(BOOKS)),
    // Journal entries typed by hand, and reversals: the books.
    route("GET", "/journal", Access::Roles(BOOKS)),
    route("POST", "/journal", Access::Roles(BOOKS)),
    route("POST", "/journal/{id}/reverse", Access::Roles(BOOKS)),
    // Reports: the books.
    route("GET", "/reports", Access::Roles(BOOKS)),
    route("GET", "/reports/csv", Access::Roles(BOOKS)),
    // Replenishment: the proposals and the picking list for the books; approving sends goods:
    // the owner.
    route("GET", "/replenishment", Access::Roles(BOOKS)),
    route("POST", "/replenishment/approve", Access::Roles(OWNER)),
    route("GET", "/replenishment/picking", Access::Roles(BOOKS)),
    // Settings: the company's details (the books), devices and the hub (the owner).
    route("GET", "/settings", Access::Roles(BOOKS)),
    route("POST", "/settings/company", Access::Roles(BOOKS)),
    route("GET", "/settings/logo", Access::Roles(BOOKS)),
    route("POST", "/settings/logo", Access::Roles(BOOKS)),
    route("POST", "/settings/logo/remove", Access::Roles(BOOKS)),
    route("POST", "/settings/vat-method", Access::Roles(BOOKS)),
    route("GET", "/settings/devices", Access::Roles(OWNER)),
    route("POST", "/settings/devices/invite", Access::Roles(OWNER)),
    route("POST", "/settings/devices/{id}/revoke", Access::Roles(OWNER)),
    // Those who keep the books may sync at once; the app syncs by itself for everyone else.
    route("POST", "/sync", Access::Roles(BOOKS)),
    // The till screen: the cashier's; its receipts for the books too.
    route("GET", "/till", Access::Roles(TILL)),
    route("POST", "/till/scan", Access::Roles(TILL)),
    route("POST", "/till/pay", Access::Roles(TILL)),
    route("POST", "/till/open", Access::Roles(TILL)),
    route("POST", "/till/close", Access::Roles(TILL)),
    route("POST", "/till/return", Access::Roles(TILL)),
    route("POST", "/till/cash", Access::Roles(TILL)),
    route("POST", "/till/voucher", Access::Roles(TILL)),
    route("GET", "/till/vouchers/{number}", Access::Roles(TILL)),
    route("GET", "/till/tickets/{number}", Access::Roles(RECEIPTS)),
    route("GET", "/till/tickets/{number}/pdf", Access::Roles(RECEIPTS)),
    // Settings: people.
    route("GET", "/settings/users", Access::Roles(OWNER)),
    route("POST", "/settings/users", Access::Roles(OWNER)),
    route("GET", "/settings/users/{id}", Access::Roles(OWNER)),
    route("POST", "/settings/users/{id}", Access::Roles(OWNER)),
    route("POST", "/settings/users/{id}/remove", Access::Roles(OWNER)),
];

/// The table's entry for a request, if the table has one (a HEAD is its GET's).
pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD { "GET" } else { method.as_str() };
    ROUTES.iter().find(|route| route.method == method && route.path == path)
}

/// Refuses a request that is not for this app: a `Host` that is neither an address nor
/// `localhost` (a site whose name was made to point at this machine, DNS rebinding), unless the
/// app has TLS (a browser then checks the name against the certificate); and a form posted from
/// a page of another origin (`Origin` names another host or port).
pub async fn own_site(State(app): State<App>, request: Request, next: Next) -> Response {
    let host = request.headers().get(axum::http::header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("");
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let own_host = app.tls || name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok();
    let origin = request.headers().get(axum::http::header::ORIGIN).and_then(|value| value.to_str().ok());
    let same_origin =
        origin.is_none_or(|origin| origin.split_once("://").is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host)));
    let posted = request.method() != Method::GET && request.method() != Method::HEAD;
    if !own_host || (posted && !same_origin) {
        let mut response = crate::page::forbidden(&app, &request, None);
        response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

/// The headers every answer carries: nothing kept by caches (the books stay off the back button
/// of a shared machine), no framing by another page, no script, no guessing of content types.
pub async fn headers(mut response: Response) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Lets a request through only as the table says: a public route to anyone, another to a
/// logged-in person whose role it allows (the `Viewer` is then in the request's extensions); a
/// page asked without a session goes to the login page, anything else is refused.
pub async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let has_body = request.method() != Method::GET && request.method() != Method::HEAD;
    let mut response = decide(app, request, next).await;
    // A refusal leaves the body unread, and the connection cannot carry another request: the
    // client is told so, rather than finding it closed under its next request.
    if has_body && (response.status().is_client_error() || response.status().is_redirection()) {
        response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

async fn decide(app: App, mut request: Request, next: Next) -> Response {
    let Some(matched) = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned()) else {
        return crate::page::not_found(&app, &request).into_response();
    };
    let Some(route) = find(request.method(), &matched) else {
        // A route the table forgot is refused to everyone: the table is the only way in.
        tracing::error!(path = %matched, "a route is missing from the authorisation table");
        return crate::page::forbidden(&app, &request, None).into_response();
    };
    if route.access == Access::Public {
        return next.run(request).await;
    }
    // A request without a session, or whose session just ended: a page sends to the login, a
    // form is refused.
    let logged_out = |request: &Request| {
        if request.method() == Method::GET {
            let next_page = request.uri().path_and_query().map(|path| path.as_str()).unwrap_or("/");
            let query = serde_urlencoded::to_string([("next", next_page)]).unwrap_or_default();
            return Redirect::to(&format!("/login?{query}")).into_response();
        }
        crate::page::forbidden(&app, request, None).into_response()
    };
    let Some(viewer) = app.sessions.viewer(request.headers(), app.now()) else {
        return logged_out(&request);
    };
    // The person as the log says now: a role changed elsewhere counts from the next request, a
    // person who lost access loses their sessions, and so do the sessions opened with a password
    // since changed.
    let id = viewer.user.id.clone();
    let now = app
        .run(move |store| {
            let user = store.users()?.into_iter().find(|user| user.id == id);
            Ok((user, store.user_language(&id)?))
        })
        .await;
    let (user, language) = match now {
        Ok((Some(user), language)) => (user, language),
        Ok((None, _)) => {
            app.sessions.refresh(&viewer.user.id, None);
            return logged_out(&request);
        }
        Err(_) => return crate::page::forbidden(&app, &request, None).into_response(),
    };
    if user != viewer.user {
        app.sessions.refresh(&user.id, Some(user.clone()));
    }
    if user.key != viewer.key.public_hex() {
        return logged_out(&request);
    }
    // The language the person chose, else the browser's.
    let lang = language.as_deref().and_then(rempart_i18n::Lang::from_tag).unwrap_or(viewer.lang);
    let viewer = Viewer { role: user.role, user, lang, ..viewer };
    if !route.access.allows(viewer.role) {
        return crate::page::forbidden(&app, &request, Some(&viewer)).into_response();
    }
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

/// Where a person lands after logging in: the first page their role opens.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Owner | Role::Accountant => "/dashboard",
        Role::Mechanic => "/contacts",
        Role::Cashier => "/till",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_listed_once_and_each_home_is_open_to_its_role() {
        for (index, route) in ROUTES.iter().enumerate() {
            assert!(
                !ROUTES[..index].iter().any(|other| other.method == route.method && other.path == route.path),
                "{} {} twice",
                route.method,
                route.path
            );
        }
        for role in Role::ALL {
            let home = find(&Method::GET, home(role)).unwrap();
            assert!(home.access.allows(role), "{role:?}");
        }
        // The cashier sees the till and nothing of the books, reports or customer lists.
        let cashiers: Vec<&str> = ROUTES
            .iter()
            .filter(|route| route.access != Access::Public && route.access != Access::Anyone)
            .filter(|route| route.access.allows(Role::Cashier))
            .map(|route| route.path)
            .collect();
        assert!(!cashiers.is_empty());
        for path in cashiers {
            assert!(path.starts_with("/till"), "a cashier may open {path}");
        }
        // Only the owner manages people.
        for route in ROUTES.iter().filter(|route| route.path.starts_with("/settings/users")) {
            for role in [Role::Accountant, Role::Cashier, Role::Mechanic] {
                assert!(!route.access.allows(role), "{role:?} {}", route.path);
            }
        }
    }
}
