#
# 002_keys.pl
#	  Tokens at connection time, key rotation by editing the key file and
#	  reloading, and what happens to sessions whose key goes away.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('keys');
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
});

# A token given in PGOPTIONS at connection start is verified like SET.
my $alice = mint_token('sub=alice', 'act={"sub":"agent-7"}');
{
	local $ENV{PGOPTIONS} = "-c governance.token=$alice";
	is($node->safe_psql('postgres', q{SELECT governance.whoami()->>'sub' || '/' || (governance.whoami()->>'actor')},
		connstr => $node->connstr('postgres') . ' user=agent'),
		'alice/agent-7', 'token from PGOPTIONS is the identity');
}
# A bad token at connection start refuses the connection: the session
# never runs as anyone else.
{
	my $expired = mint_token('sub=alice', 'exp=-100');
	local $ENV{PGOPTIONS} = "-c governance.token=$expired";
	my ($rc, $out, $err) = $node->psql('postgres', 'SELECT 1',
		connstr => $node->connstr('postgres') . ' user=agent');
	isnt($rc, 0, 'expired token at connection start refuses the connection');
	like($err, qr/invalid governance token: token has expired/, 'and says why');
	unlike($err, qr/\Q$expired\E/, 'the refusal does not echo the token');
}

# Rotation: move to a JWKS with key ids.
my $data = $node->data_dir;
my $k1 = jwk_from_rsa_pem("$data/rsa_public.pem", 'k1');
my $k2 = jwk_from_rsa_pem("$data/other_rsa_public.pem", 'k2');
sub write_jwks
{
	my @keys = @_;
	open my $fh, '>', "$data/jwks.json" or die;
	print $fh '{"keys":[' . join(',', @keys) . "]}\n";
	close $fh;
}
write_jwks($k1);
$node->append_conf('postgresql.conf', "governance.jwt_public_keys_file = 'jwks.json'\n");
$node->reload;

my $tok_k1 = mint_token('sub=old-key-user', '--header', '{"kid":"k1"}');
my $tok_k2 = mint_token('sub=new-key-user', '--key', 'other-rsa', '--header', '{"kid":"k2"}');

my $session = $node->background_psql('postgres', on_error_stop => 0);
$session->query_safe("SET governance.token = '$tok_k1'");
is($session->query_safe(q{SELECT governance.whoami()->>'sub'}), 'old-key-user',
	'kid k1 verifies against the JWKS');
my $res = $session->query("SET governance.token = '$tok_k2'");
like($session->{stderr}, qr/token names an unknown key/, 'kid k2 is not known yet');
$session->{stderr} = '';

# Publish k2 beside k1: both verify.
write_jwks($k1, $k2);
$node->reload;
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_public_keys_file'", 'jwks.json');
is($node->safe_psql('postgres', "SET governance.token = '$tok_k2'; SELECT governance.whoami()->>'sub'"),
	'new-key-user', 'after reload, kid k2 verifies');

# Retire k1: a session still acting by a k1 token is stopped at its next
# statement; it may set a new token.
write_jwks($k2);
$node->reload;
my $stopped = 0;
for (1 .. 100)
{
	$session->{stderr} = '';
	$session->query('SELECT 1');
	if ($session->{stderr} =~ /governance identity is no longer valid: token names an unknown key/)
	{
		$stopped = 1;
		last;
	}
	sleep 0.1;
}
ok($stopped, 'a session whose key was retired can no longer act');
$session->{stderr} = '';
$session->query_safe("SET governance.token = '$tok_k2'");
is($session->query_safe(q{SELECT governance.whoami()->>'sub'}), 'new-key-user',
	'that session may switch to a token of a current key');
$session->quit;

# A token verified by some backend is remembered cluster-wide, so that a
# new connection with it skips the signature arithmetic; but only under
# the keys it was verified with.  Attack: reuse k1's token, verified by
# many backends before k1 was retired, on a new connection.  Defence: the
# keys changed, so nothing verified under the old ones is taken on trust.
my ($k1_out, $k1_err) = ('', '');
$node->psql('postgres', "SELECT governance.whoami()->>'sub'",
	stdout => \$k1_out, stderr => \$k1_err,
	connstr => $node->connstr('postgres') . " options='-c governance.token=$tok_k1'");
like($k1_err, qr/token names an unknown key/,
	'a new connection with a token verified before its key was retired is refused');
my $k2_sub = '';
for (1 .. 3)
{
	$k2_sub .= $node->safe_psql('postgres', "SELECT governance.whoami()->>'sub'",
		connstr => $node->connstr('postgres') . " options='-c governance.token=$tok_k2'") . ' ';
}
is($k2_sub, 'new-key-user new-key-user new-key-user ',
	'new connections with a token seen before act as its subject');

