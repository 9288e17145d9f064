# The words printed on documents, in French (Project Fluent; each message on one line).
# The QR-bill headings are the ones the Swiss Implementation Guidelines prescribe.

doc-invoice = Facture
doc-invoice-continued = Facture { $number } (suite)
doc-date = Date
doc-due-date = Échéance
doc-customer-number = N° client
doc-your-vat-number = Votre n° TVA
doc-vat-number = N° TVA
doc-description = Désignation
doc-quantity = Quantité
doc-unit-price = Prix unitaire
doc-discount = Rabais %
doc-vat = TVA %
doc-amount = Montant
doc-subtotal = Total hors TVA
doc-vat-on = TVA { $rate } % sur { $base }
doc-rounding = Arrondi
doc-total = Total TTC
doc-terms = Payable à { $days } jours, au plus tard le { $date }.
doc-page = Page { $page } / { $pages }
doc-penalties = En cas de retard de paiement : pénalités de retard au taux de { $penalty }, et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 du Code de commerce). Pas d'escompte pour paiement anticipé.
doc-penalty-default = trois fois le taux d'intérêt légal
doc-receipt = Récépissé
doc-payment-part = Section paiement
doc-account-payable-to = Compte / Payable à
doc-reference = Référence
doc-additional-information = Informations supplémentaires
doc-payable-by = Payable par
doc-payable-by-name-address = Payable par (nom/adresse)
doc-currency = Monnaie
doc-acceptance-point = Point de dépôt
doc-separate-before-paying = À détacher avant le versement

# The till's receipt.
doc-ticket = Ticket { $number }
doc-till = Caisse { $till }
doc-returns = Retour du ticket { $number }
doc-cash-rounding = Arrondi
doc-change = Rendu
doc-vat-included = dont TVA { $rate } % sur { $gross }
doc-pay-cash = Espèces
doc-pay-card = Carte
doc-pay-twint = TWINT
doc-pay-voucher = Bon { $code }
doc-ticket-discount = Remise
doc-thanks = Merci de votre visite
doc-quote = Devis
doc-quote-continued = Devis { $number } (suite)
doc-valid-until = Valable jusqu'au
doc-quote-terms = Ce devis est valable jusqu'au { $date }. Pour l'accepter, retournez-le daté et signé avec la mention « Bon pour accord ».
doc-vehicle = Véhicule
