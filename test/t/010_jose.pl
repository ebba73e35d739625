#
# 010_jose.pl
#	  Key sets and tokens made by a third-party JWT library, jose
#	  (test/jose/mint.mjs), shaped as Keycloak, Auth0 and Okta publish and
#	  issue them, verified end to end by a server that reads those key sets
#	  as a list of files: every algorithm a provider signs with, RFC 9068
#	  access tokens, roles nested and at URL-named claims, keys the server
#	  does not verify skipped by name, and tokens it must refuse.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use File::Copy qw(copy);
use GovernanceTest;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $issuer = 'https://login.example.com/realms/shop';
my $audience = 'orders-db';

# Mint with jose.  Its package is installed by npm ci in test/jose
# (test/check.sh does it).
my $jose = repo_path('test/jose');
die "jose is not installed: run npm ci --no-audit --no-fund in $jose\n"
  unless -f "$jose/node_modules/jose/package.json";
my $out = PostgreSQL::Test::Utils::tempdir;
my ($stdout, $stderr);
IPC::Run::run([ 'node', "$jose/mint.mjs", $out, $issuer, $audience ],
	'>', \$stdout, '2>', \$stderr)
  or die "node mint.mjs failed: $stderr";
note $stdout;

sub read_json
{
	return JSON::PP->new->decode(slurp_file($_[0]));
}
my $tokens = read_json("$out/tokens.json");
my $keycloak = read_json("$out/keycloak.json");
my $auth0 = read_json("$out/auth0.json");
my %kid = (
	kc_enc => $keycloak->{keys}[0]{kid},
	kc_sig => $keycloak->{keys}[1]{kid},
	ps256 => $auth0->{keys}[0]{kid},
	es256 => $auth0->{keys}[1]{kid},
	eddsa => $auth0->{keys}[2]{kid},
	es256k => $auth0->{keys}[3]{kid},
	ed448 => $auth0->{keys}[4]{kid});

# What is published is public keys only, as a provider publishes them.
my @private = grep {
	my $k = $_;
	grep { exists $k->{$_} } qw(d p q dp dq qi oth k)
} (@{ $keycloak->{keys} }, @{ $auth0->{keys} });
is(scalar @private, 0, 'the published key sets hold no private key material');
is(join(' ', map { "$_->{use}/$_->{alg}" } @{ $keycloak->{keys} }),
	'enc/RSA-OAEP sig/RS256', 'the Keycloak set: an encryption key beside the signing key');
ok(defined $keycloak->{keys}[1]{x5c}[0], 'with the certificates Keycloak publishes');

my $node = governance_node('jose', no_start => 1);
my $data = $node->data_dir;
copy("$out/$_", "$data/$_") or die "copy $_: $!" for qw(keycloak.json auth0.json);
$node->append_conf('postgresql.conf', qq(
governance.jwt_public_keys_file = 'keycloak.json, auth0.json'
governance.jwt_hmac_secret_file = ''
governance.jwt_issuer = '$issuer'
governance.jwt_audience = '$audience'
));
$node->start;

# The postmaster read both files at start: the keys it cannot use are
# named with why, the others listed with the algorithm each admits.
my $log = slurp_file($node->logfile);
like($log,
	qr/governance skipped a key of "keycloak.json": key "\Q$kid{kc_enc}\E" skipped: it is for "use": "enc", not for signatures/,
	'LOG names the skipped Keycloak encryption key');
like($log,
	qr/governance read 1 verification key from "keycloak.json": "\Q$kid{kc_sig}\E" \(RS256\)/,
	'LOG: the Keycloak signing key is read, for RS256');
like($log,
	qr/governance skipped a key of "auth0.json": key "\Q$kid{es256k}\E" skipped: algorithm "ES256K" is not one this server verifies/,
	'LOG names the skipped ES256K (secp256k1) key');
like($log,
	qr/governance skipped a key of "auth0.json": key "\Q$kid{ed448}\E" skipped: curve "Ed448" is not one this server verifies/,
	'LOG names the skipped Ed448 key');
like($log,
	qr/governance read 3 verification keys from "auth0.json": "\Q$kid{ps256}\E" \(PS256\), "\Q$kid{es256}\E" \(ES256\), "\Q$kid{eddsa}\E" \(EdDSA\)/,
	'LOG: the PS256, ES256 and Ed25519 keys are read, each for its own algorithm');

$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE app LOGIN;
	CREATE TABLE reports (id int, title text);
	INSERT INTO reports VALUES (1, 'q1'), (2, 'q2');
	ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
	CREATE POLICY realm_readers ON reports
		USING (governance.claims() #> '{realm_access,roles}' ? 'reader');
	CREATE TABLE deals (id int);
	INSERT INTO deals VALUES (1), (2), (3);
	ALTER TABLE deals ENABLE ROW LEVEL SECURITY;
	CREATE POLICY sales_only ON deals
		USING (governance.claims() -> 'https://example.com/roles' ? 'sales');
	GRANT SELECT ON reports, deals TO app;
});
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'app'}),
	'f', 'the client sessions log in as a role that is not a superuser');

# Run SQL as app: (exit code, output, errors), errors with their SQLSTATE.
sub as_app
{
	my ($sql) = @_;
	return $node->psql('postgres', "\\set VERBOSITY verbose\n$sql",
		connstr => $node->connstr('postgres') . ' user=app',
		on_error_stop => 0);
}

