/*-------------------------------------------------------------------------
 *
 * detect_name.c
 *	  Column-name rules: governance_detect_name() proposes a label from
 *	  what a column is called, in several naming conventions and
 *	  languages.
 *
 * Plain C, no server headers.  A name is split into lower-case words
 * (gov_split_words), then read like an English noun phrase, whose head
 * is its last noun: the rightmost sensitive term decides
 * ("password_reset_token" is a token, "customer_email" an e-mail), a
 * term being a word or two to four adjacent words joined
 * ("e_mail", "date_of_birth", "social_security_number").  Words after
 * the term may cancel it: a word naming a flag, count, time, state,
 * format or policy makes the column about the value rather than the
 * value itself ("email_sent", "card_count", "password_changed_at");
 * so do prefixes that make a flag or a count ("is_", "has_", "num_").
 * Generic words ("name", "address") need a qualifier that makes them
 * personal ("customer_name", "nombre_cliente") and are refused after one
 * that makes them something else ("product_name", "mac_address").
 *
 * The tables are static; nothing is allocated and the evidence strings
 * returned are string constants.
 *
 * src/common/detect_name.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

#define GOV_NAME_MAX_WORDS	16
#define GOV_NAME_BUF		160
#define GOV_NAME_MAX_JOIN	4

/* What a term is; some kinds have rules of their own. */
typedef enum GovNameKind
{
	GK_EMAIL,
	GK_PHONE,
	GK_NATIONAL_ID,
	GK_CARD,
	GK_CVV,
	GK_PASSWORD,
	GK_CREDENTIAL,
	GK_PERSON,
	GK_GENERIC_NAME,			/* "name": needs a personal qualifier */
	GK_ADDRESS,
	GK_ADDRESS_WORD,			/* "address": refused after "mac" etc. */
	GK_BIRTH,
	GK_IP,
	GK_BANK,
	GK_DOCUMENT,				/* passport, driving licence */
	GK_LOGIN,
	GK_NOT_SENSITIVE			/* a compound that only contains a term */
} GovNameKind;

typedef struct GovNameTerm
{
	const char *term;			/* lower case, words joined without separators */
	GovNameKind kind;
	float		confidence;		/* when the term is the whole name */
} GovNameTerm;

/*
 * The vocabulary.  Confidence when the term is the whole name: 0.9-0.95
 * for unambiguous terms, less for words with other common meanings
 * ("pass", "pan", "cell", "nom"); 0.1 less when other words surround it.
 * UTF-8 spellings are listed beside the ASCII ones.
 */
