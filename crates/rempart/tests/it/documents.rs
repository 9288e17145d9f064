//! Invoice documents: the PDF is rendered by the binary, rasterised by poppler's `pdftoppm`
//! (installed by .ci/run), and its QR code decoded with `rqrr`; every field of the QR-bill payload
//! is checked against the invoice, the company and the customer. The printed text is read back
//! with `pdftotext`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Company, draft_of, number_of, path_arg};

/// Renders page `page` of `pdf` at 200 dpi without anti-aliasing; returns width, height
/// and one byte per pixel.
fn rasterise(pdf: &Path, page: usize) -> (usize, usize, Vec<u8>) {
    let prefix = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-singlefile", "-aa", "no", "-aaVector", "no"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (poppler-utils, installed by .ci/run)");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let file = std::fs::File::open(prefix.with_extension("png")).expect("rendered page");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("png header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut pixels).expect("png pixels");
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    pixels.truncate(info.buffer_size());
    // Some poppler versions write grey pages as RGB: keep one byte per pixel.
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let grey = pixels.chunks(channels).map(|pixel| pixel[0]).collect();
    (info.width as usize, info.height as usize, grey)
}

/// The text of every QR code found on the page.
pub fn decode_qr(pdf: &Path, page: usize) -> Vec<String> {
    let (width, height, pixels) = rasterise(pdf, page);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    image.detect_grids().iter().map(|grid| grid.decode().expect("QR code decodes").1).collect()
}

pub(crate) fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("utf-8 text")
}

fn page_count(pdf: &Path) -> usize {
    let output = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("a page count")
}

/// A Swiss garage with its details, a German-speaking customer and one issued invoice.
fn swiss_invoice(account: (&str, &str)) -> (Company, String) {
    let company = Company::new("CH");
    company.in_morges(&["vat_number=CHE-116.281.710 TVA"]);
    // The account asked: the QR-IBAN of `in_morges`, or an ordinary IBAN in its place.
    let clear = if account.0 == "iban" { "qr_iban" } else { "iban" };
    company.ok(&["company", "set", "--clear", clear, "--set", &format!("{}={}", account.0, account.1)]);
    company.ok(&[
        "contact",
        "add",
        "--id",
        "MUELLER",
        "--name",
        "Anna Müller-Schnyder",
        "--set",
        "street=Bahnhofstrasse",
        "--set",
        "building_number=7a",
        "--set",
        "postcode=8001",
        "--set",
        "town=Zürich",
        "--set",
        "language=de",
    ]);
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-04"]));
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Service 30 000 km",
        "--qty",
        "2.5",
        "--unit",
        "h",
        "--price",
        "120.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Huile moteur 5W30",
        "--qty",
        "4.5",
        "--price",
        "17.90",
        "--discount",
        "5",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    (company, number)
}

/// The invoice's total as `invoice list` gives it, in the plain form of the payload.
fn total_of(company: &Company, number: &str) -> String {
    let listed = company.ok(&["invoice", "list", "--format", "csv"]);
    let row = listed.lines().find(|line| line.starts_with(number)).expect("the invoice is listed").to_owned();
    row.rsplit(',').next().expect("an amount").to_owned()
}

