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

done_testing();
