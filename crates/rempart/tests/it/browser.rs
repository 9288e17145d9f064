//! The web app in a real browser (Debian's Chromium, driven by ChromeDriver through WebDriver),
//! as the garage owner of the Swiss incident uses it: a customer with a vehicle, a draft with a
//! catalogue line and a free line, a line fixed, the invoice issued, its PDF opened, a partial
//! payment, a reminder, the final payment; in French and in German, every label found by its
//! words in the catalogue. Receivables end at zero and the trial balance is the command line's
//! for the same cycle. At the workshop's till, the cashier sells by keyboard alone (three barcodes,
//! a quantity, a discount, a split cash and card payment), takes a ticket back and closes the
//! drawer; each receipt's text is checked. A cashier is refused the books, a form without its CSRF token is refused,
//! an idle session ends. Each page is saved as a screenshot under `target/tmp/screenshots`.
//!
//! The browser is one for the whole test (the suite's only one). `.ci/run` installs `chromium`
//! and `chromium-driver`; without them this test fails, it is never skipped.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fantoccini::{Client, ClientBuilder, Locator};
use rempart_i18n::Lang;

use crate::{Company, csv_rows, draft_of, number_of};

const OWNER_PASSWORD: &str = "the owner's long password";
const CASHIER_PASSWORD: &str = "the cashier's long password";

/// ChromeDriver on a port it was given, stopped with the test.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver, installed by .ci/run)");
    // ChromeDriver says when it listens: the test waits for that line, not for a time.
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let started = lines.by_ref().map_while(Result::ok).any(|line| line.contains("started successfully"));
    assert!(started, "chromedriver did not start");
    std::thread::spawn(move || lines.for_each(drop));
    Driver { child, url: format!("http://127.0.0.1:{port}") }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1100", format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// The browser's side of the test: the app's address, screenshots, and the words of the page's
/// language.
struct Page<'a> {
    client: &'a Client,
    base: String,
    lang: Lang,
    shots: PathBuf,
    taken: usize,
}