static const GovNameTerm gov_name_terms[] = {
	/* e-mail */
	{"email", GK_EMAIL, 0.95f}, {"mail", GK_EMAIL, 0.8f},
	{"emailaddress", GK_EMAIL, 0.95f}, {"emailaddr", GK_EMAIL, 0.95f},
	{"mailaddress", GK_EMAIL, 0.9f}, {"emailadresse", GK_EMAIL, 0.95f},
	{"emailadres", GK_EMAIL, 0.95f}, {"mailadresse", GK_EMAIL, 0.9f},
	{"correo", GK_EMAIL, 0.9f}, {"correoelectronico", GK_EMAIL, 0.95f},
	{"courriel", GK_EMAIL, 0.95f}, {"adressemail", GK_EMAIL, 0.9f},
	{"adresseemail", GK_EMAIL, 0.9f}, {"mailadres", GK_EMAIL, 0.9f},

	/* phone */
	{"phone", GK_PHONE, 0.9f}, {"phonenumber", GK_PHONE, 0.95f},
	{"phoneno", GK_PHONE, 0.95f}, {"phonenum", GK_PHONE, 0.95f},
	{"tel", GK_PHONE, 0.8f}, {"telno", GK_PHONE, 0.9f},
	{"telephone", GK_PHONE, 0.9f}, {"t\xc3\xa9l\xc3\xa9phone", GK_PHONE, 0.9f},
	{"telefone", GK_PHONE, 0.9f}, {"telefono", GK_PHONE, 0.9f},
	{"tel\xc3\xa9" "fono", GK_PHONE, 0.9f}, {"telefon", GK_PHONE, 0.9f},
	{"telefonnummer", GK_PHONE, 0.95f}, {"telefoonnummer", GK_PHONE, 0.95f},
	{"mobile", GK_PHONE, 0.85f}, {"mobilenumber", GK_PHONE, 0.95f},
	{"mobilephone", GK_PHONE, 0.95f}, {"mobil", GK_PHONE, 0.8f},
	{"mobilnummer", GK_PHONE, 0.95f}, {"cell", GK_PHONE, 0.7f},
	{"cellphone", GK_PHONE, 0.9f}, {"cellnumber", GK_PHONE, 0.9f},
	{"handy", GK_PHONE, 0.8f}, {"handynummer", GK_PHONE, 0.95f},
	{"rufnummer", GK_PHONE, 0.9f}, {"fax", GK_PHONE, 0.8f},
	{"faxnumber", GK_PHONE, 0.9f}, {"celular", GK_PHONE, 0.9f},
	{"portable", GK_PHONE, 0.7f}, {"cellulare", GK_PHONE, 0.9f},
	{"telefonino", GK_PHONE, 0.9f}, {"msisdn", GK_PHONE, 0.9f},
	{"mobiel", GK_PHONE, 0.85f}, {"whatsapp", GK_PHONE, 0.8f},

	/* national identifiers */
	{"ssn", GK_NATIONAL_ID, 0.95f}, {"socialsecuritynumber", GK_NATIONAL_ID, 0.95f},
	{"socialsecurityno", GK_NATIONAL_ID, 0.95f}, {"socialsecurity", GK_NATIONAL_ID, 0.9f},
	{"nationalid", GK_NATIONAL_ID, 0.9f}, {"nationalidnumber", GK_NATIONAL_ID, 0.95f},
	{"nationalidentifier", GK_NATIONAL_ID, 0.9f},
	{"nationalinsurancenumber", GK_NATIONAL_ID, 0.95f},
	{"taxid", GK_NATIONAL_ID, 0.9f}, {"taxnumber", GK_NATIONAL_ID, 0.85f},
	{"taxidentificationnumber", GK_NATIONAL_ID, 0.95f}, {"tin", GK_NATIONAL_ID, 0.7f},
	{"nin", GK_NATIONAL_ID, 0.7f}, {"cpf", GK_NATIONAL_ID, 0.9f},
	{"cnpj", GK_NATIONAL_ID, 0.8f}, {"dni", GK_NATIONAL_ID, 0.9f},
	{"nif", GK_NATIONAL_ID, 0.9f}, {"nie", GK_NATIONAL_ID, 0.8f},
	{"steuerid", GK_NATIONAL_ID, 0.9f}, {"steuernummer", GK_NATIONAL_ID, 0.9f},
	{"steueridentifikationsnummer", GK_NATIONAL_ID, 0.95f},
	{"personalausweis", GK_NATIONAL_ID, 0.9f},
	{"personalausweisnummer", GK_NATIONAL_ID, 0.95f},
	{"codicefiscale", GK_NATIONAL_ID, 0.95f}, {"bsn", GK_NATIONAL_ID, 0.85f},
	{"burgerservicenummer", GK_NATIONAL_ID, 0.95f}, {"curp", GK_NATIONAL_ID, 0.85f},
	{"insee", GK_NATIONAL_ID, 0.8f}, {"numerosecu", GK_NATIONAL_ID, 0.9f},

	/* payment cards */
	{"card", GK_CARD, 0.7f}, {"cardnumber", GK_CARD, 0.95f},
	{"cardno", GK_CARD, 0.95f}, {"cardnum", GK_CARD, 0.95f},
	{"creditcard", GK_CARD, 0.95f}, {"creditcardnumber", GK_CARD, 0.95f},
	{"debitcard", GK_CARD, 0.9f}, {"ccnumber", GK_CARD, 0.95f},
	{"ccnum", GK_CARD, 0.95f}, {"ccno", GK_CARD, 0.9f}, {"ccn", GK_CARD, 0.8f},
	{"pan", GK_CARD, 0.7f}, {"kreditkarte", GK_CARD, 0.95f},
	{"kreditkartennummer", GK_CARD, 0.95f}, {"tarjeta", GK_CARD, 0.8f},
	{"tarjetacredito", GK_CARD, 0.95f}, {"tarjetadecredito", GK_CARD, 0.95f},
	{"cartao", GK_CARD, 0.8f}, {"cart\xc3\xa3o", GK_CARD, 0.8f},
	{"cartaodecredito", GK_CARD, 0.95f}, {"cartebancaire", GK_CARD, 0.95f},
	{"cartedecredit", GK_CARD, 0.95f}, {"cartacredito", GK_CARD, 0.95f},
	{"cartadicredito", GK_CARD, 0.95f}, {"creditcardnummer", GK_CARD, 0.95f},
	{"cvv", GK_CVV, 0.95f}, {"cvc", GK_CVV, 0.95f}, {"cvv2", GK_CVV, 0.95f},
	{"cvc2", GK_CVV, 0.95f}, {"cardcvv", GK_CVV, 0.95f},
	{"cardverificationcode", GK_CVV, 0.95f}, {"cardsecuritycode", GK_CVV, 0.95f},

	/* passwords and their hashes */
	{"password", GK_PASSWORD, 0.95f}, {"passwd", GK_PASSWORD, 0.95f},
	{"pwd", GK_PASSWORD, 0.9f}, {"pass", GK_PASSWORD, 0.7f},
	{"passphrase", GK_PASSWORD, 0.95f}, {"passwordhash", GK_PASSWORD, 0.95f},
	{"pwdhash", GK_PASSWORD, 0.95f}, {"passhash", GK_PASSWORD, 0.9f},
	{"senha", GK_PASSWORD, 0.95f}, {"contrasena", GK_PASSWORD, 0.95f},
	{"contrase\xc3\xb1" "a", GK_PASSWORD, 0.95f}, {"clave", GK_PASSWORD, 0.7f},
	{"passwort", GK_PASSWORD, 0.95f}, {"kennwort", GK_PASSWORD, 0.95f},
	{"motdepasse", GK_PASSWORD, 0.95f}, {"wachtwoord", GK_PASSWORD, 0.95f},
	{"parolad", GK_PASSWORD, 0.8f},

	/* credentials */
	{"apikey", GK_CREDENTIAL, 0.95f}, {"apisecret", GK_CREDENTIAL, 0.95f},
	{"apitoken", GK_CREDENTIAL, 0.95f}, {"secret", GK_CREDENTIAL, 0.85f},
	{"clientsecret", GK_CREDENTIAL, 0.95f}, {"token", GK_CREDENTIAL, 0.8f},
	{"accesstoken", GK_CREDENTIAL, 0.95f}, {"refreshtoken", GK_CREDENTIAL, 0.95f},
	{"authtoken", GK_CREDENTIAL, 0.95f}, {"idtoken", GK_CREDENTIAL, 0.9f},
	{"bearertoken", GK_CREDENTIAL, 0.95f}, {"sessiontoken", GK_CREDENTIAL, 0.95f},
	{"privatekey", GK_CREDENTIAL, 0.95f}, {"secretkey", GK_CREDENTIAL, 0.95f},
	{"sessionkey", GK_CREDENTIAL, 0.9f}, {"accesskey", GK_CREDENTIAL, 0.85f},
	{"secretaccesskey", GK_CREDENTIAL, 0.95f}, {"signingkey", GK_CREDENTIAL, 0.9f},
	{"encryptionkey", GK_CREDENTIAL, 0.9f}, {"credential", GK_CREDENTIAL, 0.85f},
	{"credentials", GK_CREDENTIAL, 0.85f}, {"otpsecret", GK_CREDENTIAL, 0.95f},
	{"totpsecret", GK_CREDENTIAL, 0.95f}, {"connectionstring", GK_CREDENTIAL, 0.8f},

	/* person names */
	{"firstname", GK_PERSON, 0.9f}, {"lastname", GK_PERSON, 0.9f},
	{"fullname", GK_PERSON, 0.9f}, {"surname", GK_PERSON, 0.9f},
	{"givenname", GK_PERSON, 0.9f}, {"familyname", GK_PERSON, 0.9f},
	{"middlename", GK_PERSON, 0.9f}, {"maidenname", GK_PERSON, 0.9f},
	{"displayname", GK_PERSON, 0.75f}, {"nickname", GK_PERSON, 0.7f},
	{"cardholder", GK_PERSON, 0.85f}, {"cardholdername", GK_PERSON, 0.9f},
	{"accountholder", GK_PERSON, 0.85f}, {"apellido", GK_PERSON, 0.9f},
	{"apellidos", GK_PERSON, 0.9f}, {"nombrecompleto", GK_PERSON, 0.9f},
	{"vorname", GK_PERSON, 0.9f}, {"nachname", GK_PERSON, 0.9f},
	{"familienname", GK_PERSON, 0.9f}, {"sobrenome", GK_PERSON, 0.9f},
	{"nomecompleto", GK_PERSON, 0.9f}, {"prenom", GK_PERSON, 0.9f},
	{"pr\xc3\xa9nom", GK_PERSON, 0.9f}, {"nomdefamille", GK_PERSON, 0.9f},
	{"cognome", GK_PERSON, 0.9f}, {"achternaam", GK_PERSON, 0.9f},
	{"voornaam", GK_PERSON, 0.9f}, {"volledigenaam", GK_PERSON, 0.9f},
	{"name", GK_GENERIC_NAME, 0.5f}, {"nombre", GK_GENERIC_NAME, 0.5f},
	{"nome", GK_GENERIC_NAME, 0.5f}, {"nom", GK_GENERIC_NAME, 0.5f},
	{"naam", GK_GENERIC_NAME, 0.5f},
	{"username", GK_LOGIN, 0.6f}, {"login", GK_LOGIN, 0.6f},
	{"loginname", GK_LOGIN, 0.6f}, {"userid", GK_NOT_SENSITIVE, 0.0f},

	/* postal addresses */
	{"address", GK_ADDRESS_WORD, 0.85f}, {"addr", GK_ADDRESS_WORD, 0.7f},
	{"adresse", GK_ADDRESS_WORD, 0.85f}, {"adres", GK_ADDRESS_WORD, 0.85f},
	{"direccion", GK_ADDRESS_WORD, 0.85f}, {"direcci\xc3\xb3n", GK_ADDRESS_WORD, 0.85f},
	{"endereco", GK_ADDRESS_WORD, 0.85f}, {"endere\xc3\xa7o", GK_ADDRESS_WORD, 0.85f},
	{"indirizzo", GK_ADDRESS_WORD, 0.85f},
	{"street", GK_ADDRESS, 0.85f}, {"streetaddress", GK_ADDRESS, 0.95f},
	{"streetname", GK_ADDRESS, 0.9f}, {"addressline", GK_ADDRESS, 0.9f},
	{"homeaddress", GK_ADDRESS, 0.95f}, {"postaladdress", GK_ADDRESS, 0.95f},
	{"mailingaddress", GK_ADDRESS, 0.95f}, {"billingaddress", GK_ADDRESS, 0.9f},
	{"shippingaddress", GK_ADDRESS, 0.9f}, {"zip", GK_ADDRESS, 0.8f},
	{"zipcode", GK_ADDRESS, 0.9f}, {"postalcode", GK_ADDRESS, 0.9f},
	{"postcode", GK_ADDRESS, 0.9f}, {"strasse", GK_ADDRESS, 0.9f},
	{"stra\xc3\x9f" "e", GK_ADDRESS, 0.9f}, {"plz", GK_ADDRESS, 0.85f},
	{"postleitzahl", GK_ADDRESS, 0.9f}, {"hausnummer", GK_ADDRESS, 0.8f},
	{"cep", GK_ADDRESS, 0.85f}, {"codigopostal", GK_ADDRESS, 0.9f},
	{"c\xc3\xb3" "digopostal", GK_ADDRESS, 0.9f}, {"calle", GK_ADDRESS, 0.85f},
	{"rua", GK_ADDRESS, 0.8f}, {"rue", GK_ADDRESS, 0.8f},
	{"codepostal", GK_ADDRESS, 0.9f},
	{"straat", GK_ADDRESS, 0.85f}, {"postcodenl", GK_ADDRESS, 0.9f},
	{"huisnummer", GK_ADDRESS, 0.8f}, {"logradouro", GK_ADDRESS, 0.9f},

	/* date of birth */
	{"dob", GK_BIRTH, 0.9f}, {"birthdate", GK_BIRTH, 0.95f},
	{"dateofbirth", GK_BIRTH, 0.95f}, {"birthday", GK_BIRTH, 0.9f},
	{"birthdt", GK_BIRTH, 0.9f}, {"geburtsdatum", GK_BIRTH, 0.95f},
	{"geburtstag", GK_BIRTH, 0.9f}, {"fechanacimiento", GK_BIRTH, 0.95f},
	{"fechadenacimiento", GK_BIRTH, 0.95f}, {"datanascimento", GK_BIRTH, 0.95f},
	{"datadenascimento", GK_BIRTH, 0.95f}, {"datenaissance", GK_BIRTH, 0.95f},
	{"datedenaissance", GK_BIRTH, 0.95f}, {"datanascita", GK_BIRTH, 0.95f},
	{"datadinascita", GK_BIRTH, 0.95f}, {"geboortedatum", GK_BIRTH, 0.95f},

	/* IP addresses */
	{"ip", GK_IP, 0.85f}, {"ipaddress", GK_IP, 0.95f}, {"ipaddr", GK_IP, 0.95f},
	{"ipv4", GK_IP, 0.9f}, {"ipv6", GK_IP, 0.9f}, {"remoteaddr", GK_IP, 0.9f},
	{"remoteaddress", GK_IP, 0.9f}, {"clientaddr", GK_IP, 0.85f},
	{"adresseip", GK_IP, 0.95f}, {"direccionip", GK_IP, 0.95f},
	{"enderecoip", GK_IP, 0.95f}, {"indirizzoip", GK_IP, 0.95f},

	/* bank accounts */
	{"iban", GK_BANK, 0.95f}, {"accountnumber", GK_BANK, 0.85f},
	{"accountno", GK_BANK, 0.85f}, {"acctno", GK_BANK, 0.85f},
	{"acctnumber", GK_BANK, 0.85f}, {"bankaccount", GK_BANK, 0.9f},
	{"bankaccountnumber", GK_BANK, 0.95f}, {"routingnumber", GK_BANK, 0.85f},
	{"kontonummer", GK_BANK, 0.9f}, {"bankverbindung", GK_BANK, 0.85f},
	{"numerocuenta", GK_BANK, 0.9f}, {"numerodecuenta", GK_BANK, 0.9f},
	{"cuentabancaria", GK_BANK, 0.9f}, {"contabancaria", GK_BANK, 0.9f},
	{"numeroconta", GK_BANK, 0.85f}, {"rekeningnummer", GK_BANK, 0.9f},
	{"numerodecompte", GK_BANK, 0.9f}, {"contocorrente", GK_BANK, 0.85f},
	{"sortcode", GK_BANK, 0.8f},

	/* identity documents */
	{"passport", GK_DOCUMENT, 0.9f}, {"passportnumber", GK_DOCUMENT, 0.95f},
	{"passportno", GK_DOCUMENT, 0.95f}, {"reisepass", GK_DOCUMENT, 0.9f},
	{"reisepassnummer", GK_DOCUMENT, 0.95f}, {"pasaporte", GK_DOCUMENT, 0.9f},
	{"passaporte", GK_DOCUMENT, 0.9f}, {"passaporto", GK_DOCUMENT, 0.9f},
	{"passeport", GK_DOCUMENT, 0.9f}, {"paspoort", GK_DOCUMENT, 0.9f},
	{"driverlicense", GK_DOCUMENT, 0.9f}, {"driverslicense", GK_DOCUMENT, 0.9f},
	{"driverlicence", GK_DOCUMENT, 0.9f}, {"driverslicence", GK_DOCUMENT, 0.9f},
	{"drivinglicence", GK_DOCUMENT, 0.9f}, {"drivinglicense", GK_DOCUMENT, 0.9f},
	{"driverlicensenumber", GK_DOCUMENT, 0.95f}, {"dlnumber", GK_DOCUMENT, 0.8f},
	{"fuehrerschein", GK_DOCUMENT, 0.9f}, {"fuhrerschein", GK_DOCUMENT, 0.9f},
	{"f\xc3\xbchrerschein", GK_DOCUMENT, 0.9f}, {"rijbewijs", GK_DOCUMENT, 0.9f},
	{"licencia", GK_DOCUMENT, 0.6f}, {"permisdeconduire", GK_DOCUMENT, 0.9f},
};