# A broken key file at reload is reported and the old keys stay in force.
open my $fh, '>', "$data/broken.json" or die;
print $fh '{"keys":[{"kty":"RSA","n":"not base64!"}]}';
close $fh;
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.jwt_public_keys_file = 'broken.json'\n");
$node->reload;
$node->wait_for_log(qr/invalid value for parameter "governance.jwt_public_keys_file"/, $log_offset);
pass('a broken key file at reload is logged');
is($node->safe_psql('postgres', "SET governance.token = '$tok_k2'; SELECT governance.whoami()->>'sub'"),
	'new-key-user', 'the previous keys still verify after a failed reload');
is($node->safe_psql('postgres', "SHOW governance.jwt_public_keys_file"),
	'jwks.json', 'the setting keeps its previous value');

# Restricting the algorithms at reload stops ES256 tokens.
my $tok_es = mint_token('sub=ec-user', '--alg', 'ES256', '--key', 'ec');
$node->append_conf('postgresql.conf', "governance.jwt_public_keys_file = 'public_keys.pem'\n");
$node->reload;
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_public_keys_file'", 'public_keys.pem');
is($node->safe_psql('postgres', "SET governance.token = '$tok_es'; SELECT governance.whoami()->>'sub'"),
	'ec-user', 'ES256 accepted by default');
$node->append_conf('postgresql.conf', "governance.jwt_algorithms = 'RS256'\n");
$node->reload;
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_algorithms'", 'RS256');
my ($rc, $out, $err) = $node->psql('postgres', "SET governance.token = '$tok_es'");
like($err, qr/token algorithm is not allowed/, 'ES256 refused once only RS256 is allowed');

# Identity providers publish key sets with keys this server does not
# verify beside their signing keys (Keycloak's encryption key), and
# deployments keep keys in several files.  A set with one such key was
# refused whole, and a list of files made every token fail.
# Rule: a key not for signatures, or of an algorithm, key type or curve
# not verified here, is skipped with one LOG line naming it and why;
# governance.jwt_public_keys_file is a comma-separated list; at start and
# at each reload the postmaster logs what each file held.
my $enc = jwk_from_rsa_pem("$data/other_rsa_public.pem", 'kc-enc');
$enc =~ s/"use":"sig"/"use":"enc"/;
write_jwks($k2, $enc);
$log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.jwt_algorithms = 'RS256, ES256'\n"
	  . "governance.jwt_public_keys_file = 'jwks.json, public_keys.pem'\n");
$node->reload;
$node->wait_for_log(qr/governance read 1 verification key from "jwks.json": "k2" \(RS256\)/,
	$log_offset);
pass('the postmaster logs the keys each file gave');
$node->wait_for_log(qr/governance read \d+ verification keys? from "public_keys.pem": no kid/,
	$log_offset);
pass('the second file of the list is read too');
like(slurp_file($node->logfile, $log_offset),
	qr/governance skipped a key of "jwks.json": key "kc-enc" skipped: it is for "use": "enc", not for signatures/,
	'the encryption key is skipped, named, with why');
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_public_keys_file'",
	'jwks.json, public_keys.pem');
is($node->safe_psql('postgres', "SET governance.token = '$tok_k2'; SELECT governance.whoami()->>'sub'"),
	'new-key-user', 'a token of the key set verifies');
is($node->safe_psql('postgres', "SET governance.token = '$tok_es'; SELECT governance.whoami()->>'sub'"),
	'ec-user', 'and one of the PEM file in the same list');

# A token naming a kid (as Okta's and Keycloak's do) against PEM keys,
# which have none, was refused as signed by an unknown key.
# Rule: a kid no key of the set has is tried against the keys without one.
my $tok_kid = mint_token('sub=kid-user', '--alg', 'ES256', '--key', 'ec',
	'--header', '{"kid":"okta-2024-1"}');
is($node->safe_psql('postgres', "SET governance.token = '$tok_kid'; SELECT governance.whoami()->>'sub'"),
	'kid-user', 'a kid no key has is verified by the keys without one');

# A URL-named roles claim (Auth0's namespaced claims) given as a dotted
# path was split at its dots and silently found no roles.
# Rule: a roles path that could find no roles is refused when it is
# loaded; a JSON Pointer names any claim.
$log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.jwt_roles_claim = 'https://example.com/roles'\n");
$node->reload;
$node->wait_for_log(qr/invalid value for parameter "governance.jwt_roles_claim"/, $log_offset);
like(slurp_file($node->logfile, $log_offset), qr/JSON Pointer/,
	'a URL-named roles claim given as a dotted path is refused, and the log says how to name it');
$node->append_conf('postgresql.conf', "governance.jwt_roles_claim = '/https:~1~1example.com~1roles'\n");
$node->reload;
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_roles_claim'",
	'/https:~1~1example.com~1roles');
my $tok_url = mint_token('sub=url-roles', 'https://example.com/roles=["sales","support"]');
is($node->safe_psql('postgres', "SET governance.token = '$tok_url'; SELECT governance.whoami()->>'roles'"),
	'["sales", "support"]', 'roles are found by a JSON Pointer');

done_testing();