#[test]
fn the_qr_bill_of_a_swiss_invoice_decodes_to_every_field_of_the_invoice() {
    let (company, number) = swiss_invoice(("qr_iban", "CH44 3199 9123 0008 8901 2"));
    let written = company.ok(&["invoice", "pdf", &number]);
    let pdf = company.dir.join("documents").join(format!("{number}.pdf"));
    assert!(written.contains(path_arg(&pdf)), "{written}");
    assert_eq!(page_count(&pdf), 1);

    let codes = decode_qr(&pdf, 1);
    assert_eq!(codes.len(), 1, "one QR code on the page");
    let fields: Vec<&str> = codes[0].split("\r\n").collect();
    assert_eq!(fields.len(), 31, "{fields:?}");
    assert_eq!(&fields[..3], ["SPC", "0200", "1"], "header, version, UTF-8 coding");
    assert_eq!(fields[3], "CH4431999123000889012", "the company's QR-IBAN");
    assert_eq!(&fields[4..11], ["S", "Garage Test SA", "Route de Genève", "12", "1110", "Morges", "CH"], "creditor");
    assert!(fields[11..18].iter().all(|field| field.is_empty()), "ultimate creditor stays empty");
    // 2.5 h x 120.00 + 4.5 x 17.90 - 5 % = 300.00 + 76.52 = 376.52, VAT 8.1 % 30.50.
    assert_eq!(fields[18], "407.02");
    assert_eq!(fields[18], total_of(&company, &number));
    assert_eq!(fields[19], "CHF");
    assert_eq!(
        &fields[20..27],
        ["S", "Anna Müller-Schnyder", "Bahnhofstrasse", "7a", "8001", "Zürich", "CH"],
        "debtor, the customer"
    );
    assert_eq!(fields[27], "QRR");
    let reference = fields[28];
    assert_eq!(number, "2026-0001", "the first invoice of the company's first node");
    let expected_digits = "99999992026000000001";
    assert_eq!(&reference[..26], format!("{expected_digits:0>26}"), "the reference carries the invoice number");
    assert!(rempart_domain::qrbill::qr_reference_valid(reference), "check digit of {reference}");
    assert_eq!(fields[29], number, "unstructured message");
    assert_eq!(fields[30], "EPD");

    // The printed part speaks the customer's language and shows what the code holds.
    let text = pdf_text(&pdf);
    for expected in [
        "Rechnung",
        "Zahlteil",
        "Empfangsschein",
        "Konto / Zahlbar an",
        "CH44 3199 9123 0008 8901 2",
        "Anna Müller-Schnyder",
        "8001 Zürich",
        "MWST 8.10 % auf 376.52",
        // Issue 23: a quantity printed with its unit (`1.5 h`); a bare count stays bare.
        "2.5 h",
        "407.02",
        "04.05.2026",
        "03.06.2026",
        "MWST-Nr. CHE-116.281.710 TVA",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    // For a French-speaking customer, the payment part's words are the French of the QR-bill,
    // capital accents included (issue 23: "À détacher"), on the invoices issued once the
    // customer reads French.
    company.ok(&["contact", "edit", "MUELLER", "--set", "language=fr"]);
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-05"]));
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Service",
        "--qty",
        "2.5",
        "--unit",
        "h",
        "--price",
        "120.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    let french = company.dir.parent().expect("parent").join("facture-fr.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&french)]);
    let text = pdf_text(&french);
    for expected in ["Section paiement", "Récépissé", "À détacher avant le versement", "2.5 h"] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
}