/*
 * Words that, after the term, make the column about the value rather
 * than the value: flags, counts, times, states, formats, policies, and
 * the things a value is attached to (a server, a template, a country).
 */
static const char *const gov_cancel_words[] = {
	"sent", "send", "verified", "verification", "verify", "confirmed",
	"confirmation", "validated", "valid", "validation", "invalid",
	"count", "counts", "cnt", "total", "at", "on", "date", "time", "ts",
	"timestamp", "datetime", "changed", "change", "updated", "update",
	"created", "modified", "expires", "expire", "expiry", "expired",
	"expiration", "exp", "policy", "policies", "rule", "rules", "enabled",
	"enable", "disabled", "flag", "flags", "length", "len", "size",
	"status", "state", "type", "types", "kind", "format", "fmt",
	"template", "brand", "network", "issuer", "scheme", "provider",
	"version", "allowlist", "whitelist", "blocklist", "blacklist",
	"denylist", "required", "optional", "opt", "optin", "optout",
	"consent", "preference", "preferences", "pref", "prefs", "settings",
	"setting", "config", "hint", "strength", "score", "attempts",
	"attempt", "failures", "failed", "retries", "locked", "lock", "reset",
	"id", "ids", "index", "idx", "field", "column", "label", "mask",
	"masked", "visible", "visibility", "domain", "server", "host", "port",
	"subject", "body", "queue", "list", "bounce", "bounced", "frequency",
	"notification", "notifications", "campaign", "app", "device", "os",
	"platform", "model", "file", "path", "mode", "level", "source",
	"country", "prefix", "extension", "ext", "code", "category", "group",
	"tier", "region", "zone", "locale", "language", "lang", "timezone",
	"tz", "geo", "lat", "lng", "latitude", "longitude", "was", "used",
	"last", "changes", "history", "log", "logs", "age", "rotation",
	"rotated", "algorithm", "algo", "cost", "iterations", "salt", "hashed",
	"encrypted", "enc", "required", "range", "block", "blocked", "ban",
	"banned", "limit", "quota", "url", "uri", "template", "verified",
	"fecha", "datum", "estado", "tipo", "verificado", "enviado",
};

