# governance: PGXS build for PostgreSQL 15

EXTENSION = governance
MODULE_big = governance
DATA = $(wildcard src/sql/governance--*.sql)
SCRIPTS_built = tools/governance-token tools/governance-verify-audit

OBJS = \
	src/governance.o \
	src/approval/approval.o \
	src/approval/approval_sql.o \
	src/approval/fingerprint.o \
	src/audit/audit_sql.o \
	src/audit/chain.o \
	src/audit/events.o \
	src/audit/line_check.o \
	src/audit/nested.o \
	src/audit/record.o \
	src/audit/retention.o \
	src/audit/ring.o \
	src/audit/ship.o \
	src/audit/ship_http.o \
	src/audit/ship_syslog.o \
	src/audit/sink.o \
	src/audit/statement.o \
	src/audit/statement_text.o \
	src/audit/worker.o \
	src/common/catalog.o \
	src/common/subxact.o \
	src/common/curl.o \
	src/common/detect.o \
	src/common/detect_bytes.o \
	src/common/detect_card.o \
	src/common/detect_decode.o \
	src/common/detect_jwt.o \
	src/common/detect_keys.o \
	src/common/detect_name.o \
	src/common/detect_net.o \
	src/common/detect_pem.o \
	src/common/detect_secret.o \
	src/common/detect_token.o \
	src/common/detect_values.o \
	src/common/files.o \
	src/common/lex.o \
	src/common/names.o \
	src/common/worker.o \
	src/discover/auto_label.o \
	src/discover/discover.o \
	src/discover/discover_sql.o \
	src/discover/sample.o \
	src/discover/score.o \
	src/guard/budget.o \
	src/guard/check.o \
	src/guard/enforce.o \
	src/hooks/hooks.o \
	src/hooks/wire.o \
	src/identity/identity.o \
	src/identity/identity_sql.o \
	src/identity/jwks.o \
	src/identity/jwks_worker.o \
	src/identity/jwt.o \
	src/identity/jwt_claims.o \
	src/identity/jwt_keyset.o \
	src/identity/key_settings.o \
	src/identity/redact.o \
	src/identity/redact_lex.o \
	src/identity/secrecy.o \
	src/identity/sessions.o \
	src/identity/token_scope.o \
	src/identity/token_statements.o \
	src/identity/verified.o \
	src/mask/attached.o \
	src/mask/delivered.o \
	src/mask/labels.o \
	src/mask/labels_sql.o \
	src/mask/masks.o \
	src/mask/namepath.o \
	src/mask/outscan.o \
	src/mask/outscan_messages.o \
	src/mask/outscan_values.o \
	src/mask/outscan_nodetree.o \
	src/mask/planning.o \
	src/mask/pseudonym.o \
	src/mask/rewrite.o \
	src/mask/scrub.o \
	src/mask/stores.o \
	src/mask/utility.o \
	src/policy/classify.o \
	src/policy/classify_utility.o \
	src/policy/decide.o \
	src/policy/decisions.o \
	src/policy/policy_sql.o \
	src/policy/rule_compile.o

PG_CPPFLAGS = -I$(srcdir)/src/include
# -Wextra minus two checks PostgreSQL's own headers and hook signatures
# trip: unused parameters and partially initialised structs.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
# libcurl is opened by the key set fetcher alone (src/identity/jwks_worker.c)
SHLIB_LINK = -ljansson -lssl -lcrypto

REGRESS = identity identity_attacks audit policy approval policy_attacks mask_functions mask mask_attacks mask_attacks2 output_scan output_scan_attacks fail_closed fail_closed2 discovery
REGRESS_OPTS = --temp-instance=./tmp_check --temp-config=$(srcdir)/test/regress.conf

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# git does not keep file modes; the server refuses a readable secret.
installcheck: test-keys
test-keys:
	chmod 600 $(srcdir)/test/keys/hmac.secret
.PHONY: test-keys

# TAP tests (processes, reloads, restarts): test/t/*.pl
PROVE_TESTS = test/t/*.pl
prove-installcheck:
	$(prove_installcheck)
.PHONY: prove-installcheck

# The user tools, built by make and installed by make install into
# PostgreSQL's bin directory: the audit verifier (no server needed) and a
# token minter for trying things out.
tools/governance-verify-audit: tools/governance-verify-audit.c src/audit/record.c src/audit/line_check.c
	$(CC) -Wall -Wextra -Werror -O2 -I$(srcdir)/src/include -o $@ $^ -lcrypto
tools/governance-token: tools/governance-token.c
	$(CC) -Wall -Wextra -Werror -O2 -o $@ $^ -ljansson -lcrypto
EXTRA_CLEAN = tools/governance-verify-audit tools/governance-token