#[test]
fn an_ordinary_iban_carries_a_creditor_reference_and_long_invoices_run_onto_more_pages() {
    let (company, number) = swiss_invoice(("iban", "CH58 0079 1123 0008 8901 2"));
    let pdf = company.dir.parent().expect("parent").join("out").join("facture.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&pdf)]);
    let fields: Vec<String> = decode_qr(&pdf, 1)[0].split("\r\n").map(str::to_owned).collect();
    assert_eq!(fields[3], "CH5800791123000889012");
    assert_eq!(fields[27], "SCOR");
    assert!(rempart_domain::qrbill::creditor_reference_valid(&fields[28]), "{}", fields[28]);

    // Sixty lines: the lines flow over pages, the payment part is on the last page only.
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-05"]));
    for index in 0..60 {
        company.ok(&[
            "invoice",
            "line",
            &draft,
            "--text",
            &format!("Pièce détachée numéro {index}"),
            "--price",
            "1.00",
            "--vat",
            "N81",
            "--account",
            "3200",
        ]);
    }
    let long = number_of(&company.ok(&["invoice", "issue", &draft]));
    let pdf: PathBuf = company.dir.join("documents").join(format!("{long}.pdf"));
    company.ok(&["invoice", "pdf", &long]);
    let pages = page_count(&pdf);
    assert!(pages >= 2, "{pages} pages");
    assert!(decode_qr(&pdf, 1).is_empty(), "no payment part before the last page");
    let fields: Vec<String> = decode_qr(&pdf, pages)[0].split("\r\n").map(str::to_owned).collect();
    assert_eq!(fields[18], "64.86", "60.00 and 8.1 % VAT");
    let text = pdf_text(&pdf);
    assert!(text.contains("Pièce détachée numéro 0") && text.contains("Pièce détachée numéro 59"));
    assert!(text.contains(&format!("Seite {pages} / {pages}")));
}

#[test]
fn a_french_invoice_carries_the_mandatory_mentions() {
    let company = Company::new("FR");
    company.ok(&[
        "company",
        "set",
        "--set",
        "street=Rue de la République",
        "--set",
        "building_number=3",
        "--set",
        "postcode=69002",
        "--set",
        "town=Lyon",
        "--set",
        "siren=732829320",
        "--set",
        "vat_number=FR44732829320",
        "--set",
        "iban=FR76 3000 6000 0112 3456 7890 189",
        "--set",
        "legal_form=SARL",
        "--set",
        "share_capital=10 000 €",
        "--set",
        "rcs=Lyon",
    ]);
    company.ok(&[
        "contact",
        "add",
        "--id",
        "DUPONT",
        "--name",
        "Dupont SARL",
        "--set",
        "street=Avenue Foch",
        "--set",
        "building_number=10",
        "--set",
        "postcode=75116",
        "--set",
        "town=Paris",
        "--set",
        "vat_number=FR40303265045",
    ]);
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "DUPONT", "--date", "2026-06-15"]));
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Révision complète",
        "--price",
        "1250.00",
        "--vat",
        "C20",
        "--account",
        "706",
    ]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &number]);
    let pdf = company.dir.join("documents").join(format!("{number}.pdf"));
    let text = pdf_text(&pdf);
    for expected in [
        "SIREN 732829320",
        "N° TVA FR44732829320",
        "Facture",
        "Votre n° TVA",
        "FR40303265045",
        "15/06/2026",
        "15/07/2026",
        "trois fois le taux d'intérêt légal",
        "40 €",
        "1 250,00",
        "1 500,00",
        "IBAN FR76",
        // Issue 23: the company's form, share capital and trade register.
        "SARL au capital de 10 000 €",
        "RCS Lyon 732829320",
        "Indemnité forfaitaire pour frais de recouvrement",
        // A service, under the default rule: its VAT is paid on receipts.
        "TVA acquittée sur les encaissements",
    ] {
        let normalised = text.replace('\u{a0}', " ");
        assert!(normalised.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert!(decode_qr(&pdf, 1).is_empty(), "no QR-bill on a French invoice");

    // A private customer is owed no recovery indemnity mention: only businesses are.
    company.ok(&[
        "contact",
        "add",
        "--id",
        "MARTIN",
        "--name",
        "Claire Martin",
        "--set",
        "postcode=69003",
        "--set",
        "town=Lyon",
    ]);
    let private = draft_of(&company.ok(&["invoice", "new", "--contact", "MARTIN", "--date", "2026-06-15"]));
    company.ok(&[
        "invoice",
        "line",
        &private,
        "--text",
        "Vidange",
        "--price",
        "90",
        "--vat",
        "C20",
        "--account",
        "706",
    ]);
    let private = number_of(&company.ok(&["invoice", "issue", &private]));
    company.ok(&["invoice", "pdf", &private]);
    let text = pdf_text(&company.dir.join("documents").join(format!("{private}.pdf")));
    assert!(text.contains("pénalités de retard") && !text.contains("40 €"), "{text}");
    // A penalty rate set afterwards is printed on the invoices issued from then on; the one
    // issued before is reprinted as it was (issue 23: documents archived as sent).
    company.ok(&["company", "set", "--set", "late_penalty=10 % l'an"]);
    company.ok(&["invoice", "pdf", &number]);
    let reprinted = pdf_text(&pdf);
    assert!(
        !reprinted.contains("10 % l'an") && reprinted.contains("trois fois le taux d'intérêt légal"),
        "{reprinted}"
    );
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "DUPONT", "--date", "2026-06-16"]));
    company.ok(&["invoice", "line", &draft, "--text", "Vidange", "--price", "90", "--vat", "C20", "--account", "706"]);
    let next = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &next]);
    assert!(pdf_text(&company.dir.join("documents").join(format!("{next}.pdf"))).contains("10 % l'an"));
}