/* First words that make the column a flag or a count. */
static const char *const gov_cancel_prefixes[] = {
	"is", "has", "have", "num", "n", "nb", "nbr", "count", "total", "max",
	"min", "avg", "sum", "should", "can", "allow", "allowed", "enable",
	"enabled", "use", "uses", "require", "requires", "needs", "was",
	"did", "show", "hide", "no", "cnt",
};

/* Words before "name" (or after "nombre", "nom"...) naming a person. */
static const char *const gov_personal_words[] = {
	"first", "last", "full", "given", "family", "middle", "maiden", "nick",
	"display", "legal", "sur", "customer", "client", "user", "employee",
	"patient", "contact", "person", "member", "owner", "holder",
	"cardholder", "recipient", "sender", "buyer", "student", "guest",
	"author", "passenger", "applicant", "beneficiary", "billing",
	"shipping", "cliente", "usuario", "utilisateur", "utente", "completo",
	"persona", "contacto", "contato", "titular", "empleado", "funcionario",
	"paciente", "alumno", "aluno", "kunde", "kunden", "klant", "mitarbeiter",
	"emergency", "spouse", "parent", "child", "mother", "father", "teacher",
	"doctor", "driver", "tenant", "landlord", "signer", "signatory",
	"complet", "real", "birth", "pilot", "reviewer", "manager", "agent",
};

