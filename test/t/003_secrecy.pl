#
# 003_secrecy.pl
#	  A token is a credential: it must not reach the server log, another
#	  session's view of pg_stat_activity, pg_stat_statements or pgaudit,
#	  all loaded beside governance (and before it, so governance's hooks
#	  run first).
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('secrecy',
	preload => 'pg_stat_statements,pgaudit,governance',
	conf => qq(
log_statement = 'all'
log_min_error_statement = 'error'
log_connections = on
pgaudit.log = 'all'
pg_stat_statements.track_utility = on
));
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE EXTENSION pg_stat_statements;
	CREATE ROLE agent LOGIN;
	GRANT pg_read_all_stats TO agent;
});

my $good = mint_token('sub=alice');
my $good2 = mint_token('sub=bob', '--alg', 'ES256', '--key', 'ec');
my $expired = mint_token('sub=alice', 'exp=-100');
my $forged = mint_token('sub=mallory', '--key', 'other-rsa');
my $spelled = mint_token('sub=carol');
my @tokens = ($good, $good2, $expired, $forged, $spelled);

# Another session of the same role watches pg_stat_activity.
my $watcher = $node->background_psql('postgres',
	extra_params => [ '-U', 'agent' ]);
my $actor = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'agent' ]);
my $actor_pid = $actor->query_safe('SELECT pg_backend_pid()');

# An idle session keeps its last statement visible to the same role.
$actor->query_safe("SET governance.token = '$good'");
my $seen = $watcher->query_safe("SELECT query FROM pg_stat_activity WHERE pid = $actor_pid");
like($seen, qr/SET governance.token = '<redacted>'/, 'pg_stat_activity shows the SET redacted');
unlike($seen, qr/\Q$good\E/, 'pg_stat_activity does not show the token');

$actor->query_safe("SELECT set_config('governance.token', '$good2', false)");
$seen = $watcher->query_safe("SELECT query FROM pg_stat_activity WHERE pid = $actor_pid");
like($seen, qr/set_config\('governance.token', '<redacted>', false\)/,
	'pg_stat_activity shows set_config redacted');

# Statements that set a token but never reach its check still leave their
# text in pg_stat_activity: a SET in an aborted transaction, and a batch
# that fails to parse after the SET.
$actor->query("BEGIN; SELECT 1/0");
$actor->query("SET governance.token = '$good2'");
$seen = $watcher->query_safe("SELECT state || '|' || query FROM pg_stat_activity WHERE pid = $actor_pid");
like($seen, qr/aborted\)\|SET governance.token = '<redacted>'/,
	'a SET refused in an aborted transaction is shown redacted');
$actor->query("ROLLBACK");
# (psql's \\; sends both statements in one query message)
$actor->query("SET governance.token = '$good2' \\; SELEC 1");
$seen = $watcher->query_safe("SELECT query FROM pg_stat_activity WHERE pid = $actor_pid");
like($seen, qr/SET governance.token = '<redacted>' ; SELEC 1/,
	'a batch that fails to parse is shown redacted');
unlike($seen, qr/\Q$good2\E/, 'and without the token');
$actor->{stderr} = '';

# Refused tokens are statements that fail: the log's STATEMENT line and
# the error must not carry them either.
$actor->query("SET governance.token = '$expired'");
$actor->query("SET governance.token = '$forged'");
$actor->query("SET governance.token = 'not-a-jwt-but-secret-looking-value'");
like($actor->{stderr}, qr/token is malformed/, 'the refused values were refused');
$actor->{stderr} = '';
$actor->query_safe("BEGIN; SET LOCAL governance.token = '$good'; COMMIT");
$actor->query_safe('SELECT 1');
$actor->quit;
$watcher->quit;

# PGOPTIONS at connection time, and a refused one.
{
	local $ENV{PGOPTIONS} = "-c governance.token=$good";
	$node->safe_psql('postgres', 'SELECT 1');
	$ENV{PGOPTIONS} = "-c governance.token=$forged";
	$node->psql('postgres', 'SELECT 1');
}

# Attack: hand pg_stat_statements a token in statements other than SET:
# a DO block, a procedure's argument, an EXPLAIN, a comment of a query
# with no constant, a prepared statement.
# Defence: every later hook sees the text with tokens redacted.
$node->safe_psql('postgres', q{
	CREATE PROCEDURE login(t text) LANGUAGE plpgsql AS $$
	BEGIN PERFORM set_config('governance.token', t, false); END $$;
	GRANT EXECUTE ON PROCEDURE login(text) TO agent;
});
$node->safe_psql('postgres', qq{
	DO \$\$ BEGIN PERFORM set_config('governance.token', '$good', false); END \$\$;
	CALL login('$good');
	EXPLAIN SELECT set_config('governance.token', '$good', false);
	SELECT now() IS NOT NULL /* $good2 */;
	PREPARE p AS SELECT set_config('governance.token', '$good', false);
	EXECUTE p;
}, extra_params => [ '-U', 'agent' ]);