#[test]
fn documents_are_refused_for_drafts_missing_accounts_and_unstructured_addresses() {
    let company = Company::new("CH");
    company.ok(&["contact", "add", "--id", "VAGUE", "--name", "Client sans adresse"]);
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "VAGUE", "--date", "2026-05-04"]));
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Travail",
        "--price",
        "100.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    assert!(company.fails(&["invoice", "pdf", &draft]).contains("issue it first"));
    // Issue 23: what the invoice must print is asked for before it is issued, all at once, each
    // with the command that sets it; nothing is recorded meanwhile.
    let before = company.log_snapshot();
    let refused = company.fails(&["invoice", "issue", &draft]);
    for expected in [
        "cannot be issued until its printed details are set",
        "IBAN or QR-IBAN",
        "rempart company set --set qr_iban=",
        "the company's postcode and town",
        "the company's VAT number",
        "rempart contact edit VAGUE --set postcode=",
    ] {
        assert!(refused.contains(expected), "{expected:?} missing from: {refused}");
    }
    assert_eq!(refused.trim().lines().count(), 1, "one message: {refused}");
    assert!(company.log_snapshot() == before, "a refused issue changed the log");
    let french = company.fails_in("fr", &["invoice", "issue", &draft]);
    assert!(french.contains("le code postal et la localité du client"), "{french}");
    company.ok(&[
        "company",
        "set",
        "--set",
        "iban=CH58 0079 1123 0008 8901 2",
        "--set",
        "vat_number=CHE-116.281.710 MWST",
    ]);
    company.ok(&["company", "set", "--set", "postcode=1110", "--set", "town=Morges"]);
    let refused = company.fails(&["invoice", "issue", &draft]);
    assert!(refused.contains("the customer's postcode and town") && !refused.contains("IBAN"), "{refused}");
    company.ok(&["contact", "edit", "VAGUE", "--set", "postcode=1200", "--set", "town=Genève"]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &number]);
    assert!(company.dir.join("documents").join(format!("{number}.pdf")).exists());
    // An address the QR-bill cannot take (a postcode of twenty characters) is refused at the
    // print, and nothing is written.
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "VAGUE", "--date", "2026-05-05"]));
    company.ok(&["invoice", "line", &draft, "--text", "Travail", "--price", "50", "--vat", "N81", "--account", "3400"]);
    company.ok(&["contact", "edit", "VAGUE", "--set", "postcode=12000000000000000000"]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    let refused = company.fails(&["invoice", "pdf", &number]);
    assert!(refused.contains("address is not structured") || refused.contains("postcode"), "{refused}");
    assert!(!company.dir.join("documents").join(format!("{number}.pdf")).exists(), "nothing written");
}