/* Words before "address" that make it something other than a place. */
static const char *const gov_nonpostal_words[] = {
	"mac", "wallet", "contract", "memory", "web", "url", "bitcoin", "btc",
	"eth", "ethereum", "crypto", "blockchain", "hex", "return", "base",
	"server", "host", "bind", "listen", "proxy", "gateway", "broadcast",
	"multicast", "network", "net", "hardware", "physical", "virtual",
	"bluetooth", "ble", "wifi", "node", "smtp", "dns", "target", "jump",
	"load", "mem", "pointer", "ptr", "offset", "start", "end", "ipfs",
};

/* Words before "address" that make it a network address of a person. */
static const char *const gov_ip_words[] = {
	"ip", "remote", "client", "peer", "source", "src", "origin", "login",
};

/* A word after a card term meaning "only its last digits". */
static const char *const gov_last_digits_words[] = {
	"last4", "lastfour", "last", "suffix", "ending", "tail", "masked",
};

/* Words before "login" that make it an event, not a user name. */
static const char *const gov_event_words[] = {
	"last", "first", "prev", "previous", "recent", "latest", "failed",
};

/* Words meaning "number", joined to the term before them. */
static const char *const gov_number_words[] = {
	"number", "num", "no", "nr", "nbr", "nummer", "numero", "n\xc3\xbamero",
	"numer",
};