impl Page<'_> {
    async fn go(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    async fn text(&self) -> String {
        self.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
    }

    async fn title(&self) -> String {
        self.client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap()
    }

    async fn shot(&mut self, name: &str) {
        self.taken += 1;
        let png = self.client.screenshot().await.unwrap();
        let path = self.shots.join(format!("{}-{:02}-{name}.png", self.lang.code(), self.taken));
        std::fs::write(path, png).unwrap();
    }

    /// Types `value` into the field whose label is the catalogue's `key` (checked), found by its
    /// id.
    async fn fill(&self, id: &str, key: &str, value: &str) {
        let label = self.client.find(Locator::XPath(&format!("//label[@for='{id}']"))).await.unwrap();
        assert_eq!(label.text().await.unwrap().trim(), self.lang.text(key), "the label of {id}");
        let field = self.client.find(Locator::XPath(&format!("//*[@id='{id}']"))).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Chooses the option `value` of the select whose label is the catalogue's `key`.
    async fn choose(&self, id: &str, key: &str, value: &str) {
        let label = self.client.find(Locator::XPath(&format!("//label[@for='{id}']"))).await.unwrap();
        assert_eq!(label.text().await.unwrap().trim(), self.lang.text(key), "the label of {id}");
        let select = self.client.find(Locator::XPath(&format!("//select[@id='{id}']"))).await.unwrap();
        select.select_by_value(value).await.unwrap();
    }

    /// Presses the button whose words are the catalogue's `key`, inside the element `scope`
    /// (an XPath), and waits for the next page.
    async fn press(&self, scope: &str, key: &str) {
        let xpath = format!("{scope}//button[normalize-space(.)={}]", xpath_text(self.lang.text(key)));
        let button = self.client.find(Locator::XPath(&xpath)).await.unwrap_or_else(|_| panic!("button {key}"));
        self.click_and_wait(button).await;
    }

    /// Clicks an element that leads to another page, and waits until the page it was on is gone
    /// and the next one has its content.
    async fn click_and_wait(&self, element: fantoccini::elements::Element) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        element.click().await.unwrap();
        let start = std::time::Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(start.elapsed() < std::time::Duration::from_secs(20), "the next page never came");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.client.wait().for_element(Locator::Css("main")).await.unwrap();
    }

    /// Types `keys` into the element that has the focus, then Enter, and waits for the next page.
    async fn type_and_wait(&self, keys: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        let focused = self.client.active_element().await.unwrap();
        focused.send_keys(&format!("{keys}{}", &*fantoccini::key::Key::Enter)).await.unwrap();
        let start = std::time::Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(start.elapsed() < std::time::Duration::from_secs(20), "the next page never came");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.client.wait().for_element(Locator::Css("main")).await.unwrap();
    }

    /// Presses Tab until the element `id` has the focus, as a person without a mouse would.
    async fn tab_to(&self, id: &str) {
        let mut tabs = 0;
        while self.focused().await != id {
            tabs += 1;
            assert!(tabs < 60, "{id} is out of the keyboard's reach");
            self.client.active_element().await.unwrap().send_keys(&fantoccini::key::Key::Tab).await.unwrap();
        }
    }

    /// The id of the element that has the focus.
    async fn focused(&self) -> String {
        let element = self.client.active_element().await.unwrap();
        element.attr("id").await.unwrap().unwrap_or_default()
    }

    /// Fetches the document the link of words `link` opens, with the browser's own session,
    /// into a file named after `name`; checks it is a PDF.
    async fn download(&self, link: &str, name: &str) -> PathBuf {
        let link = self.client.find(Locator::LinkText(link)).await.unwrap();
        let href = link.attr("href").await.unwrap().unwrap();
        let cookie = self.client.get_named_cookie("rempart_session").await.unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut answer = agent
            .get(&format!("{}{href}", self.base))
            .header("cookie", &format!("rempart_session={}", cookie.value()))
            .call()
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.body_mut().read_to_string().unwrap_or_default());
        assert_eq!(answer.headers().get("content-type").unwrap(), "application/pdf");
        let bytes = answer.body_mut().read_to_vec().unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let path = self.shots.join(format!("{}-{name}.pdf", self.lang.code()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Sets the person's own language on their page, which shows in `shown` until then: their
    /// stored setting wins over the one chosen before logging in.
    async fn speak(&mut self, shown: Lang) {
        let lang = self.lang;
        self.lang = shown;
        self.go("/me").await;
        assert_eq!(self.title().await, shown.text("web.me.title"));
        self.choose("field-lang", "web.me.language", lang.code()).await;
        self.press("//main", "web.save").await;
        self.lang = lang;
        assert_eq!(self.title().await, lang.text("web.me.title"));
    }

    async fn log_in(&self, user: &str, password: &str) {
        self.go("/login").await;
        // The language chosen on the login page, by its name in itself.
        let xpath = format!("//form[@action='/language']//button[@value='{}']", self.lang.code());
        let button = self.client.find(Locator::XPath(&xpath)).await.unwrap();
        assert_eq!(button.text().await.unwrap(), self.lang.text("web.me.language_name"));
        self.click_and_wait(button).await;
        assert_eq!(self.title().await, self.lang.text("web.login.title"));
        self.fill("field-user", "web.login.user", user).await;
        self.fill("field-password", "web.login.password", password).await;
        self.press("//main", "web.login.submit").await;
    }
}

/// A text as an XPath string literal.
fn xpath_text(text: &str) -> String {
    if text.contains('\'') {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    } else {
        format!("'{text}'")
    }
}

/// A Swiss garage with what the cycle needs: its bank details and reminder fee, a vehicle
/// record for contacts, labour in the catalogue.
fn garage() -> Company {
    let company = Company::new("CH");
    company.in_morges(&["qr_iban=CH44 3199 9123 0008 8901 2", "dunning_1_days=10", "dunning_1_fee=10.00"]);
    company.ok(&["contact", "field", "add", "vehicle.plate", "--label", "Plaque", "--type", "text"]);
    // Oil sold over the counter, on the workshop's till (a sale is posted at the day's closure:
    // the books below are the same as the command line's).
    company.ok(&["location", "add", "AT", "--label", "Atelier Morges", "--kind", "store"]);
    company.ok(&[
        "item",
        "add",
        "OIL",
        "--label",
        "Huile 5W-30 (1 l)",
        "--price",
        "18.50",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    company.ok(&["sku", "add", "OIL-1L", "--item", "OIL", "--barcode", "4006381333931"]);
    for (item, label, price, barcode) in [
        ("FLT", "Filtre à huile", "27.75", "7612345000015"),
        ("WPR", "Balais d'essuie-glace", "46.25", "7612345000022"),
        ("BLB", "Ampoule H7", "9.25", "7612345000039"),
    ] {
        company.ok(&["item", "add", item, "--label", label, "--price", price, "--vat", "N81", "--account", "3200"]);
        company.ok(&["sku", "add", &format!("{item}-1"), "--item", item, "--barcode", barcode]);
    }
    company.ok(&["till", "bind", "AT-1", "--location", "AT"]);
    company.ok(&[
        "item",
        "add",
        "MO",
        "--label",
        "Main-d'œuvre",
        "--unit",
        "h",
        "--price",
        "120.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    company
}

/// The books of `books_in_the_browser`, typed: a supplier's bill recorded and paid, an entry
/// recorded and reversed.
fn command_line_books(company: &Company, supplier: &str, reference: &str) {
    let second_word = |output: String| output.split_whitespace().nth(1).expect("an id").to_owned();
    company.ok(&[
        "bill",
        "add",
        "--supplier",
        supplier,
        "--ref",
        reference,
        "--date",
        "02.10.2026",
        "--line",
        "4000=200.00:IN81",
    ]);
    company.ok(&["bill", "pay", "--supplier", supplier, "--reference", reference, "--date", "15.10.2026"]);
    let entry = second_word(company.ok(&[
        "entry",
        "add",
        "--date",
        "03.10.2026",
        "--text",
        "Apport",
        "--post",
        "1000=500.00",
        "--post",
        "2800=-500.00",
    ]));
    company.ok(&["entry", "reverse", &entry, "--date", "04.10.2026"]);
}

/// The same cycle on the command line: what the browser does, typed.
fn command_line_cycle(company: &Company, name: &str, plate: &str) {
    let contact = company.ok(&[
        "contact",
        "add",
        "--name",
        name,
        "--set",
        "postcode=1196",
        "--set",
        "town=Gland",
        "--set",
        &format!("vehicle.1.plate={plate}"),
    ]);
    // "Contact 1 added.": the customer's short number is the second word.
    let contact = contact.split_whitespace().nth(1).expect("a contact number").to_owned();
    assert!(contact.chars().all(|c| c.is_ascii_digit()), "a first node's customers are numbered 1, 2, …: {contact}");
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", &contact, "--date", "01.10.2026"]));
    company.ok(&["invoice", "line", &draft, "--item", "MO", "--qty", "1.5"]);
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Plaquettes de frein",
        "--price",
        "80.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    company.ok(&[
        "invoice",
        "change-line",
        &draft,
        "2",
        "--text",
        "Plaquettes de frein",
        "--price",
        "85.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&[
        "payment",
        "add",
        "--contact",
        &contact,
        "--amount",
        "100.00",
        "--date",
        "05.11.2026",
        "--invoice",
        &number,
    ]);
    company.ok(&["invoice", "remind", &number, "--date", "15.11.2026"]);
    let open = csv_rows(&company.ok(&["report", "receivables", "--to", "2026-11-20", "--format", "csv"]));
    let row = open.iter().find(|row| row.iter().any(|cell| cell == &number)).expect("the invoice is open");
    let header = company.ok(&["report", "receivables", "--to", "2026-11-20", "--format", "csv"]);
    let columns: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    let amount = &row[columns.iter().position(|column| *column == "open").expect("an open column")];
    company.ok(&[
        "payment",
        "add",
        "--contact",
        &contact,
        "--amount",
        amount,
        "--date",
        "20.11.2026",
        "--invoice",
        &number,
    ]);
}

fn trial_balance(company: &Company) -> String {
    company.ok(&["report", "trial-balance", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv"])
}

/// The garage cycle in one language, on the page as a person sees it.
async fn browser_cycle(page: &mut Page<'_>, name: &str, plate: &str) {
    let lang = page.lang;

    // A customer with a vehicle.
    page.go("/contacts/new").await;
    assert_eq!(page.title().await, lang.text("web.contacts.new"));
    page.fill("field-name", "web.contact.name", name).await;
    page.fill("field-postcode", "web.contact.postcode", "1196").await;
    page.fill("field-town", "web.contact.town", "Gland").await;
    let plate_field = page.client.find(Locator::XPath("//*[@id='field-vehicle.1.plate']")).await.unwrap();
    plate_field.send_keys(plate).await.unwrap();
    page.shot("new-contact").await;
    page.press("//main", "web.save").await;
    assert_eq!(page.title().await, name);
    assert!(page.text().await.contains(plate), "the vehicle is shown as a record");
    page.shot("contact").await;
    // Found by its plate, whatever the spaces and the case.
    page.go(&format!("/contacts?q={}", plate.replace(' ', "").to_lowercase())).await;
    assert!(page.text().await.contains(name), "found by plate");

    // A quote for the customer picked by name.
    page.go("/quotes/new").await;
    page.fill("field-customer", "web.invoice.customer", name).await;
    page.fill("field-date", "web.invoice.date", "01.10.2026").await;
    page.fill("field-valid_until", "quote.valid_until", "31.10.2026").await;
    // For the customer's car, typed as it comes (its record was made with the contact).
    page.fill("field-vehicle", "web.vehicle.plate", &plate.replace(' ', "").to_lowercase()).await;
    page.fill("field-mileage", "web.vehicle.mileage", "120000").await;
    page.shot("new-quote").await;
    page.press("//main", "web.quote.create").await;
    let draft_title = lang.fill("web.quote.draft_of", &[("customer", &name), ("date", &"01.10.2026")]);
    assert_eq!(page.title().await, draft_title);
    assert!(page.text().await.contains(&format!("{plate} · 120'000 km")), "the quote names the vehicle");

    // A line from the catalogue, a free line, then the free line fixed.
    page.choose("add-item", "web.line.item", "MO").await;
    page.fill("add-qty", "web.line.quantity", "1.5").await;
    page.press("//section", "web.line.add").await;
    page.fill("add-text", "web.line.text", "Plaquettes de frein").await;
    page.fill("add-qty", "web.line.quantity", "1").await;
    page.fill("add-price", "web.line.price", "80.00").await;
    page.choose("add-vat", "web.line.vat", "N81").await;
    page.choose("add-account", "web.line.account", "3400").await;
    page.press("//section", "web.line.add").await;
    let change = lang.fill("web.line.change_n", &[("line", &2)]);
    let summary = Locator::XPath(&format!("//summary[normalize-space(.)={}]", xpath_text(&change)));
    page.client.find(summary).await.unwrap().click().await.unwrap();
    page.fill("line-2-price", "web.line.price", "85.00").await;
    page.shot("draft-quote").await;
    page.press("//details[@open]", "web.save").await;
    let price = page.client.find(Locator::XPath("//table[@id='lines']/tbody/tr[2]/td[3]")).await.unwrap();
    assert_eq!(price.text().await.unwrap(), "85.00", "the line was fixed");

    // Sent: numbered in the quote series; its PDF is the quote, in the customer's language.
    page.press("//main", "web.quote.send").await;
    let quote = page.path().await.trim_start_matches("/quotes/").to_owned();
    assert!(quote.starts_with("OF-2026-"), "{quote}");
    assert!(page.title().await.contains(&quote));
    page.shot("quote-sent").await;
    let printed = crate::documents::pdf_text(&page.download(lang.text("web.quote.pdf"), &quote).await);
    let title = format!("Devis {quote}");
    for expected in [title.as_str(), "Valable jusqu'au", "31.10.2026", "Plaquettes de frein", "85.00"] {
        assert!(printed.contains(expected), "{expected} is not in the quote:\n{printed}");
    }

    // Accepted: the invoice's draft, with the quote's lines and vehicle, dated the day of the
    // acceptance, at the mileage read when the car came in.
    page.fill("accept-date", "web.quote.accept_date", "01.10.2026").await;
    page.fill("accept-mileage", "web.quote.accept_mileage", "120150").await;
    page.press("//main", "web.quote.accept").await;
    assert!(page.path().await.starts_with("/invoices/D-"), "{}", page.path().await);
    let draft_title = lang.fill("web.invoice.draft_of", &[("customer", &name), ("date", &"01.10.2026")]);
    assert_eq!(page.title().await, draft_title);
    let price = page.client.find(Locator::XPath("//table[@id='lines']/tbody/tr[2]/td[3]")).await.unwrap();
    assert_eq!(price.text().await.unwrap(), "85.00", "the quote's lines");
    page.shot("draft").await;

    // Issued: the page is the invoice's, by its number.
    page.press("//main", "web.invoice.issue").await;
    let number = page.path().await.trim_start_matches("/invoices/").to_owned();
    assert!(crate::is_invoice_number(&number), "{number}");
    assert!(page.title().await.contains(&number));
    page.shot("issued").await;

    // The vehicle's history: the quote and the invoice, each with its mileage.
    let link = page.client.find(Locator::LinkText(plate)).await.unwrap();
    page.click_and_wait(link).await;
    assert_eq!(page.title().await, plate);
    let visits = page.client.find(Locator::Css("#visits")).await.unwrap().text().await.unwrap();
    for expected in [quote.as_str(), number.as_str(), "120'000 km", "120'150 km"] {
        assert!(visits.contains(expected), "{expected} is not in the vehicle's history:\n{visits}");
    }
    page.shot("vehicle").await;
    page.go(&format!("/invoices/{number}")).await;

    // The PDF, with the browser's own session.
    let link = page.client.find(Locator::LinkText(lang.text("web.invoice.pdf"))).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    let cookie = page.client.get_named_cookie("rempart_session").await.unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut pdf = agent
        .get(&format!("{}{href}", page.base))
        .header("cookie", &format!("rempart_session={}", cookie.value()))
        .call()
        .unwrap();
    assert_eq!(pdf.status(), 200, "{}", pdf.body_mut().read_to_string().unwrap_or_default());
    assert_eq!(pdf.headers().get("content-type").unwrap(), "application/pdf");
    assert!(pdf.body_mut().read_to_vec().unwrap().starts_with(b"%PDF-"));

    // A partial payment, a reminder with its fee, the final payment (the open amount offered).
    page.fill("pay-amount", "web.payment.amount", "100.00").await;
    page.fill("pay-date", "web.payment.date", "05.11.2026").await;
    page.press("//main", "web.payment.record").await;
    page.shot("partly-paid").await;
    page.fill("remind-date", "web.reminder.date", "15.11.2026").await;
    page.press("//main", "web.reminder.send").await;
    assert!(page.text().await.contains(lang.text("web.invoice.fees")));
    page.shot("reminded").await;
    page.fill("pay-date", "web.payment.date", "20.11.2026").await;
    page.press("//main", "web.payment.record").await;
    let text = page.text().await;
    assert!(text.contains(lang.text("web.status.paid")), "{text}");
    page.shot("paid").await;
    // The history names who did each step.
    assert!(text.contains(&lang.fill("web.history.by", &[("name", &"Anna")])), "{text}");
    // The customer's page lists the invoice and the payments that settled it, by number.
    let number = page.path().await.rsplit('/').next().unwrap().to_owned();
    page.go(&format!("/contacts?q={}", name.replace(' ', "%20"))).await;
    let link = main_link(page, name).await;
    page.click_and_wait(link).await;
    let text = page.text().await;
    assert!(text.contains(lang.text("web.contact.payments")), "{text}");
    assert!(text.matches(&number).count() >= 3, "the invoice and its two payments name {number}: {text}");
    page.shot("customer-account").await;
}

/// A supplier's bill recorded and paid, and a journal entry typed and reversed, in the app (the
/// command line does the same in `command_line_books`); then the settings and devices pages.
async fn books_in_the_browser(page: &mut Page<'_>, supplier: &str, reference: &str) {
    let lang = page.lang;
    let client = page.client;
    let pick = |id: &'static str, value: &'static str| async move {
        let select = client.find(Locator::XPath(&format!("//select[@id='{id}']"))).await.unwrap();
        select.select_by_value(value).await.unwrap();
    };
    page.go("/bills").await;
    assert_eq!(page.title().await, lang.text("web.bills.title"));
    page.fill("field-supplier", "web.bill.supplier", supplier).await;
    page.fill("field-reference", "web.bill.reference", reference).await;
    page.fill("field-date", "web.invoice.date", "02.10.2026").await;
    pick("field-account_1", "4000").await;
    page.fill("field-net_1", "web.bill.net", "200.00").await;
    pick("field-vat_1", "IN81").await;
    page.shot("bill-new").await;
    page.press("//main", "web.bill.record").await;
    let link = page.client.find(Locator::XPath(&format!("//main//a[normalize-space(.)='{reference}']"))).await.unwrap();
    page.click_and_wait(link).await;
    page.fill("pay-date", "web.payment.date", "15.10.2026").await;
    page.shot("bill").await;
    page.press("//main", "web.bill.pay").await;
    assert!(page.text().await.contains(lang.text("web.status.paid")), "the bill is paid");
    page.shot("bill-paid").await;

    page.go("/journal").await;
    page.fill("field-date", "web.invoice.date", "03.10.2026").await;
    page.fill("field-text", "web.entry.text", "Apport").await;
    pick("field-account_1", "1000").await;
    let typed = |id: &'static str, value: &'static str| async move {
        let field = client.find(Locator::XPath(&format!("//input[@id='{id}']"))).await.unwrap();
        field.send_keys(value).await.unwrap();
    };
    typed("field-debit_1", "500.00").await;
    pick("field-account_2", "2800").await;
    typed("field-credit_2", "500.00").await;
    page.shot("entry-new").await;
    page.press("//main", "web.entry.record").await;
    let reversal = page
        .client
        .find(Locator::XPath("//main//tbody/tr[td='Apport']//input[starts-with(@id, 'field-reverse_')]"))
        .await
        .unwrap();
    reversal.send_keys("04.10.2026").await.unwrap();
    page.press("//main//tbody/tr[td='Apport']", "web.entry.reverse").await;
    // The entry says by which entry it was reversed, and no reversal is offered again.
    let words = lang.fill("web.entry.reversed_by", &[("entry", &"")]);
    assert!(page.text().await.contains(words.trim()), "{words}");
    let offered = "//main//tbody/tr[td='Apport']//input[starts-with(@id, 'field-reverse_')]";
    assert!(client.find_all(Locator::XPath(offered)).await.unwrap().is_empty());
    page.shot("entry-reversed").await;

    page.go("/settings").await;
    assert_eq!(page.title().await, lang.text("web.company.title"));
    // The logo, sent as a file from its form, then shown on the page.
    let logo_dir = tempfile::tempdir().unwrap();
    let logo = logo_dir.path().join("logo.png");
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, 240, 80);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let pixels: Vec<u8> = (0..240 * 80).flat_map(|index: u32| [(index % 240) as u8, 90, 160]).collect();
    encoder.write_header().and_then(|mut writer| writer.write_image_data(&pixels)).unwrap();
    std::fs::write(&logo, &png).unwrap();
    let label = client.find(Locator::XPath("//label[@for='field-logo']")).await.unwrap();
    assert_eq!(label.text().await.unwrap().trim(), lang.text("web.company.logo_file"));
    let file = client.find(Locator::Id("field-logo")).await.unwrap();
    file.send_keys(&logo.display().to_string()).await.unwrap();
    page.press("//main", "web.company.logo_send").await;
    assert!(client.find(Locator::Css("img.logo")).await.is_ok(), "the logo is shown");
    page.shot("settings").await;
    page.go("/settings/devices").await;
    assert!(page.text().await.contains(lang.text("web.devices.no_hub")));
    page.shot("devices").await;
    // A person's page, where the owner gives another role or takes the access away, and the
    // owner's own page with the form of their password.
    page.go("/settings/users").await;
    let bea = main_link(page, "Bea").await;
    page.click_and_wait(bea).await;
    assert_eq!(page.title().await, "Bea");
    let label = page.client.find(Locator::XPath("//label[@for='field-password']")).await.unwrap();
    assert_eq!(label.text().await.unwrap().trim(), lang.text("web.users.new_password"));
    page.shot("person").await;
    page.go("/me").await;
    let label = page.client.find(Locator::XPath("//label[@for='field-current']")).await.unwrap();
    assert_eq!(label.text().await.unwrap().trim(), lang.text("web.me.current_password"));
    page.shot("me").await;
}

/// The link of the page's main part whose text is `text`.
async fn main_link(page: &Page<'_>, text: &str) -> fantoccini::elements::Element {
    page.client.find(Locator::XPath(&format!("//main//a[normalize-space(.)='{text}']"))).await.unwrap()
}

#[test]
fn the_garage_cycle_in_a_real_browser() {
    let web = garage();
    let owner_file = web.write("owner.txt", OWNER_PASSWORD);
    let cashier_file = web.write("cashier.txt", CASHIER_PASSWORD);
    web.ok(&["user", "add", "Anna", "--role", "owner", "--password-file", crate::path_arg(&owner_file)]);
    web.ok(&[
        "user",
        "add",
        "Bea",
        "--role",
        "cashier",
        "--password-file",
        crate::path_arg(&cashier_file),
        "--owner",
        "Anna",
        "--owner-password-file",
        crate::path_arg(&owner_file),
    ]);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // The server in this process, on a clock the test moves (for the idle session).
    let clock = Arc::new(AtomicU64::new(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64,
    ));
    let mut config = rempart_web::Config::new(&web.dir, "127.0.0.1:0".parse().unwrap());
    let reading = Arc::clone(&clock);
    config.now_ms = Arc::new(move || reading.load(Ordering::SeqCst));
    let running = rempart_web::start(config).unwrap();
    let base = format!("http://{}", running.addr);

    let driver = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = browser(&driver, profile.path()).await;
        // Anna has no language of her own at first: the login page's choice holds. Once she has
        // chosen one, it holds whatever the browser says.
        let mut setting = Lang::Fr;
        for (lang, name, plate) in [(Lang::Fr, "Jean Favre", "VD 123 456"), (Lang::De, "Hans Müller", "BE 98 765")] {
            let mut page = Page { client: &client, base: base.clone(), lang, shots: shots.clone(), taken: 0 };
            page.log_in("Anna", OWNER_PASSWORD).await;
            page.speak(setting).await;
            setting = lang;
            browser_cycle(&mut page, name, plate).await;
            page.go("/dashboard").await;
            assert!(page.text().await.contains(lang.text("web.dashboard.nothing_open")), "no receivables left");
            page.shot("dashboard").await;
            // The journal names who recorded each entry.
            page.go("/reports?kind=journal&from=01.10.2026&to=31.12.2026").await;
            let recorded_by = page.client.find(Locator::XPath("//table/tbody/tr[1]/td[last()]")).await.unwrap();
            assert_eq!(recorded_by.text().await.unwrap(), "Anna");
            page.shot("journal").await;
            books_in_the_browser(&mut page, name, if lang == Lang::Fr { "F-1001" } else { "F-1002" }).await;
            page.press("//header", "web.logout").await;
        }

        // The cashier lands on the till and sells with the keyboard alone: the float, a scanned
        // barcode, three more typed as 3*CODE, 10 % off, Tab to the cash field, the change.
        let mut page = Page { client: &client, base: base.clone(), lang: Lang::De, shots: shots.clone(), taken: 0 };
        page.log_in("Bea", CASHIER_PASSWORD).await;
        assert_eq!(page.path().await, "/till");
        assert_eq!(page.title().await, Lang::De.text("web.till.title"));
        assert_eq!(page.focused().await, "field-float");
        page.type_and_wait("200").await;
        assert_eq!(page.focused().await, "field-scan");
        page.type_and_wait("4006381333931").await;
        page.type_and_wait("3*OIL-1L").await;
        page.type_and_wait("-10%").await;
        // 4 × 20.00 (18.50 + 8.1 %) - 10 % = 72.00.
        page.shot("till-basket").await;
        let total = page.client.find(Locator::Id("till-total")).await.unwrap().text().await.unwrap();
        assert_eq!(total, "72.00");
        page.tab_to("field-cash").await;
        page.type_and_wait("100").await;
        let change = page.client.find(Locator::Id("till-change")).await.unwrap().text().await.unwrap();
        assert_eq!(change, Lang::De.fill("web.till.change", &[("change", &"28.00")]));
        let number = page.client.find(Locator::Id("receipt-number")).await.unwrap().text().await.unwrap();
        assert_eq!(number, "AT-1-000001");
        page.shot("till-receipt").await;
        // Enter on the next sale's link, which has the focus.
        page.type_and_wait("").await;
        assert_eq!(page.path().await, "/till");

        // Three barcodes scanned (20.00 + 30.00 + 50.00 - 10 %), paid 50.00 in cash and the rest
        // by card; then the first ticket taken back, paid back in cash; the drawer closed.
        for barcode in ["7612345000015", "7612345000022", "4006381333931", "-10%"] {
            page.type_and_wait(barcode).await;
        }
        let total = page.client.find(Locator::Id("till-total")).await.unwrap().text().await.unwrap();
        assert_eq!(total, "90.00");
        page.tab_to("field-cash").await;
        page.client.active_element().await.unwrap().send_keys("50").await.unwrap();
        page.tab_to("field-card").await;
        page.type_and_wait("40").await;
        let receipt = page.client.find(Locator::Css("article.receipt")).await.unwrap().text().await.unwrap();
        for expected in ["Filtre à huile", "Balais d'essuie-glace", "AT-1-000002", "50.00", "40.00", "-5.00"] {
            assert!(receipt.contains(expected), "{expected} in {receipt}");
        }
        assert!(receipt.contains(&Lang::De.fill("web.till.vat_included", &[("rate", &"8.10"), ("gross", &"90.00")])));
        page.shot("till-split").await;
        page.type_and_wait("").await;
        page.tab_to("field-return-ticket").await;
        page.type_and_wait("AT-1-000001").await;
        let paid_back = page.client.find(Locator::Id("till-change")).await.unwrap().text().await.unwrap();
        assert_eq!(paid_back, Lang::De.fill("web.till.paid_back", &[("amount", &"72.00")]));
        let returned = page.client.find(Locator::Css("article.receipt")).await.unwrap().text().await.unwrap();
        assert!(returned.contains("AT-1-000003") && returned.contains("AT-1-000001"), "{returned}");
        page.shot("till-return").await;
        page.type_and_wait("").await;
        // 200.00 float + 100.00 - 28.00 change + 50.00 - 72.00 paid back = 250.00.
        page.tab_to("field-counted").await;
        page.type_and_wait("249.50").await;
        let closed = page.text().await;
        let expected = Lang::De
            .fill("web.till.closed", &[("expected", &"250.00"), ("counted", &"249.50"), ("difference", &"-0.50")]);
        assert!(closed.contains(&expected), "{closed}");
        page.shot("till-closed").await;

        // The cashier is refused the books and the customers, in words.
        for path in ["/dashboard", "/contacts", "/invoices"] {
            page.go(path).await;
            assert_eq!(page.title().await, Lang::De.text("web.forbidden.title"), "{path}");
        }
        page.shot("cashier-refused").await;
        page.press("//header", "web.logout").await;

        // A form whose token was taken away records nothing.
        let mut page = Page { client: &client, base: base.clone(), lang: Lang::Fr, shots: shots.clone(), taken: 10 };
        page.log_in("Anna", OWNER_PASSWORD).await;
        page.speak(setting).await;
        page.go("/contacts/new").await;
        page.fill("field-name", "web.contact.name", "Sans Jeton").await;
        page.client.execute("document.querySelector('main input[name=csrf]').value = 'forged';", vec![]).await.unwrap();
        page.press("//main", "web.save").await;
        assert_eq!(page.title().await, Lang::Fr.text("web.csrf.title"));
        page.shot("csrf-refused").await;
        page.go("/contacts?q=Jeton").await;
        assert!(!page.text().await.contains("Sans Jeton"));

        // A session left idle is over: the next page asks for the login.
        clock.fetch_add(rempart_web::SESSION_IDLE.as_millis() as u64, Ordering::SeqCst);
        page.go("/invoices").await;
        assert_eq!(page.path().await, "/login");
        page.shot("session-expired").await;
        client.close().await.unwrap();
    });
    running.stop();

    // The command line, through the same cycle twice, gives the same books.
    let typed = garage();
    command_line_cycle(&typed, "Jean Favre", "VD 123 456");
    command_line_books(&typed, "Jean Favre", "F-1001");
    command_line_cycle(&typed, "Hans Müller", "BE 98 765");
    command_line_books(&typed, "Hans Müller", "F-1002");
    assert_eq!(trial_balance(&web), trial_balance(&typed));
    let open =
        |company: &Company| csv_rows(&company.ok(&["report", "receivables", "--to", "2026-12-31", "--format", "csv"]));
    assert!(open(&web).is_empty() && open(&typed).is_empty(), "zero receivables");
    web.ok(&["verify"]);
}
