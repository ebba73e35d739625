#
# 001_preload.pl
#	  governance works only from shared_preload_libraries, and refuses to
#	  start with a key file that does not load.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Not preloaded: neither LOAD nor CREATE EXTENSION may bring it in late,
# when sessions could already have run ungoverned.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
my ($rc, $out, $err) = $plain->psql('postgres', 'LOAD \'governance\'');
isnt($rc, 0, 'LOAD outside shared_preload_libraries fails');
like($err, qr/governance must be loaded via shared_preload_libraries/,
	'LOAD says why');
($rc, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION governance');
isnt($rc, 0, 'CREATE EXTENSION without preload fails');
like($err, qr/shared_preload_libraries/, 'CREATE EXTENSION says why');
$plain->stop;

# Preloaded: CREATE EXTENSION makes the schema and its functions.
my $node = governance_node('preloaded');
$node->safe_psql('postgres', 'CREATE EXTENSION governance');
is($node->safe_psql('postgres', q{SELECT governance.whoami()->>'kind'}),
	'role', 'without a token the role acts');
is($node->safe_psql('postgres',
	q{SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc
	   WHERE pronamespace = 'governance'::regnamespace
	     AND proname IN ('whoami', 'claim', 'session_identities', 'audit_events', 'verify_audit', 'audit_stats')}),
	'audit_events,audit_stats,claim,session_identities,verify_audit,whoami', 'functions created');

# A key file that does not load at start is logged, and the server runs
# with no key from it: every token it would have verified is refused
# (fail closed), while sessions without a token work.
$node->stop;
$node->append_conf('postgresql.conf', "governance.jwt_public_keys_file = 'missing.pem'\n");
$node->start;
like(slurp_file($node->logfile), qr/invalid value for parameter "governance.jwt_public_keys_file": "missing.pem"\n.*could not stat "missing.pem"/,
	'log names the setting and the cause');
my $rsa_token = mint_token('sub=alice');
($rc, $out, $err) = $node->psql('postgres', "SET governance.token = '$rsa_token'");
like($err, qr/No configured key admits algorithm RS256/,
	'an RSA token is refused while the public key file is missing');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'sessions without a token still work');

# A group/world-readable HMAC secret is refused the same way.
$node->stop;
$node->append_conf('postgresql.conf', "governance.jwt_public_keys_file = ''\n");
chmod 0644, $node->data_dir . '/hmac.secret';
$node->start;
like(slurp_file($node->logfile), qr/must not be accessible by group or others/,
	'log says the secret file mode is wrong');
my $hs_token = mint_token('sub=carol', '--alg', 'HS256', '--key', 'hmac');
($rc, $out, $err) = $node->psql('postgres', "SET governance.token = '$hs_token'");
like($err, qr/no token verification key is configured/,
	'with neither key file loaded, tokens are refused');

# Fixed and reloaded: tokens verify again, without a restart.
chmod 0600, $node->data_dir . '/hmac.secret';
$node->append_conf('postgresql.conf', "governance.jwt_hmac_secret_file = 'hmac.secret'\n");
$node->reload;
ok($node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_hmac_secret_file'", 'hmac.secret'),
	'the fixed setting is taken at reload');
is($node->safe_psql('postgres', "SET governance.token = '$hs_token'; SELECT governance.whoami()->>'sub'"),
	'carol', 'after fixing the file and reloading, the token verifies');

done_testing();