typedef struct GovWords
{
	int			n;
	const char *w[GOV_NAME_MAX_WORDS];
	size_t		len[GOV_NAME_MAX_WORDS];
	char		buf[GOV_NAME_BUF];
} GovWords;

/* Is the word w[0..len) in the NULL-less list? */
static bool
gov_word_in(const char *w, size_t len, const char *const *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++)
		if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
			return true;
	return false;
}

#define GOV_IN(ws, k, list) \
	gov_word_in((ws)->w[k], (ws)->len[k], (list), sizeof(list) / sizeof((list)[0]))

/*
 * Split a name into lower-case words: at every byte that is not a
 * letter, digit or non-ASCII byte (underscore, dash, dot, space, ...),
 * between letters and digits ("address_line1", "ipv4" -> "ipv", "4";
 * terms join them again), and at camelCase humps: before an upper-case
 * letter that follows a lower-case one ("emailAddress", "eMail") and
 * before the last capital of a run followed by lower case
 * ("HTTPServer" -> "http", "server"; "EMail" -> "e", "mail").  Bytes >=
 * 0x80 (UTF-8 letters: "straße", "contraseña") count as lower case.
 */
static void
gov_split_words(const char *name, size_t len, GovWords *ws)
{
	size_t		out = 0;
	bool		in_word = false;
	int			prev = 0;		/* 0 none, 1 lower, 2 upper, 3 digit */

	ws->n = 0;
	for (size_t i = 0; i < len && out + 2 < GOV_NAME_BUF; i++)
	{
		unsigned char c = (unsigned char) name[i];
		int			cls;
		bool		boundary;

		if (c >= 0x80 || (c >= 'a' && c <= 'z'))
			cls = 1;
		else if (c >= 'A' && c <= 'Z')
			cls = 2;
		else if (c >= '0' && c <= '9')
			cls = 3;
		else
		{
			if (in_word)
			{
				ws->buf[out++] = '\0';
				in_word = false;
			}
			prev = 0;
			continue;
		}
		boundary = !in_word ||
			(cls == 3) != (prev == 3) ||
			(cls == 2 && prev == 1) ||
			(cls == 2 && prev == 2 && i + 1 < len &&
			 name[i + 1] >= 'a' && name[i + 1] <= 'z');
		if (boundary && in_word)
		{
			ws->buf[out++] = '\0';
			in_word = false;
		}
		if (!in_word)
		{
			if (ws->n == GOV_NAME_MAX_WORDS)
				break;
			ws->w[ws->n] = ws->buf + out;
			ws->len[ws->n] = 0;
			ws->n++;
			in_word = true;
		}
		ws->buf[out++] = (char) gov_lower(c);
		ws->len[ws->n - 1]++;
		prev = cls;
	}
	if (in_word)
		ws->buf[out] = '\0';
}

