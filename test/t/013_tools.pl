#
# 013_tools.pl
#	  The installed user tools: governance-token mints tokens the server
#	  accepts, for every kind of key, and refuses what it cannot do;
#	  governance-verify-audit answers --help (its checks of a trail are in
#	  004_audit.pl).
#
# test/t/013_tools.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('tools');
my $bindir = $node->config_data('--bindir');
my $tool = "$bindir/governance-token";
ok(-x $tool, 'make install put governance-token beside PostgreSQL\'s programs');
ok(-x "$bindir/governance-verify-audit", 'and governance-verify-audit');

sub run_tool
{
	my ($prog, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $prog, @args ], '>', \$out, '2>', \$err);
	chomp $out;
	return ($? >> 8, $out, $err);
}

my ($rc, $out, $err) = run_tool($tool, '--help');
is($rc, 0, 'governance-token --help exits 0');
like($out, qr/Usage:.*--key PRIVATE-KEY\.pem --sub SUBJECT/s, 'and says how to use it');
($rc, $out) = run_tool("$bindir/governance-verify-audit", '--help');
is($rc, 0, 'governance-verify-audit --help exits 0');
like($out, qr/Usage:.*--key FILE\]\.\.\. AUDIT-FILE/s, 'and says how to use it, with a key given once per key');

$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE ROLE app LOGIN');
my $keys = repo_path('test/keys');
my @iss = ('--iss', 'https://idp.example.com', '--aud', 'orders-db');

# Whatever the key, the server accepts the token as minted.
for my $case (
	[ 'RSA key', 'RS256', '--key', "$keys/rsa_private.pem" ],
	[ 'RSA key with --alg PS256', 'PS256', '--key', "$keys/rsa_private.pem", '--alg', 'PS256' ],
	[ 'RSA key with --alg RS512', 'RS512', '--key', "$keys/rsa_private.pem", '--alg', 'RS512' ],
	[ 'EC P-256 key', 'ES256', '--key', "$keys/ec_private.pem" ],
	[ 'Ed25519 key', 'EdDSA', '--key', "$keys/ed25519_private.pem" ],
	[ 'HMAC secret', 'HS256', '--secret-file', "$keys/hmac.secret" ])
{
	my ($name, $alg, @key) = @$case;
	($rc, $out, $err) = run_tool($tool, @key, @iss, '--sub', 'alice@example.com',
		'--roles', 'analyst,viewer', '--actor', 'agent-7', '--jti', 'try-1',
		'--claim', 'tenant={"id":42}', '--claim', 'team=blue', '--expires-in', '15m');
	is($rc, 0, "$name: minted") or diag($err);
	my $who = $node->safe_psql('postgres', qq{
		SET governance.token = '$out';
		SELECT concat_ws(' ', governance.whoami()->>'sub', governance.whoami()->>'algorithm',
			governance.whoami()->>'actor', governance.whoami()->'roles',
			governance.claims()->'tenant'->>'id', governance.claim('team'),
			governance.whoami()->>'token_id',
			(governance.claims()->>'exp')::bigint - (governance.claims()->>'iat')::bigint)},
		extra_params => [ '-U', 'app' ]);
	is($who, qq{alice\@example.com $alg agent-7 ["analyst", "viewer"] 42 blue try-1 900},
		"$name: the server accepts it, with every claim");
}

# A kid goes into the header.
($rc, $out) = run_tool($tool, '--key', "$keys/ec_private.pem", @iss, '--sub', 'bob', '--kid', 'idp-2026');
is($node->safe_psql('postgres', "SET governance.token = '$out'; SELECT governance.whoami()->>'key_id'",
		extra_params => [ '-U', 'app' ]), 'idp-2026', '--kid names the key id');

# Mistakes are refused with a message and exit status 2, and no token.
for my $case (
	[ 'no --sub', qr/--sub is required/, '--key', "$keys/rsa_private.pem" ],
	[ 'no key', qr/exactly one of --key and --secret-file/, '--sub', 'a' ],
	[ 'both keys', qr/exactly one of --key and --secret-file/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--secret-file', "$keys/hmac.secret" ],
	[ 'a public key', qr/holds no PEM private key/, '--sub', 'a', '--key', "$keys/rsa_public.pem" ],
	[ 'a missing file', qr/could not open/, '--sub', 'a', '--key', "$keys/nonexistent.pem" ],
	[ 'ES256 with an RSA key', qr/cannot make ES256 signatures/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--alg', 'ES256' ],
	[ 'an unknown algorithm', qr/cannot make XX999 signatures/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--alg', 'XX999' ],
	[ 'RS256 with a secret', qr/HMAC secret makes HS256/, '--sub', 'a',
		'--secret-file', "$keys/hmac.secret", '--alg', 'RS256' ],
	[ 'a bad lifetime', qr/is not a duration/, '--sub', 'a', '--key', "$keys/rsa_private.pem",
		'--expires-in', '10 minutes' ],
	[ 'a malformed --claim', qr/wants NAME=VALUE/, '--sub', 'a', '--key', "$keys/rsa_private.pem",
		'--claim', 'novalue' ],
	[ 'an unknown option', qr/unknown option "--subject"/, '--subject', 'a' ],
	[ 'an option without value', qr/--sub needs a value/, '--key', "$keys/rsa_private.pem", '--sub' ],
	[ 'an actor that is not UTF-8', qr/--actor: .* is not valid UTF-8/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--actor', "\xff\xfe" ],
	[ 'a role that is not UTF-8', qr/--roles: .* is not valid UTF-8/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--roles', "ok,\xff" ],
	[ 'exp by --claim', qr/--claim exp: set "exp" with its own option/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--claim', 'exp=5' ],
	[ 'sub by --claim', qr/--claim sub: set "sub" with its own option/, '--sub', 'a',
		'--key', "$keys/rsa_private.pem", '--claim', 'sub=null' ])
{
	my ($name, $re, @args) = @$case;
	($rc, $out, $err) = run_tool($tool, @args);
	is($rc, 2, "$name: exit status 2");
	like($err, $re, "$name: says why");
	is($out, '', "$name: prints no token");
}

# A secret file ending in two newlines: the tool reads it as the server
# does (one trailing newline, then one CR, are not secret), so its token
# verifies.
my $data = $node->data_dir;
open(my $fh, '>', "$data/two_newlines.secret") or die $!;
print $fh "a-secret-of-more-than-thirty-two-bytes-0123456789\n\n";
close $fh;
chmod 0600, "$data/two_newlines.secret";
$node->append_conf('postgresql.conf', "governance.jwt_hmac_secret_file = 'two_newlines.secret'\n");
$node->reload;
$node->poll_query_until('postgres',
	"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_hmac_secret_file'",
	'two_newlines.secret');
($rc, $out, $err) = run_tool($tool, '--secret-file', "$data/two_newlines.secret", @iss, '--sub', 'hs-user');
is($node->safe_psql('postgres', "SET governance.token = '$out'; SELECT governance.whoami()->>'sub'",
		extra_params => [ '-U', 'app' ]), 'hs-user',
	'a token from a secret file ending in two newlines verifies');

$node->stop;
done_testing();
