# The words printed on documents, in English (Project Fluent; each message on one line).
# The QR-bill headings are the ones the Swiss Implementation Guidelines prescribe.

doc-invoice = Invoice
doc-invoice-continued = Invoice { $number } (continued)
doc-date = Date
doc-due-date = Due date
doc-customer-number = Customer no.
doc-your-vat-number = Your VAT no.
doc-vat-number = VAT no.
doc-description = Description
doc-quantity = Quantity
doc-unit-price = Unit price
doc-discount = Discount %
doc-vat = VAT %
doc-amount = Amount
doc-subtotal = Total excluding VAT
doc-vat-on = VAT { $rate } % on { $base }
doc-rounding = Rounding
doc-total = Total including VAT
doc-terms = Payable within { $days } days, by { $date } at the latest.
doc-page = Page { $page } / { $pages }
doc-penalties = Late payment: penalties at { $penalty }, and a fixed compensation for recovery costs of EUR 40 (art. L441-10 of the French Commercial Code). No discount for early payment.
doc-penalty-default = three times the legal interest rate
doc-receipt = Receipt
doc-payment-part = Payment part
doc-account-payable-to = Account / Payable to
doc-reference = Reference
doc-additional-information = Additional information
doc-payable-by = Payable by
doc-payable-by-name-address = Payable by (name/address)
doc-currency = Currency
doc-acceptance-point = Acceptance point
doc-separate-before-paying = Separate before paying in

# The till's receipt.
doc-ticket = Ticket { $number }
doc-till = Till { $till }
doc-returns = Return of ticket { $number }
doc-cash-rounding = Rounding
doc-change = Change
doc-vat-included = of which VAT { $rate } % on { $gross }
doc-pay-cash = Cash
doc-pay-card = Card
doc-pay-twint = TWINT
doc-pay-voucher = Voucher { $code }
doc-ticket-discount = Discount
doc-thanks = Thank you for your visit
doc-quote = Quote
doc-quote-continued = Quote { $number } (continued)
doc-valid-until = Valid until
doc-quote-terms = This quote is valid until { $date }. To accept it, return it dated and signed.
doc-vehicle = Vehicle