/* The vocabulary entry for term[0..len), or NULL. */
static const GovNameTerm *
gov_lookup(const char *term, size_t len)
{
	for (size_t i = 0; i < sizeof(gov_name_terms) / sizeof(gov_name_terms[0]); i++)
		if (strlen(gov_name_terms[i].term) == len &&
			memcmp(gov_name_terms[i].term, term, len) == 0)
			return &gov_name_terms[i];
	return NULL;
}

/*
 * The longest term made of words i..i+k-1 joined (k up to
 * GOV_NAME_MAX_JOIN), also in the plural ("emails", "addresses");
 * *nwords is k.
 */
static const GovNameTerm *
gov_term_at(const GovWords *ws, int i, int *nwords)
{
	for (int k = GOV_NAME_MAX_JOIN; k >= 1; k--)
	{
		char		joined[GOV_NAME_BUF];
		size_t		jl = 0;
		const GovNameTerm *t;

		if (i + k > ws->n)
			continue;
		for (int m = i; m < i + k; m++)
		{
			memcpy(joined + jl, ws->w[m], ws->len[m]);
			jl += ws->len[m];
		}
		t = gov_lookup(joined, jl);
		if (t == NULL && jl > 3 && joined[jl - 1] == 's')
		{
			t = gov_lookup(joined, jl - 1);
			if (t == NULL && joined[jl - 2] == 'e')
				t = gov_lookup(joined, jl - 2);
		}
		if (t != NULL)
		{
			*nwords = k;
			return t;
		}
	}
	return NULL;
}

/* The label and evidence for a kind. */
static const char *
gov_kind_label(GovNameKind kind, const char **evidence)
{
	switch (kind)
	{
		case GK_EMAIL:
			*evidence = "name: email";
			return "email";
		case GK_PHONE:
			*evidence = "name: phone";
			return "pii";
		case GK_NATIONAL_ID:
			*evidence = "name: national id";
			return "secret";
		case GK_CARD:
			*evidence = "name: card number";
			return "secret";
		case GK_CVV:
			*evidence = "name: card security code";
			return "secret";
		case GK_PASSWORD:
			*evidence = "name: password";
			return "secret";
		case GK_CREDENTIAL:
			*evidence = "name: credential";
			return "secret";
		case GK_PERSON:
		case GK_GENERIC_NAME:
			*evidence = "name: person name";
			return "pii";
		case GK_ADDRESS:
		case GK_ADDRESS_WORD:
			*evidence = "name: postal address";
			return "pii";
		case GK_BIRTH:
			*evidence = "name: date of birth";
			return "pii";
		case GK_IP:
			*evidence = "name: ip address";
			return "pii";
		case GK_BANK:
			*evidence = "name: bank account";
			return "pii";
		case GK_DOCUMENT:
			*evidence = "name: identity document";
			return "secret";
		case GK_LOGIN:
			*evidence = "name: user name";
			return "pii";
		case GK_NOT_SENSITIVE:
			break;
	}
	return NULL;
}

