/*-------------------------------------------------------------------------
 *
 * governance.c
 *	  Entry point: the settings of the extension, then its hooks.
 *
 * The extension must be loaded by shared_preload_libraries: it needs
 * shared memory and hooks in every backend from the first statement on,
 * and a session must not be able to run before governance is in force.
 * Loaded any other way, _PG_init refuses.
 *
 * Every setting is defined here and nowhere else.  Policy settings are
 * PGC_SIGHUP or PGC_SUSET; the only setting an ordinary session may change
 * is its own token, which is verified before it takes effect.
 *
 * src/governance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "governance/hooks.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "governance/policy.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/varlena.h"

PG_MODULE_MAGIC;

char	   *governance_token = NULL;
char	   *governance_jwt_public_keys_file = NULL;
char	   *governance_jwt_hmac_secret_file = NULL;
char	   *governance_jwt_issuer = NULL;
char	   *governance_jwt_audience = NULL;
char	   *governance_jwt_roles_claim = NULL;
char	   *governance_jwt_algorithms = NULL;
int			governance_jwt_clock_skew = 30;
int			governance_token_cache_size = 256;
int			governance_token_scope = GOV_TOKEN_SCOPE_SESSION;
char	   *governance_jwks_url = NULL;
int			governance_jwks_refresh = 600;
char	   *governance_jwks_ca_file = NULL;
int			governance_inhibit = 0;
int			governance_audit_level = GOV_AUDIT_ALL;
int			governance_audit_statement = GOV_AUDIT_STMT_FULL;
bool		governance_audit_sync = false;
int			governance_audit_on_full = GOV_AUDIT_FULL_BLOCK;
int			governance_audit_full_timeout = 10000;
int			governance_audit_fair_share_window = 100;
int			governance_audit_statement_max = 2048;
int			governance_audit_nested_max = 1000;
int			governance_audit_ring_size = 16384;
char	   *governance_audit_directory = NULL;
int			governance_audit_file_size = 102400;
char	   *governance_audit_hmac_key_file = NULL;
char	   *governance_audit_hmac_old_key_files = NULL;
int			governance_audit_file_mode = GOV_AUDIT_FILE_MODE_0600;
int			governance_audit_retention = 0;
int			governance_audit_max_size = 0;
char	   *governance_audit_archive_command = NULL;
char	   *governance_audit_http_url = NULL;
char	   *governance_audit_http_headers_file = NULL;
char	   *governance_audit_http_ca_file = NULL;
int			governance_audit_http_timeout = 30;
int			governance_audit_http_batch = 1000;
char	   *governance_audit_syslog_address = NULL;
int			governance_audit_syslog_protocol = GOV_SYSLOG_TLS;
char	   *governance_audit_syslog_ca_file = NULL;
char	   *governance_audit_syslog_cert_file = NULL;
char	   *governance_audit_syslog_key_file = NULL;
int			governance_audit_syslog_facility = 16;
int			governance_audit_syslog_timeout = 30;
int			governance_audit_chain_simd = GOV_CHAIN_SIMD_AVX512;
char	   *governance_pseudonym_key_file = NULL;
int			governance_auto_label = GOV_AUTO_LABEL_SUGGEST;
bool		governance_output_scan = true;
char	   *governance_environment = NULL;
int			governance_approval_ttl = 3600;
char	   *governance_approver_role = NULL;

static const struct config_enum_entry gov_token_scope_options[] = {
	{"session", GOV_TOKEN_SCOPE_SESSION, false},
	{"transaction", GOV_TOKEN_SCOPE_TRANSACTION, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_audit_file_mode_options[] = {
	{"0600", GOV_AUDIT_FILE_MODE_0600, false},
	{"0640", GOV_AUDIT_FILE_MODE_0640, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_syslog_protocol_options[] = {
	{"tls", GOV_SYSLOG_TLS, false},
	{"tcp", GOV_SYSLOG_TCP, false},
	{NULL, 0, false}
};

/* The facilities an audit trail may go to, with their codes. */
static const struct config_enum_entry gov_syslog_facility_options[] = {
	{"local0", 16, false}, {"local1", 17, false}, {"local2", 18, false},
	{"local3", 19, false}, {"local4", 20, false}, {"local5", 21, false},
	{"local6", 22, false}, {"local7", 23, false},
	{"user", 1, false}, {"auth", 4, false}, {"authpriv", 10, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_audit_level_options[] = {
	{"none", GOV_AUDIT_NONE, false},
	{"ddl", GOV_AUDIT_DDL, false},
	{"write", GOV_AUDIT_WRITE, false},
	{"all", GOV_AUDIT_ALL, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_audit_statement_options[] = {
	{"full", GOV_AUDIT_STMT_FULL, false},
	{"normalized", GOV_AUDIT_STMT_NORMALIZED, false},
	{"none", GOV_AUDIT_STMT_NONE, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_audit_on_full_options[] = {
	{"block", GOV_AUDIT_FULL_BLOCK, false},
	{"drop", GOV_AUDIT_FULL_DROP, false},
	{NULL, 0, false}
};

static const struct config_enum_entry gov_auto_label_options[] = {
	{"off", GOV_AUTO_LABEL_OFF, false},
	{"suggest", GOV_AUTO_LABEL_SUGGEST, false},
	{"apply", GOV_AUTO_LABEL_APPLY, false},
	{NULL, 0, false}
};

/* The widest SIMD the chain may use; the CPU decides within it. */
static const struct config_enum_entry gov_audit_chain_simd_options[] = {
	{"auto", GOV_CHAIN_SIMD_AVX512, false},
	{"avx2", GOV_CHAIN_SIMD_AVX2, false},
	{"none", GOV_CHAIN_SIMD_NONE, false},
	{NULL, 0, false}
};

void		_PG_init(void);

/*
 * Other extensions' hooks see statements with tokens redacted only when
 * they run after governance's, that is when governance is listed after
 * them in shared_preload_libraries (src/identity/secrecy.c).  Warn when
 * an extension known to keep statement text is listed after it.
 */
static void
gov_warn_library_order(void)
{
	static const char *const keepers[] = {"pg_stat_statements", "pgaudit", NULL};
	char	   *copy = pstrdup(shared_preload_libraries_string ? shared_preload_libraries_string : "");
	List	   *names;
	ListCell   *lc;
	bool		seen_governance = false;

	if (!SplitDirectoriesString(copy, ',', &names))
		return;
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		const char *base = strrchr(name, '/');

		base = base ? base + 1 : name;
		if (strcmp(base, "governance") == 0 || strcmp(base, "governance.so") == 0)
		{
			seen_governance = true;
			continue;
		}
		for (int i = 0; seen_governance && keepers[i] != NULL; i++)
			if (strncmp(base, keepers[i], strlen(keepers[i])) == 0 &&
				(base[strlen(keepers[i])] == '\0' || base[strlen(keepers[i])] == '.'))
				ereport(WARNING,
						(errmsg("%s is listed after governance in shared_preload_libraries", keepers[i]),
						 errdetail("Its hooks run before governance's and see statements that set governance.token unredacted, so it may store tokens."),
						 errhint("List governance last in shared_preload_libraries.")));
	}
}

static void
gov_define_settings(void)
{
	DefineCustomStringVariable("governance.token",
							   "JWT naming the identity this session acts as.",
							   "Verified when set; an invalid token is refused and the previous identity stays. Empty: the database role acts.",
							   &governance_token,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   governance_token_check,
							   governance_token_assign,
							   governance_token_show);

	DefineCustomStringVariable("governance.jwt_public_keys_file",
							   "Files of public keys that verify tokens, comma-separated: PEM public keys or JWKS documents.",
							   "Relative paths are relative to the data directory. Edit the file and reload to rotate keys.",
							   &governance_jwt_public_keys_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_public_keys_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwks_url",
							   "https:// URLs of identity providers' key sets (JWKS), comma-separated.",
							   "A background worker fetches them, keeps the last good set in the data directory, "
							   "and fetches again every governance.jwks_refresh and when a token names an unknown key id.",
							   &governance_jwks_url,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_jwks_url_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomIntVariable("governance.jwks_refresh",
							"How often the key sets of governance.jwks_url are fetched again.",
							NULL,
							&governance_jwks_refresh,
							600, 10, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.jwks_ca_file",
							   "PEM file of the certificate authorities trusted for governance.jwks_url; empty: the system's.",
							   NULL,
							   &governance_jwks_ca_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_jwks_ca_file_check,
							   NULL,
							   NULL);

	DefineCustomStringVariable("governance.jwt_hmac_secret_file",
							   "File holding the shared secret that verifies HS256/384/512 tokens.",
							   "At least 32 bytes; one trailing newline is ignored; mode 0600.",
							   &governance_jwt_hmac_secret_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_hmac_secret_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_issuer",
							   "Issuer (iss) a token must carry; empty: not checked.",
							   NULL,
							   &governance_jwt_issuer,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_audience",
							   "Audience (aud) a token must be meant for; empty: not checked.",
							   NULL,
							   &governance_jwt_audience,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_roles_claim",
							   "Claim holding the identity's roles: a dotted path reaches into objects; a path beginning with / is a JSON Pointer.",
							   "Claims named like URLs take the JSON Pointer form: /https:~1~1example.com~1roles.",
							   &governance_jwt_roles_claim,
							   "roles",
							   PGC_SIGHUP,
							   0,
							   governance_roles_claim_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_algorithms",
							   "Algorithms a token may use (each key further restricts its own).",
							   NULL,
							   &governance_jwt_algorithms,
							   "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA,HS256,HS384,HS512",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   governance_algorithms_check,
							   governance_algorithms_assign,
							   NULL);

	DefineCustomIntVariable("governance.jwt_clock_skew",
							"Clock difference tolerated when checking exp and nbf.",
							NULL,
							&governance_jwt_clock_skew,
							30, 0, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL,
							governance_verify_int_assign,
							NULL);

	DefineCustomIntVariable("governance.token_cache_size",
							"Verified tokens remembered per backend.",
							NULL,
							&governance_token_cache_size,
							256, 1, 100000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.token_scope",
							 "How long a token a client sets may act: session or transaction.",
							 "Under transaction, only SET LOCAL and set_config(..., true) may set governance.token: "
							 "what connection poolers in transaction mode need.",
							 &governance_token_scope,
							 GOV_TOKEN_SCOPE_SESSION,
							 gov_token_scope_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.audit_level",
							 "Which statements are audited: none, ddl, write or all.",
							 "Identity events, connections and denials are audited at every level.",
							 &governance_audit_level,
							 GOV_AUDIT_ALL,
							 gov_audit_level_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.audit_statement",
							 "How statement text is recorded: full, normalized (literals replaced) or none.",
							 NULL,
							 &governance_audit_statement,
							 GOV_AUDIT_STMT_FULL,
							 gov_audit_statement_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_statement_max",
							"Most bytes of statement text an audit event records, as rendered in JSON.",
							"A longer statement is cut, and recorded with its length and SHA-256.",
							&governance_audit_statement_max,
							2048, 256, 8192,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_nested_max",
							"Most nested statements of one top-level statement recorded one by one.",
							"Beyond it they are counted in the top-level statement's event (nested_unrecorded); refusals and failures are always recorded.",
							&governance_audit_nested_max,
							1000, 0, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("governance.audit_sync",
							 "Wait until a statement's audit event is durable before the statement returns.",
							 NULL,
							 &governance_audit_sync,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.audit_on_full",
							 "When the audit ring is full: block (wait, then refuse the statement) or drop (count and go on).",
							 NULL,
							 &governance_audit_on_full,
							 GOV_AUDIT_FULL_BLOCK,
							 gov_audit_on_full_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.audit_chain_simd",
							 "Widest SIMD instructions the audit worker hashes with: auto (the widest the CPU has), avx2 or none.",
							 "avx2 avoids AVX-512, which lowers the clock of the whole core on some CPUs.",
							 &governance_audit_chain_simd,
							 GOV_CHAIN_SIMD_AVX512,
							 gov_audit_chain_simd_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_full_timeout",
							"How long a statement waits for room in a full audit ring before it is refused.",
							NULL,
							&governance_audit_full_timeout,
							10000, 0, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_fair_share_window",
							"The window over which an identity's share of the audit ring is measured.",
							"An identity that appends more than an eighth of the ring within it, while the ring is over half full, waits for the ring to drain.",
							&governance_audit_fair_share_window,
							100, 1, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_ring_size",
							"Size of the shared audit ring.",
							NULL,
							&governance_audit_ring_size,
							16384, 1024, 4 * 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("governance.audit_file_mode",
							 "Mode of the audit files: 0600, or 0640 for a log shipper in the postgres group.",
							 "With 0640 the directory is 0750.",
							 &governance_audit_file_mode,
							 GOV_AUDIT_FILE_MODE_0600,
							 gov_audit_file_mode_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_retention",
							"How long audit files are kept; 0: for ever.",
							"A file goes only once every sink has delivered past it and governance.audit_archive_command succeeded for it.",
							&governance_audit_retention,
							0, 0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_max_size",
							"Size of the audit files above which the oldest are removed; 0: no limit.",
							"A file goes only once every sink has delivered past it and governance.audit_archive_command succeeded for it.",
							&governance_audit_max_size,
							0, 0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_archive_command",
							   "Shell command that archives an audit file before it is removed (%p: its path, %f: its name); empty: none.",
							   NULL,
							   &governance_audit_archive_command,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_http_url",
							   "Collector the audit trail is shipped to: an https:// URL (http:// only to this host).",
							   "Batches of events are POSTed as newline-delimited JSON; a 2xx answer acknowledges them.",
							   &governance_audit_http_url,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_audit_http_url_check,
							   NULL,
							   NULL);

	DefineCustomStringVariable("governance.audit_http_headers_file",
							   "File of headers sent with every delivery (\"Name: value\" lines, mode 0600), such as an Authorization token.",
							   NULL,
							   &governance_audit_http_headers_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_private_file_check,
							   NULL,
							   NULL);

	DefineCustomStringVariable("governance.audit_http_ca_file",
							   "PEM file of the certificate authorities trusted for governance.audit_http_url; empty: the system's.",
							   NULL,
							   &governance_audit_http_ca_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_jwks_ca_file_check,
							   NULL,
							   NULL);

	DefineCustomIntVariable("governance.audit_http_timeout",
							"How long one delivery to the collector may take.",
							NULL,
							&governance_audit_http_timeout,
							30, 1, 600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_http_batch",
							"Most events delivered in one request.",
							NULL,
							&governance_audit_http_batch,
							1000, 1, 100000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_syslog_address",
							   "Syslog server the audit trail is shipped to, as host:port ([address]:port for IPv6).",
							   "Each event is an RFC 5424 message whose structured data carries it.",
							   &governance_audit_syslog_address,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_audit_syslog_address_check,
							   NULL, NULL);

	DefineCustomEnumVariable("governance.audit_syslog_protocol",
							 "How the syslog server is reached: tls (RFC 5425), or tcp to this host only.",
							 NULL,
							 &governance_audit_syslog_protocol,
							 GOV_SYSLOG_TLS,
							 gov_syslog_protocol_options,
							 PGC_SIGHUP,
							 GUC_SUPERUSER_ONLY,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_syslog_ca_file",
							   "PEM file of the certificate authorities trusted for the syslog server; empty: the system's.",
							   NULL,
							   &governance_audit_syslog_ca_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_jwks_ca_file_check,
							   NULL, NULL);

	DefineCustomStringVariable("governance.audit_syslog_cert_file",
							   "PEM certificate (chain) presented to a syslog server that asks for one.",
							   NULL,
							   &governance_audit_syslog_cert_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_syslog_key_file",
							   "PEM private key of governance.audit_syslog_cert_file (mode 0600).",
							   NULL,
							   &governance_audit_syslog_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_private_file_check,
							   NULL, NULL);

	DefineCustomEnumVariable("governance.audit_syslog_facility",
							 "Syslog facility of the audit messages.",
							 NULL,
							 &governance_audit_syslog_facility,
							 16,
							 gov_syslog_facility_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_syslog_timeout",
							"How long connecting, sending a batch and its acknowledgement by the syslog server's host may take.",
							NULL,
							&governance_audit_syslog_timeout,
							30, 1, 600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_directory",
							   "Directory of the JSON-lines audit files (relative: to the data directory).",
							   NULL,
							   &governance_audit_directory,
							   "pg_governance",
							   PGC_POSTMASTER,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("governance.audit_file_size",
							"Size at which the audit worker starts a new audit file.",
							NULL,
							&governance_audit_file_size,
							102400, 64, INT_MAX / 2,
							PGC_SIGHUP,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_hmac_key_file",
							   "File holding the key of the audit trail's HMAC-SHA-256 hash chain.",
							   "Empty: the chain uses plain SHA-256, which detects damage but not a forger.",
							   &governance_audit_hmac_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("governance.audit_hmac_old_key_files",
							   "Files holding retired keys of the audit trail's hash chain, separated by commas.",
							   "The verifiers need the keys the lines still in the trail were chained with; "
							   "the audit worker, the key the trail ends under when the key changed while the server was down.",
							   &governance_audit_hmac_old_key_files,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("governance.environment",
							   "The environment this server is, as policy rules name it (production, staging, ...).",
							   "Rules with environments apply only where one of them is set here.",
							   &governance_environment,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, governance_environment_assign, NULL);

	DefineCustomIntVariable("governance.approval_ttl",
							"How long an approval request can be decided, and an approval used.",
							NULL,
							&governance_approval_ttl,
							3600, 1, 30 * 24 * 3600,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("governance.approver_role",
							   "The token role that lets its holder approve statements.",
							   "Database roles approve by being members of governance_approver.",
							   &governance_approver_role,
							   "approver",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("governance.pseudonym_key_file",
							   "File holding the key of the pseudonym mask's HMAC-SHA-256.",
							   "Empty: governance_pseudonym.key in the data directory, made with a random key on first use. 16 to 1024 bytes; mode 0600. Changing the key changes every pseudonym.",
							   &governance_pseudonym_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	/*
	 * Superuser-only, so that an identity whose reads are masked cannot
	 * turn it off to create columns that no label protects.
	 */
	DefineCustomEnumVariable("governance.auto_label",
							 "What creating a column whose name or type looks sensitive does: off, suggest or apply.",
							 "suggest: a NOTICE and a row in governance.label_suggestions; apply: the column is labelled at once when the proposal's confidence is at least 0.8, suggested otherwise.",
							 &governance_auto_label,
							 GOV_AUTO_LABEL_SUGGEST,
							 gov_auto_label_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("governance.output_scan",
							 "Redacts secrets found in unlabelled values delivered to masked identities.",
							 "Private keys, JSON web tokens, cloud keys and card numbers in the text, "
							 "json and other text-like values a masked identity is handed are replaced "
							 "by a redaction, and the statement's audit event counts them.",
							 &governance_output_scan,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("governance");
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("governance must be loaded via shared_preload_libraries"),
				 errdetail("Governance needs shared memory and must be in force before any session runs."),
				 errhint("Add governance to shared_preload_libraries in postgresql.conf and restart the server.")));

	gov_define_settings();
	gov_warn_library_order();

	governance_common_init();
	governance_policy_init();
	governance_labels_init();
	governance_mask_provider_init();
	governance_namepath_init();
	governance_audit_statement_init();
	governance_hooks_install();
	governance_audit_worker_register();
	governance_jwks_worker_register();
	governance_audit_shipper_register();
}
