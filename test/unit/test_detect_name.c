/*-------------------------------------------------------------------------
 *
 * test_detect_name.c
 *	  Unit test of the column-name rules (governance_detect_name),
 *	  linked alone with src/common/detect*.c.
 *
 * Every naming convention (snake_case, camelCase, PascalCase, kebab,
 * dotted, spaced, prefixes and suffixes, plurals) and every language the
 * rules know (English, Spanish, Portuguese, German, French, Italian,
 * Dutch) proposes its label, with a confidence in the band the rule
 * promises; every cancelling word and prefix proposes nothing, and so do
 * names of things that are not personal.  Names are passed from a heap
 * copy of exactly their length (run.sh builds this with
 * AddressSanitizer).
 *
 * Each case prints one line; the last line is "N passed, N failed".
 *
 * test/unit/test_detect_name.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "governance/common_detect.h"

typedef struct NameCase
{
	const char *name;
	const char *label;			/* NULL: nothing proposed */
	float		min;			/* confidence band */
	float		max;
} NameCase;

#define EXACT(n, l) {n, l, 0.84f, 1.0f}
#define PART(n, l) {n, l, 0.55f, 0.9f}
#define LOW(n, l) {n, l, 0.3f, 0.65f}
#define NONE(n) {n, NULL, 0.0f, 0.0f}