# Attack: spell the token so that its text is not its value: an escape
# string whose first character is an escape, a Unicode string, a no-op
# backslash inside, a literal continued on the next line, set_config with
# an escaped literal, an escaped literal in a DO body.  Each one sets a
# token the verifier accepts.
# Defence: a literal is judged by its decoded value (and the value given to
# the setting is hidden whatever it holds): the token reaches no log line,
# no pg_stat_statements entry, no activity string and no audit event.
my $rest = substr($spelled, 1);
my $mid = substr($spelled, 10);
my $head = substr($spelled, 0, 10);
my @spellings = (
	"SET governance.token = E'\\x65$rest'",
	"SET governance.token = U&'\\0065$rest'",
	"SET governance.token = U&'!0065$rest' UESCAPE '!'",
	"SET governance.token = E'$head\\$mid'",
	"SET governance.token = '$head'\n  '$mid'",
	"SELECT set_config('governance.token', E'\\x65$rest', false)",
	"DO \$\$ BEGIN PERFORM set_config('governance.token', E'\\x65$rest', false); END \$\$",
	# a quote in the comment of a continuation, a Unicode-escaped name
	"SET U&\"\\0067overnance\".token = '$head' -- it's\n'$mid'",
	"SELECT set_config('governance.' || 'token', '$head' -- it's\n'$mid', false)");
{
	my $watcher = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
	my $actor = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
	my $pid = $actor->query_safe('SELECT pg_backend_pid()');
	for my $i (0 .. $#spellings)
	{
		my $sql = $spellings[$i];
		$actor->query_safe('RESET governance.token');
		$actor->query_safe($sql);
		my $seen = $watcher->query_safe("SELECT query FROM pg_stat_activity WHERE pid = $pid");
		unlike($seen, qr/\Q$mid\E/, "spelling $i: pg_stat_activity does not show the token");
		like($seen, qr/<redacted>/, "spelling $i: pg_stat_activity shows it redacted");
		is($actor->query_safe('SELECT governance.whoami()->>\'sub\''), 'carol',
			"spelling $i sets a token the verifier accepts");
	}
	$actor->quit;
	$watcher->quit;
	my $trail = $node->safe_psql('postgres',
		q{SELECT string_agg(event::text, E'\n') FROM governance.audit_log});
	unlike($trail, qr/\Q$mid\E/, 'the audit trail holds none of the spelled tokens');
	like($trail, qr/set_config\('governance.token', E'<redacted>', false\)/,
		'the audit trail holds set_config with the escaped literal redacted');
}

my $pgss = $node->safe_psql('postgres',
	q{SELECT string_agg(query, E'\n') FROM pg_stat_statements});
like($pgss, qr/CALL login\('<redacted>'\)/, 'pg_stat_statements holds CALL redacted');
like($pgss, qr/DO \$\$ BEGIN PERFORM set_config\('governance.token', '<redacted>'/,
	'pg_stat_statements holds the DO block redacted');
like($pgss, qr/SET governance.token = '<redacted>'/, 'pg_stat_statements holds the redacted text');
$node->stop;

my $log = slurp_file($node->logfile);
like($log, qr/AUDIT: SESSION.*SET governance.token = '<redacted>'/, 'pgaudit logged the SET, redacted');
for my $i (0 .. $#tokens)
{
	unlike($log, qr/\Q$tokens[$i]\E/, "token $i is not in the server log");
	unlike($pgss, qr/\Q$tokens[$i]\E/, "token $i is not in pg_stat_statements");
	# Not even its signature part.
	my $sig = (split /\./, $tokens[$i])[2];
	unlike($log, qr/\Q$sig\E/, "signature of token $i is not in the server log");
}
unlike($log, qr/not-a-jwt-but-secret-looking-value/, 'a malformed token value is not in the log either');
like($log, qr/invalid governance token: token signature is invalid/, 'the refusal itself is logged');

# governance listed before pg_stat_statements: its hooks would see tokens,
# and the server says so when it starts.
my $wrong = governance_node('secrecy_order',
	preload => 'governance,pg_stat_statements');
$wrong->stop;
like(slurp_file($wrong->logfile),
	qr/WARNING:  pg_stat_statements is listed after governance in shared_preload_libraries/,
	'a library listed after governance is warned about');

done_testing();
