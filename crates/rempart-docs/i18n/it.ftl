# The words printed on documents, in Italian (Project Fluent; each message on one line).
# The QR-bill headings are the ones the Swiss Implementation Guidelines prescribe.

doc-invoice = Fattura
doc-invoice-continued = Fattura { $number } (continuazione)
doc-date = Data
doc-due-date = Scadenza
doc-customer-number = N. cliente
doc-your-vat-number = Vostro n. IVA
doc-vat-number = N. IVA
doc-description = Descrizione
doc-quantity = Quantità
doc-unit-price = Prezzo unitario
doc-discount = Sconto %
doc-vat = IVA %
doc-amount = Importo
doc-subtotal = Totale senza IVA
doc-vat-on = IVA { $rate } % su { $base }
doc-rounding = Arrotondamento
doc-total = Totale IVA inclusa
doc-terms = Pagabile entro { $days } giorni, al più tardi il { $date }.
doc-page = Pagina { $page } / { $pages }
doc-penalties = In caso di ritardo nel pagamento: interessi di mora pari a { $penalty } e indennità forfettaria per spese di recupero di 40 EUR (art. L441-10 del Codice di commercio francese). Nessuno sconto per pagamento anticipato.
doc-penalty-default = tre volte il tasso di interesse legale
doc-receipt = Ricevuta
doc-payment-part = Sezione pagamento
doc-account-payable-to = Conto / Pagabile a
doc-reference = Riferimento
doc-additional-information = Informazioni supplementari
doc-payable-by = Pagabile da
doc-payable-by-name-address = Pagabile da (nome/indirizzo)
doc-currency = Valuta
doc-acceptance-point = Punto di accettazione
doc-separate-before-paying = Da staccare prima del versamento

# The till's receipt.
doc-ticket = Scontrino { $number }
doc-till = Cassa { $till }
doc-returns = Reso dello scontrino { $number }
doc-cash-rounding = Arrotondamento
doc-change = Resto
doc-vat-included = di cui IVA { $rate } % su { $gross }
doc-pay-cash = Contanti
doc-pay-card = Carta
doc-pay-twint = TWINT
doc-pay-voucher = Buono { $code }
doc-ticket-discount = Sconto
doc-thanks = Grazie per la visita
doc-quote = Offerta
doc-quote-continued = Offerta { $number } (seguito)
doc-valid-until = Valida fino al
doc-quote-terms = Questa offerta è valida fino al { $date }. Per accettarla, la rispedisca datata e firmata.
doc-vehicle = Veicolo