/// The company's logo heads the invoice at the top right, its transparency kept as a soft mask;
/// a file that is not a PNG is refused and changes nothing; `--remove` takes it off.
#[test]
fn the_logo_heads_the_invoice() {
    let (company, number) = swiss_invoice(("qr_iban", "CH44 3199 9123 0008 8901 2"));
    // 300 by 100 pixels: the left half dark and noisy (so the file is tens of KiB, as a real
    // logo), the right half transparent.
    let mut pixels = Vec::new();
    let mut noise: u32 = 2_463_534_242;
    for _ in 0..100 {
        for x in 0..300 {
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let shade = (noise % 64) as u8;
            pixels.extend([shade, shade / 2, shade / 3, if x < 150 { 255 } else { 0 }]);
        }
    }
    let logo = company.dir.parent().expect("parent").join("logo.png");
    let mut file = Vec::new();
    let mut encoder = png::Encoder::new(&mut file, 300, 100);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().and_then(|mut writer| writer.write_image_data(&pixels)).expect("png written");
    std::fs::write(&logo, &file).expect("logo file");

    let before = company.log_snapshot();
    let not_png = company.write("logo.gif", "GIF89a");
    let message = company.fails(&["company", "logo", path_arg(&not_png)]);
    assert!(message.contains("the logo is not a PNG image"), "{message}");
    let message = company.fails(&["company", "logo", "/nonexistent/logo.png"]);
    assert!(message.contains("/nonexistent/logo.png"), "{message}");
    let message = company.fails(&["company", "set", "--set", "logo=abc"]);
    assert!(message.contains("rempart company logo FILE"), "{message}");
    assert_eq!(company.log_snapshot(), before);

    let kib = file.len().div_ceil(1024);
    assert!(kib > 4, "{kib} KiB");
    let set = company.ok(&["company", "logo", path_arg(&logo)]);
    assert!(set.contains(&format!("300 x 100 pixels, {kib} KiB")), "{set}");
    assert!(company.ok(&["company", "show"]).contains(&format!("PNG, {kib} KiB")));
    // The invoice issued before the logo is reprinted without it; the next one carries it.
    let pdf = company.dir.parent().expect("parent").join("out").join("logo.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&pdf)]);
    let before_logo = std::fs::read(&pdf).expect("the earlier invoice");
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-05"]));
    company.ok(&["invoice", "line", &draft, "--text", "Lavage", "--price", "40", "--vat", "N81", "--account", "3400"]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&pdf)]);
    let images = |pdf: &Path| -> Vec<Vec<String>> {
        let output = Command::new("pdfimages").arg("-list").arg(pdf).output().expect("pdfimages runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .skip(2)
            .map(|line| line.split_whitespace().map(str::to_owned).collect())
            .collect()
    };
    let listed = images(&pdf);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0][2..6], ["image", "300", "100", "rgb"].map(str::to_owned));
    assert_eq!(listed[1][2..6], ["smask", "300", "100", "gray"].map(str::to_owned));
    // 36 by 12 mm (the 60 by 12 mm box at the aspect 3:1), right edge at 195 mm, top at 11 mm
    // from the page's top: dark where the logo is opaque, white where it is transparent.
    let (width, _, pixels) = rasterise(&pdf, 1);
    let at = |x_mm: f32, y_mm: f32| pixels[(y_mm * 200.0 / 25.4) as usize * width + (x_mm * 200.0 / 25.4) as usize];
    assert!(at(168.0, 17.0) < 64, "the opaque half is drawn");
    assert!(at(186.0, 17.0) > 192, "the transparent half lets the page through");
    assert!(at(155.0, 17.0) > 192, "nothing left of the logo's box");

    let earlier = company.dir.parent().expect("parent").join("out").join("earlier.pdf");
    std::fs::write(&earlier, &before_logo).expect("write");
    assert!(images(&earlier).is_empty(), "the invoice issued before the logo has none");
    // The logo removed: the invoice issued with it is still reprinted with it (its archive
    // names the logo by its hash, which the store keeps); the next one has none.
    assert!(company.ok(&["company", "logo", "--remove"]).contains("Logo removed"));
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&pdf)]);
    assert_eq!(images(&pdf).len(), 2, "reprinted as issued, logo and all");
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-06"]));
    company.ok(&["invoice", "line", &draft, "--text", "Lavage", "--price", "40", "--vat", "N81", "--account", "3400"]);
    let number = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&pdf)]);
    assert!(images(&pdf).is_empty());
    assert!(!company.ok(&["company", "show"]).contains("PNG"));
}