# After setting a token, what whoami() says, and whether claims() is the
# payload jose signed.
sub identity_of
{
	my ($name) = @_;
	my $t = $tokens->{$name};
	my $claims = encode_json($t->{claims});
	die "claims of $name hold \$c\$" if $claims =~ /\$c\$/;
	my ($rc, $o, $e) = as_app(qq{SET governance.token = '$t->{token}';
SELECT concat_ws(' | ', w->>'kind', w->>'sub', w->>'algorithm', w->>'key_id',
		w->>'issuer', w->>'db_role', coalesce(w->'roles', '[]'),
		governance.claims() = \$c\$$claims\$c\$::jsonb)
  FROM governance.whoami() w;});
	is($e, '', "$name: no error") or return '';
	return $o;
}

my %good = (
	# No roles at the default claim, roles: they are elsewhere.
	keycloak_rs256 => [ 'kc-7d1e0b3c', 'RS256', $kid{kc_sig}, '[]' ],
	okta_ps256 => [ 'paula@shop.example', 'PS256', $kid{ps256}, '["analyst"]' ],
	es256 => [ 'erin', 'ES256', $kid{es256}, '["auditor", "reader"]' ],
	eddsa => [ 'eddie', 'EdDSA', $kid{eddsa}, '["ops"]' ],
	at_jwt => [ 'svc-batch', 'ES256', $kid{es256}, '["batch"]' ],
	at_jwt_media_type => [ 'svc-report', 'EdDSA', $kid{eddsa}, '["report"]' ],
	auth0_url_roles => [ 'auth0|64f0c2a1b9', 'PS256', $kid{ps256}, '[]' ],);
for my $name (sort keys %good)
{
	my ($sub, $alg, $kid, $roles) = @{ $good{$name} };
	my $got = identity_of($name);
	my $want = join(' | ', 'token', $sub, $alg, $kid, $issuer, 'app', $roles, 't');
	is($got, $want,
		"$name ($tokens->{$name}{alg}, typ $tokens->{$name}{typ}): accepted; whoami has its sub, algorithm, key, roles; claims() is what jose signed"
	);
}

# Claims as providers shape them, read as the reference shows.
my ($rc, $o, $e) = as_app(qq{SET governance.token = '$tokens->{keycloak_rs256}{token}';
SELECT governance.claims() #>> '{realm_access,roles}';
SELECT count(*) FROM reports;});
is($o, qq{["offline_access", "uma_authorization", "reader"]\n2},
	'Keycloak: claims() #>> {realm_access,roles} is what was minted, and a policy on it admits the reader');
($rc, $o, $e) = as_app(qq{SET governance.token = '$tokens->{auth0_url_roles}{token}';
SELECT governance.claims() ->> 'https://example.com/roles';
SELECT count(*) FROM deals;
SELECT count(*) FROM reports;});
is($o, qq{["sales", "support"]\n3\n0},
	'Auth0: claims() ->> the URL-named claim is what was minted, and policies on claims() decide by it');

# The roles claim named by a JSON Pointer, then by a dotted path.
sub set_roles_claim
{
	my ($path) = @_;
	$node->append_conf('postgresql.conf', "governance.jwt_roles_claim = '$path'\n");
	$node->reload;
	$node->poll_query_until('postgres',
		"SELECT setting FROM pg_settings WHERE name = 'governance.jwt_roles_claim'", $path)
	  or die "governance.jwt_roles_claim did not become $path";
}
sub roles_of
{
	my ($name) = @_;
	my ($rc, $o, $e) = as_app(qq{SET governance.token = '$tokens->{$name}{token}';
SELECT governance.whoami()->>'sub' || ' ' || (governance.whoami()->'roles')::text;});
	return $e eq '' ? $o : $e;
}
set_roles_claim('/https:~1~1example.com~1roles');
is(roles_of('auth0_url_roles'), 'auth0|64f0c2a1b9 ["sales", "support"]',
	'jwt_roles_claim = /https:~1~1example.com~1roles: whoami has the Auth0 roles');
set_roles_claim('realm_access.roles');
is(roles_of('keycloak_rs256'), 'kc-7d1e0b3c ["offline_access", "uma_authorization", "reader"]',
	'jwt_roles_claim = realm_access.roles: whoami has the Keycloak realm roles');
set_roles_claim('roles');

# Refused tokens: an error of class 28, the reason, never the token, and
# no identity afterwards.
my %bad = (
	forged_published_kid => qr/token signature is invalid/,
	unpublished_kid => qr/token names an unknown key/,
	expired => qr/token has expired/,
	signed_by_enc_key => qr/token names an unknown key/,
	es256k => qr/token uses an unsupported algorithm/,
	ed448 => qr/token names an unknown key/,);
for my $name (sort keys %bad)
{
	my $t = $tokens->{$name}{token};
	my ($rc, $o, $e) = as_app(qq{SET governance.token = '$t';
SELECT coalesce(governance.whoami()->>'kind', '?') || ' ' || coalesce(governance.whoami()->>'sub', 'no sub')
	|| ' ' || coalesce(governance.claims()::text, 'no claims');});
	like($e, qr/ERROR:  28[0-9A-Z]{3}: invalid governance token: $bad{$name}/,
		"$name ($tokens->{$name}{alg}, kid $tokens->{$name}{kid}): refused with SQLSTATE 28xxx and why");
	unlike($e, qr/\Q$t\E/, "$name: the refusal does not echo the token");
	is($o, 'role no sub no claims', "$name: the session has no token identity");
}

# A refused token leaves the identity the session had.
($rc, $o, $e) = as_app(qq{SET governance.token = '$tokens->{eddsa}{token}';
SET governance.token = '$tokens->{forged_published_kid}{token}';
SELECT governance.whoami()->>'sub';});
is($o, 'eddie', 'a forged token after a good one leaves the good identity, not the forger\'s');

# None of the tokens reached the server log.
$log = slurp_file($node->logfile);
my @logged = grep { index($log, (split /\./, $tokens->{$_}{token})[2]) >= 0 } sort keys %$tokens;
is("@logged", '', 'no token\'s signature is in the server log');

done_testing();