static const NameCase cases[] = {
	/* e-mail, in every convention */
	EXACT("email", "email"), EXACT("EMAIL", "email"), EXACT("Email", "email"),
	EXACT("e_mail", "email"), EXACT("e-mail", "email"), EXACT("eMail", "email"),
	EXACT("EMail", "email"), EXACT("emailAddress", "email"),
	EXACT("EmailAddress", "email"), EXACT("email_address", "email"),
	EXACT("emailaddr", "email"), EXACT("email.address", "email"),
	EXACT("email address", "email"), EXACT("emails", "email"),
	PART("customer_mail", "email"), PART("customerEmail", "email"),
	PART("contact_email", "email"), PART("user.email", "email"),
	PART("billing-email", "email"), PART("mail", "email"),
	EXACT("correo", "email"), EXACT("correo_electronico", "email"),
	EXACT("courriel", "email"), EXACT("emailadresse", "email"),
	EXACT("e_mail_adresse", "email"), EXACT("emailadres", "email"),
	PART("direccion_email", "email"), PART("adresse_mail", "email"),
	PART("endereco_email", "email"), PART("indirizzo_email", "email"),

	/* phone */
	EXACT("phone", "pii"), EXACT("phone_number", "pii"), EXACT("phoneNumber", "pii"),
	EXACT("PhoneNo", "pii"), PART("tel", "pii"), EXACT("telephone", "pii"),
	EXACT("telefone", "pii"), EXACT("telefono", "pii"), EXACT("tel\xc3\xa9" "fono", "pii"),
	EXACT("telefon", "pii"), EXACT("telefonnummer", "pii"), EXACT("mobile", "pii"),
	PART("cell", "pii"), EXACT("cell_phone", "pii"), PART("handy", "pii"),
	EXACT("handynummer", "pii"), PART("fax", "pii"), EXACT("celular", "pii"),
	PART("portable", "pii"), EXACT("mobile_number", "pii"), PART("home_phone", "pii"),
	PART("contact_phone_number", "pii"), PART("phone2", "pii"), PART("numero_telefono", "pii"),
	EXACT("t\xc3\xa9l\xc3\xa9phone", "pii"), EXACT("telefoonnummer", "pii"), EXACT("cellulare", "pii"),

	/* national ids: secret */
	EXACT("ssn", "secret"), EXACT("SSN", "secret"), EXACT("social_security_number", "secret"),
	EXACT("socialSecurityNumber", "secret"), EXACT("national_id", "secret"),
	EXACT("nationalId", "secret"), EXACT("tax_id", "secret"), EXACT("taxId", "secret"),
	PART("tin", "secret"), PART("nin", "secret"), EXACT("cpf", "secret"), EXACT("dni", "secret"),
	EXACT("nif", "secret"), PART("nie", "secret"), EXACT("steuer_id", "secret"),
	EXACT("steuerId", "secret"), EXACT("personalausweis", "secret"),
	EXACT("codice_fiscale", "secret"), EXACT("bsn", "secret"), PART("customer_ssn", "secret"),
	PART("employee_tax_id", "secret"), EXACT("steuernummer", "secret"),

	/* cards: secret */
	EXACT("card_number", "secret"), EXACT("cardNumber", "secret"), EXACT("credit_card", "secret"),
	EXACT("creditCard", "secret"), EXACT("cc_number", "secret"), EXACT("ccnum", "secret"),
	PART("pan", "secret"), EXACT("kreditkarte", "secret"), PART("tarjeta", "secret"),
	PART("cartao", "secret"), PART("cart\xc3\xa3o", "secret"), EXACT("carte_bancaire", "secret"),
	PART("card", "secret"), EXACT("card_no", "secret"), EXACT("card_num", "secret"),
	PART("numero_tarjeta", "secret"), PART("payment_card_number", "secret"),
	EXACT("cvv", "secret"), EXACT("cvc", "secret"), EXACT("CVV2", "secret"), EXACT("card_cvv", "secret"),
	LOW("card_last4", "pii"), LOW("cardLast4", "pii"), LOW("credit_card_last_four", "pii"),
	LOW("ssn_last4", "pii"), LOW("ssn_last_four", "pii"),

	/* passwords: secret */
	EXACT("password", "secret"), EXACT("Password", "secret"), EXACT("passwd", "secret"),
	EXACT("pwd", "secret"), PART("pass", "secret"), EXACT("password_hash", "secret"),
	EXACT("passwordHash", "secret"), PART("hashed_password", "secret"), EXACT("senha", "secret"),
	EXACT("contrasena", "secret"), EXACT("contrase\xc3\xb1" "a", "secret"), EXACT("passwort", "secret"),
	EXACT("kennwort", "secret"), EXACT("mot_de_passe", "secret"), EXACT("motDePasse", "secret"),
	EXACT("wachtwoord", "secret"), PART("user_password", "secret"), PART("db_pass", "secret"),

	/* credentials: secret */
	EXACT("api_key", "secret"), EXACT("apikey", "secret"), EXACT("apiKey", "secret"),
	EXACT("API_KEY", "secret"), EXACT("secret", "secret"), EXACT("client_secret", "secret"),
	PART("token", "secret"), EXACT("access_token", "secret"), EXACT("refresh_token", "secret"),
	EXACT("auth_token", "secret"), EXACT("private_key", "secret"), EXACT("secret_key", "secret"),
	EXACT("session_key", "secret"), PART("password_reset_token", "secret"),
	PART("stripe_api_key", "secret"), PART("github_token", "secret"), PART("webhook_secret", "secret"),
	EXACT("accessToken", "secret"), PART("x-api-key", "secret"),

	/* person names: pii */
	EXACT("first_name", "pii"), EXACT("firstName", "pii"), EXACT("FirstName", "pii"),
	EXACT("last_name", "pii"), EXACT("lastname", "pii"), EXACT("full_name", "pii"),
	EXACT("surname", "pii"), EXACT("given_name", "pii"), EXACT("family_name", "pii"),
	EXACT("middle_name", "pii"), EXACT("apellido", "pii"), EXACT("vorname", "pii"),
	EXACT("nachname", "pii"), EXACT("sobrenome", "pii"), EXACT("prenom", "pii"),
	EXACT("pr\xc3\xa9nom", "pii"), EXACT("cognome", "pii"), EXACT("achternaam", "pii"),
	EXACT("voornaam", "pii"), PART("customer_name", "pii"), PART("customerName", "pii"),
	PART("nombre_cliente", "pii"), PART("nom_client", "pii"), PART("nome_utente", "pii"),
	PART("cardholder_name", "pii"), PART("customer_first_name", "pii"),
	LOW("name", "pii"), LOW("nombre", "pii"), LOW("nome", "pii"), LOW("nom", "pii"),
	LOW("username", "pii"), LOW("user_name", "pii"), LOW("login", "pii"), LOW("userName", "pii"),

	/* postal addresses: pii */
	EXACT("address", "pii"), EXACT("street", "pii"), EXACT("street_address", "pii"),
	PART("address_line1", "pii"), PART("addressLine2", "pii"), PART("zip", "pii"),
	EXACT("zipcode", "pii"), EXACT("zip_code", "pii"), EXACT("postal_code", "pii"),
	EXACT("postcode", "pii"), EXACT("direccion", "pii"), EXACT("direcci\xc3\xb3n", "pii"),
	EXACT("endereco", "pii"), EXACT("endere\xc3\xa7o", "pii"), EXACT("strasse", "pii"),
	EXACT("stra\xc3\x9f" "e", "pii"), EXACT("adresse", "pii"), EXACT("plz", "pii"),
	EXACT("cep", "pii"), EXACT("codigo_postal", "pii"), EXACT("indirizzo", "pii"),
	EXACT("home_address", "pii"), PART("billing_address", "pii"), PART("shipping_address_line_2", "pii"),
	PART("customer_address", "pii"), EXACT("postleitzahl", "pii"), EXACT("code_postal", "pii"),

	/* date of birth: pii */
	EXACT("dob", "pii"), EXACT("birth_date", "pii"), EXACT("birthdate", "pii"),
	EXACT("birthDate", "pii"), EXACT("date_of_birth", "pii"), EXACT("dateOfBirth", "pii"),
	EXACT("birthday", "pii"), EXACT("geburtsdatum", "pii"), EXACT("fecha_nacimiento", "pii"),
	EXACT("fecha_de_nacimiento", "pii"), EXACT("data_nascimento", "pii"),
	EXACT("date_naissance", "pii"), EXACT("date_de_naissance", "pii"),
	EXACT("data_di_nascita", "pii"), EXACT("geboortedatum", "pii"), PART("customer_dob", "pii"),

	/* IP addresses: pii */
	EXACT("ip", "pii"), EXACT("ip_address", "pii"), EXACT("ipAddress", "pii"),
	EXACT("ipaddr", "pii"), PART("client_ip", "pii"), EXACT("remote_addr", "pii"),
	PART("last_login_ip", "pii"), PART("source_ip", "pii"), EXACT("ipv4", "pii"),
	EXACT("ip_v6", "pii"), EXACT("adresse_ip", "pii"), PART("client_address", "pii"),

	/* bank accounts: pii */
	EXACT("iban", "pii"), EXACT("IBAN", "pii"), EXACT("account_number", "pii"),
	EXACT("bank_account", "pii"), EXACT("routing_number", "pii"), EXACT("kontonummer", "pii"),
	EXACT("numero_cuenta", "pii"), EXACT("numero_de_cuenta", "pii"),
	EXACT("rekeningnummer", "pii"), PART("customer_iban", "pii"), EXACT("bank_account_number", "pii"),

	/* identity documents: secret */
	EXACT("passport", "secret"), EXACT("passport_number", "secret"), EXACT("passportNo", "secret"),
	EXACT("pasaporte", "secret"), EXACT("reisepass", "secret"), EXACT("passeport", "secret"),
	EXACT("driver_license", "secret"), EXACT("drivers_license", "secret"),
	EXACT("driving_licence", "secret"), EXACT("driverLicenseNumber", "secret"),
	EXACT("fuehrerschein", "secret"), EXACT("f\xc3\xbchrerschein", "secret"), EXACT("rijbewijs", "secret"),

	/* cancelled: a flag, count, time, state, format or policy after the term */
	NONE("email_sent"), NONE("email_verified"), NONE("emailVerified"), NONE("email_format"),
	NONE("email_sent_at"), NONE("email_confirmed_at"), NONE("email_opt_in"),
	NONE("email_template"), NONE("email_domain"), NONE("email_status"),
	NONE("card_count"), NONE("card_brand"), NONE("card_type"), NONE("card_expiry"),
	NONE("password_changed_at"), NONE("password_expires_at"), NONE("password_policy"),
	NONE("password_updated_at"), NONE("passwordChangedAt"), NONE("password_strength"),
	NONE("password_reset_at"), NONE("password_length"), NONE("password_hint"),
	NONE("token_expires_at"), NONE("token_type"), NONE("token_version"),
	NONE("ip_allowlist_enabled"), NONE("ip_version"), NONE("ip_country"),
	NONE("phone_verified"), NONE("phone_country_code"), NONE("phone_type"),
	NONE("address_type"), NONE("address_id"), NONE("address_count"), NONE("ssn_verified"),
	NONE("iban_valid"), NONE("birth_date_verified"), NONE("login_count"), NONE("last_login_at"),
	NONE("login_attempts"), NONE("last_login"), NONE("first_login"), NONE("previous_login"), NONE("secret_rotation_at"), NONE("api_key_id"), NONE("card_id"),
	NONE("email_id"), NONE("user_id"), NONE("customer_id"), NONE("passport_expiry"),
	NONE("phone_flag"), NONE("email_enabled"), NONE("name_length"), NONE("zip_file"),
	/* cancelled: flag and count prefixes */
	NONE("is_email_verified"), NONE("has_password"), NONE("num_cards"), NONE("n_emails"),
	NONE("isEmailVerified"), NONE("hasPhone"), NONE("max_password_age"), NONE("total_cards"),
	NONE("count_addresses"),
	/* names of things that are not personal */
	NONE("product_name"), NONE("company_name"), NONE("file_name"), NONE("table_name"),
	NONE("hostname"), NONE("host_name"), NONE("column_name"), NONE("schema_name"),
	NONE("nombre_producto"), NONE("nome_arquivo"), NONE("nom_fichier"), NONE("mac_address"),
	NONE("wallet_address"), NONE("server_address"), NONE("contract_address"),
	NONE("id"), NONE("created_at"), NONE("status"), NONE("amount"), NONE("description"),
	NONE("order_number"), NONE("tracking_number"), NONE("sku"), NONE("quantity"), NONE("notes"),
	NONE("hotel"), NONE("passenger_count"), NONE("compass"), NONE("telegram_channel"),
	NONE(""), NONE("___"), NONE("123"),
};