/// Issue 23, item 3: an invoice is reprinted as it was issued, byte for byte, whatever changed
/// since (the company's address, the customer's address and language); its archive edited on
/// disk is named by `verify`.
#[test]
fn an_invoice_is_reprinted_as_it_was_issued_and_its_archive_is_checked() {
    let (company, number) = swiss_invoice(("qr_iban", "CH44 3199 9123 0008 8901 2"));
    let first = company.dir.parent().expect("parent").join("first.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&first)]);
    company.ok(&["company", "set", "--set", "street=Rue du Lac", "--set", "building_number=3"]);
    company.ok(&["contact", "edit", "MUELLER", "--set", "town=Bern", "--set", "postcode=3011", "--set", "language=fr"]);
    let again = company.dir.parent().expect("parent").join("again.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&again)]);
    let (first, again) = (std::fs::read(&first).expect("first print"), std::fs::read(&again).expect("reprint"));
    assert!(first == again, "the reprint is not the print's bytes");
    let text = pdf_text(&company.dir.parent().expect("parent").join("again.pdf"));
    assert!(text.contains("Route de Genève 12") && text.contains("8001 Zürich") && text.contains("Zahlteil"), "{text}");
    // What is issued from now on prints what holds now.
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-05-05"]));
    company.ok(&["invoice", "line", &draft, "--text", "Lavage", "--price", "40", "--vat", "N81", "--account", "3400"]);
    let second = number_of(&company.ok(&["invoice", "issue", &draft]));
    let now = company.dir.parent().expect("parent").join("second.pdf");
    company.ok(&["invoice", "pdf", &second, "--out", path_arg(&now)]);
    let text = pdf_text(&now);
    assert!(text.contains("Rue du Lac 3") && text.contains("3011 Bern") && text.contains("Section paiement"), "{text}");
    assert!(company.ok(&["verify"]).contains("all intact"), "the books verify");

    // The archive edited on disk (the customer's street, same length, the JSON still sound):
    // verify names the document.
    let edited = company
        .database()
        .execute(
            "UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), 'Bahnhofstrasse', 'Bahnhofstrasze') AS BLOB)
             WHERE kind = 'document.archived' AND CAST(payload AS TEXT) LIKE '%\"number\":\"' || ?1 || '\"%'",
            [&number],
        )
        .expect("edit the archive");
    assert_eq!(edited, 1);
    let said = company.fails(&["verify"]);
    assert!(said.contains(&format!("the archive of invoice {number} was altered")), "{said}");
    let said = company.fails_in("fr", &["verify"]);
    assert!(said.contains(&format!("l'archive de la facture {number} a été modifiée")), "{said}");
}

/// Issue 23, item 3: a credit note and a reminder's letter are printed from their archives;
/// the letter's QR-bill asks what is open with the fees, under the invoice's reference.
#[test]
fn a_credit_note_and_a_reminder_letter_are_printed_with_their_figures() {
    let (company, number) = swiss_invoice(("qr_iban", "CH44 3199 9123 0008 8901 2"));
    company.ok(&["company", "set", "--set", "dunning_1_days=10", "--set", "dunning_1_fee=20.00"]);
    let invoice_pdf = company.dir.parent().expect("parent").join("invoice.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", path_arg(&invoice_pdf)]);
    let invoice_fields: Vec<String> = decode_qr(&invoice_pdf, 1)[0].split("\r\n").map(str::to_owned).collect();

    // One hour of the 2.5 credited: 120.00 and 8.1 % VAT, 9.72: 129.72.
    let credited = company.ok(&["invoice", "credit", &number, "--line", "1=1", "--date", "2026-05-10"]);
    assert!(credited.contains("AV-2026-0001") && credited.contains("129.72"), "{credited}");
    let credit_pdf = company.dir.parent().expect("parent").join("credit.pdf");
    company.ok(&["invoice", "pdf", "AV-2026-0001", "--out", path_arg(&credit_pdf)]);
    let text = pdf_text(&credit_pdf);
    for expected in [
        "Gutschrift AV-2026-0001",
        &format!("{number} vom 04.05.2026"),
        "Service 30 000 km",
        "120.00",
        "9.72",
        "129.72",
        &format!("Gutschrift zur Rechnung {number} vom 04.05.2026"),
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the credit note:\n{text}");
    }
    assert!(decode_qr(&credit_pdf, 1).is_empty(), "a credit note asks for no payment");

    // 100.00 paid; the first reminder, due ten days after 03.06.2026, with its fee of 20.00:
    // 407.02 - 100.00 - 129.72 + 20.00 = 197.30 open.
    company.ok(&[
        "payment",
        "add",
        "--contact",
        "MUELLER",
        "--amount",
        "100.00",
        "--date",
        "2026-05-20",
        "--invoice",
        &number,
    ]);
    let reminded = company.ok(&["invoice", "remind", &number, "--date", "2026-06-20"]);
    let letter = format!("{number}-R1");
    assert!(reminded.contains(&letter), "{reminded}");
    let letter_pdf = company.dir.parent().expect("parent").join("letter.pdf");
    company.ok(&["invoice", "pdf", &letter, "--out", path_arg(&letter_pdf)]);
    let text = pdf_text(&letter_pdf);
    for expected in [
        &format!("1. Mahnung: Rechnung {number}"),
        &format!("{number} vom 04.05.2026"),
        "03.06.2026",
        "Rechnungsbetrag",
        "407.02",
        "Bereits bezahlt oder gutgeschrieben",
        "-229.72",
        "Mahngebühren",
        "20.00",
        "Offener Betrag CHF",
        "197.30",
        "Zahlteil",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the letter:\n{text}");
    }
    let fields: Vec<String> = decode_qr(&letter_pdf, 1)[0].split("\r\n").map(str::to_owned).collect();
    assert_eq!(fields[18], "197.30", "the open amount with the fees");
    assert_eq!(
        (fields[27].as_str(), fields[28].as_str()),
        ("QRR", invoice_fields[28].as_str()),
        "the invoice's reference"
    );
    assert_eq!(fields[29], number);
    assert_eq!(fields[3], invoice_fields[3], "the same account");
    // A document nobody archived is refused, with one message.
    let said = company.fails(&["invoice", "pdf", "AV-2026-0009"]);
    assert!(said.contains("AV-2026-0009"), "{said}");
    assert!(company.ok(&["verify"]).contains("all intact"));
}