/*
 * Column-name rules (see the file header and common_detect.h).  Finds
 * the rightmost term, applies the cancelling words after it and the
 * qualifier rules of generic words, and lowers the confidence by 0.1
 * when other words surround the term.
 */
const char *
governance_detect_name(const char *name, size_t len, float *confidence,
					   const char **evidence)
{
	GovWords	ws;
	const GovNameTerm *last = NULL;
	int			start = 0,
				end = 0;
	GovNameKind kind;
	float		conf;
	const char *dummy_e;
	float		dummy_c;

	if (confidence == NULL)
		confidence = &dummy_c;
	if (evidence == NULL)
		evidence = &dummy_e;
	*confidence = 0.0f;
	*evidence = NULL;
	if (name == NULL || len == 0)
		return NULL;
	gov_split_words(name, len, &ws);
	if (ws.n == 0)
		return NULL;
	if (ws.n > 1 && GOV_IN(&ws, 0, gov_cancel_prefixes))
		return NULL;

	/* the rightmost term; a term's "number" word belongs to it */
	for (int i = 0; i < ws.n;)
	{
		int			k;
		const GovNameTerm *t = gov_term_at(&ws, i, &k);

		if (t == NULL)
		{
			i++;
			continue;
		}
		last = t;
		start = i;
		end = i + k;
		while (end < ws.n && GOV_IN(&ws, end, gov_number_words))
			end++;
		/* "email" "address": the address is the e-mail's */
		if ((t->kind == GK_EMAIL || t->kind == GK_IP) && end < ws.n)
		{
			int			k2;
			const GovNameTerm *t2 = gov_term_at(&ws, end, &k2);

			if (t2 != NULL && t2->kind == GK_ADDRESS_WORD)
				end += k2;
		}
		i = end;
	}
	if (last == NULL)
		return NULL;
	kind = last->kind;
	conf = last->confidence;
	if (kind == GK_NOT_SENSITIVE)
		return NULL;			/* "userid": an id, not a name */
	if (kind == GK_LOGIN && start > 0 && GOV_IN(&ws, start - 1, gov_event_words))
		return NULL;			/* "last_login": when, not who */

	/* what follows the term */
	for (int k = end; k < ws.n; k++)
	{
		if ((kind == GK_CARD || kind == GK_NATIONAL_ID) &&
			GOV_IN(&ws, k, gov_last_digits_words))
		{
			/* "card_last4", "ssn_last4": four digits identify little */
			*confidence = 0.4f;
			*evidence = kind == GK_CARD ? "name: last digits of a card" :
				"name: last digits of a national id";
			return "pii";
		}
		if (kind == GK_GENERIC_NAME && k == end &&
			GOV_IN(&ws, k, gov_personal_words))
			continue;			/* "nombre_cliente" */
		if (GOV_IN(&ws, k, gov_cancel_words))
			return NULL;
		/* a digit word ("address_line1", "phone2") is harmless */
	}

	/* qualifiers before generic words */
	if (kind == GK_GENERIC_NAME)
	{
		bool		personal = (start > 0 && GOV_IN(&ws, start - 1, gov_personal_words)) ||
			(end < ws.n && GOV_IN(&ws, end, gov_personal_words));

		if (ws.n == 1)
			conf = 0.5f;
		else if (personal)
			conf = 0.8f;
		else
			return NULL;		/* product_name, file_name, table_name */
	}
	else if (kind == GK_ADDRESS_WORD && start > 0)
	{
		if (GOV_IN(&ws, start - 1, gov_nonpostal_words))
			return NULL;
		if (GOV_IN(&ws, start - 1, gov_ip_words))
			kind = GK_IP;
	}

	if (kind != GK_GENERIC_NAME && (start > 0 || end < ws.n))
		conf -= 0.1f;
	if (conf < 0.4f)
		conf = 0.4f;
	*confidence = conf;
	return gov_kind_label(kind, evidence);
}