/* Every case of the table, then the out-parameters and a long name. */
int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const NameCase *c = &cases[i];
		size_t		n = strlen(c->name);
		char	   *copy = malloc(n > 0 ? n : 1);
		float		conf = -1.0f;
		const char *evidence = NULL;
		const char *label;
		char		title[120];
		int			ok;

		memcpy(copy, c->name, n);
		label = governance_detect_name(copy, n, &conf, &evidence);
		free(copy);
		if (c->label == NULL)
			ok = label == NULL;
		else
			ok = label != NULL && strcmp(label, c->label) == 0 &&
				conf >= c->min && conf <= c->max && evidence != NULL &&
				strncmp(evidence, "name: ", 6) == 0;
		snprintf(title, sizeof(title), "name %s -> %s", c->name[0] ? c->name : "(empty)",
				 c->label ? c->label : "nothing");
		check(ok, title, "got %s %.2f (%s)", label ? label : "nothing", conf,
			  evidence ? evidence : "-");
	}
	/* NULL out-parameters are allowed */
	check(governance_detect_name("email", 5, NULL, NULL) != NULL,
		  "name without out-parameters", NULL);
	/* a name longer than any buffer is cut, not overrun */
	{
		char		longname[1000];

		memset(longname, 'a', sizeof(longname));
		memcpy(longname + 990, "_email", 6);
		governance_detect_name(longname, sizeof(longname), NULL, NULL);
		check(1, "a 1000-byte name", NULL);
	}
	return check_summary();
}
