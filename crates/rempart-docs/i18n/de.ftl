# The words printed on documents, in German (Project Fluent; each message on one line).
# The QR-bill headings are the ones the Swiss Implementation Guidelines prescribe.

doc-invoice = Rechnung
doc-invoice-continued = Rechnung { $number } (Fortsetzung)
doc-date = Datum
doc-due-date = Fällig am
doc-customer-number = Kundennummer
doc-your-vat-number = Ihre MWST-Nr.
doc-vat-number = MWST-Nr.
doc-description = Bezeichnung
doc-quantity = Menge
doc-unit-price = Einzelpreis
doc-discount = Rabatt %
doc-vat = MWST %
doc-amount = Betrag
doc-subtotal = Total ohne MWST
doc-vat-on = MWST { $rate } % auf { $base }
doc-rounding = Rundung
doc-total = Total inkl. MWST
doc-terms = Zahlbar innert { $days } Tagen, spätestens am { $date }.
doc-page = Seite { $page } / { $pages }
doc-penalties = Bei Zahlungsverzug: Verzugszinsen in Höhe von { $penalty } und eine Pauschalentschädigung für Beitreibungskosten von 40 EUR (Art. L441-10 des französischen Handelsgesetzbuchs). Kein Skonto bei vorzeitiger Zahlung.
doc-penalty-default = dem Dreifachen des gesetzlichen Zinssatzes
doc-receipt = Empfangsschein
doc-payment-part = Zahlteil
doc-account-payable-to = Konto / Zahlbar an
doc-reference = Referenz
doc-additional-information = Zusätzliche Informationen
doc-payable-by = Zahlbar durch
doc-payable-by-name-address = Zahlbar durch (Name/Adresse)
doc-currency = Währung
doc-acceptance-point = Annahmestelle
doc-separate-before-paying = Vor der Einzahlung abzutrennen

# The till's receipt.
doc-ticket = Beleg { $number }
doc-till = Kasse { $till }
doc-returns = Rückgabe zu Beleg { $number }
doc-cash-rounding = Rundung
doc-change = Rückgeld
doc-vat-included = davon MWST { $rate } % auf { $gross }
doc-pay-cash = Bar
doc-pay-card = Karte
doc-pay-twint = TWINT
doc-pay-voucher = Gutschein { $code }
doc-ticket-discount = Rabatt
doc-thanks = Vielen Dank für Ihren Besuch
doc-quote = Offerte
doc-quote-continued = Offerte { $number } (Fortsetzung)
doc-valid-until = Gültig bis
doc-quote-terms = Diese Offerte ist gültig bis { $date }. Zur Annahme senden Sie sie bitte datiert und unterschrieben zurück.
doc-vehicle = Fahrzeug
