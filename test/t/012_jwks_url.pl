#
# 012_jwks_url.pl
#	  Key sets fetched from an identity provider's https:// URL.
#
# The provider is a local HTTPS server (openssl s_server -WWW) with a
# certificate from a test CA made here.  What is shown: the worker fetches
# the set and keeps it; a key the provider publishes later is accepted
# without a reload (a token naming its kid asks for a fetch); with the
# provider down the kept keys keep working, also across a restart; a
# server with a certificate of another CA, an answer too large and an
# answer that is not a key set are refused, logged, and change nothing;
# a key the provider withdraws stops the sessions acting by it.
#
# test/t/012_jwks_url.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = PostgreSQL::Test::Utils::tempdir();
my $www = "$dir/www";
mkdir $www or die "mkdir $www: $!";

# A test CA and a server certificate for localhost; a second CA that signs
# a certificate for the same name (the bad certificate).
test_ca($dir, 'good');
test_ca($dir, 'rogue');
test_cert($dir, 'good', 'server');
test_cert($dir, 'rogue', 'impostor');

my $port = PostgreSQL::Test::Cluster::get_free_port();
my $server;

# Serve $www over HTTPS with the given certificate.
sub start_idp
{
	my ($cert) = @_;
	$server = IPC::Run::start(
		[ 'openssl', 's_server', '-quiet', '-accept', "127.0.0.1:$port",
			'-cert', "$dir/$cert.crt", '-key', "$dir/$cert.key", '-WWW' ],
		'<', \undef, '>', "$dir/s_server.out", '2>', "$dir/s_server.err",
		init => sub { chdir $www or die "chdir: $!" });
	# Ready when it accepts a TLS connection.
	for (1 .. 100)
	{
		my ($out, $err);
		last if IPC::Run::run([ 'openssl', 's_client', '-connect', "127.0.0.1:$port" ],
			'<', \"", '>', \$out, '2>', \$err);
		sleep 0.1;
	}
}

sub stop_idp
{
	$server->kill_kill if $server;
	$server = undef;
}

# Publish a key set: the given JWKs, and always the provider's encryption
# key, as Keycloak publishes it beside its signing keys.
my $enc = jwk_from_rsa_pem(repo_path('test/keys/other_rsa_public.pem'), 'enc-1');
$enc =~ s/"use":"sig","alg":"RS256"/"use":"enc","alg":"RSA-OAEP"/;
sub publish
{
	my @jwks = @_;
	open(my $fh, '>', "$www/jwks.json.new") or die $!;
	print $fh '{"keys":[' . join(',', @jwks, $enc) . ']}';
	close $fh;
	rename("$www/jwks.json.new", "$www/jwks.json") or die $!;
}

my $k1 = jwk_from_rsa_pem(repo_path('test/keys/rsa_public.pem'), 'k1');
my $k2 = jwk_from_rsa_pem(repo_path('test/keys/other_rsa_public.pem'), 'k2');
publish($k1);
start_idp('server');

my $url = "https://localhost:$port/jwks.json";
my $node = governance_node('jwks', conf => qq(
governance.jwt_public_keys_file = ''
governance.jwt_hmac_secret_file = ''
governance.jwks_url = '$url'
governance.jwks_ca_file = '$dir/good-ca.crt'
restart_after_crash = on
));
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE app LOGIN;
	CREATE TABLE t (x int);
	GRANT SELECT ON t TO app;
});

my $tok1 = mint_token('sub=user-of-k1', '--header', '{"kid":"k1"}');
my $tok2 = mint_token('sub=user-of-k2', '--key', 'other-rsa', '--header', '{"kid":"k2"}');
my $tok3 = mint_token('sub=user-of-k3', '--key', 'ec', '--alg', 'ES256', '--header', '{"kid":"k3"}');

# What a new session acting by $tok is: its sub, or the error.
sub acts_as
{
	my ($tok) = @_;
	my ($stdout, $stderr);
	$node->psql('postgres', "SET governance.token = '$tok'; SELECT governance.whoami()->>'sub'",
		stdout => \$stdout, stderr => \$stderr, extra_params => [ '-U', 'app' ]);
	return $stdout ne '' ? $stdout : $stderr;
}

my $log_at = 0;
sub wait_log
{
	my ($re, $what) = @_;
	my $ok = $node->wait_for_log($re, $log_at);
	$log_at = -s $node->logfile;
	ok($ok, $what);
}

wait_log(qr/governance fetched 1 verification key from "\Q$url\E": "k1" \(RS256\)/,
	'the worker fetched the set and says which keys it holds');
like(slurp_file($node->logfile), qr/governance skipped a key of "\Q$url\E": key "enc-1" skipped: it is for "use": "enc"/,
	'the encryption key is skipped and named');
is(acts_as($tok1), 'user-of-k1', 'a token of the published key is accepted');
my $cached = join('', glob($node->data_dir . '/pg_governance_jwks/*.json'));
ok($cached ne '', 'the set is kept in the data directory');
is($node->safe_psql('postgres', "SELECT url, keys, key_ids, fetched_at IS NOT NULL, error IS NULL FROM governance.jwks_status()"),
	qq($url|1|"k1" (RS256)|t|t), 'jwks_status() shows the set in force');

# Rotation: the provider publishes k2; a token naming it asks for a fetch.
publish($k1, $k2);
is(acts_as($tok2), 'user-of-k2', 'a newly published key is accepted without a reload');
wait_log(qr/governance fetched 2 verification keys from "\Q$url\E"/, 'the fetch that found it is logged');
is(acts_as($tok1), 'user-of-k1', 'the old key still works beside it');

# The provider goes down: the kept keys work, an unknown kid is refused.
stop_idp();
like(acts_as($tok3), qr/invalid governance token: token names an unknown key/,
	'with the provider down, an unknown key id is refused');
wait_log(qr/governance could not fetch the key set at "\Q$url\E": .*\n.*DETAIL:  The last key set fetched from it stays in force/,
	'the failed fetch is logged');
is(acts_as($tok2), 'user-of-k2', 'with the provider down, the kept keys keep working');
like($node->safe_psql('postgres', "SELECT keys || ' ' || (error IS NOT NULL)::text FROM governance.jwks_status()"),
	qr/^2 true$/, 'jwks_status() shows the failure and the keys still in force');

# A restart without network verifies with the kept set.
$node->restart;
like(slurp_file($node->logfile), qr/governance read 2 verification keys from the kept copy of "\Q$url\E": "k1" \(RS256\), "k2" \(RS256\)/,
	'at start the server says which keys it kept from the URL');
is(acts_as($tok2), 'user-of-k2', 'after a restart without the provider, the kept keys verify');
$log_at = -s $node->logfile;

# A server whose certificate is not from the configured CA is refused.
start_idp('impostor');
sleep 5;    # fetches are at least five seconds apart
like(acts_as($tok3), qr/unknown key/, 'an impostor provider gives no new key');
wait_log(qr/governance could not fetch the key set at "\Q$url\E": .*(certificate|SSL)/i,
	'the bad certificate is logged');
is(acts_as($tok1), 'user-of-k1', 'and the kept keys stay in force');
stop_idp();

# A huge answer and a malformed one are refused; the kept keys stay.
start_idp('server');
open(my $fh, '>', "$www/jwks.json") or die $!;
print $fh '{"keys":[' . join(',', ($k1) x 6000) . ']}';
close $fh;
sleep 5;
like(acts_as($tok3), qr/unknown key/, 'a huge answer gives no key');
wait_log(qr/governance could not fetch the key set at "\Q$url\E": the answer is larger than 1048576 bytes/,
	'the huge answer is refused and logged');
open($fh, '>', "$www/jwks.json") or die $!;
print $fh '{"keys": [ {"kty": "RSA", "n": ';
close $fh;
sleep 5;
like(acts_as($tok3), qr/unknown key/, 'a malformed answer gives no key');
wait_log(qr/governance refused the key set at "\Q$url\E": the answer is not a usable key set/,
	'the malformed answer is refused and logged');
is(acts_as($tok2), 'user-of-k2', 'the last good set is still in force');

# The provider withdraws k1: a session acting by it is stopped.
my $session = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'app' ]);
$session->query_safe("SET governance.token = '$tok1'");
is($session->query_safe(q{SELECT governance.whoami()->>'sub'}), 'user-of-k1', 'a session acts by k1');
publish($k2);
sleep 5;
like(acts_as($tok3), qr/unknown key/, 'a fetch is asked for');
wait_log(qr/governance fetched 1 verification key from "\Q$url\E": "k2"/, 'the set without k1 is fetched');
$session->{stderr} = '';
$session->query('SELECT count(*) FROM t');
like($session->{stderr}, qr/governance identity is no longer valid: token names an unknown key/,
	'the session acting by the withdrawn key is stopped at its next statement');
$session->quit;
like(acts_as($tok1), qr/unknown key/,
	'a new connection with a token verified before the key was withdrawn is refused');

# Attack: crash a backend; the server makes its shared memory anew, where
# the count of key sets fetched starts again, and the keys the postmaster
# parsed at start (k1 among them) could pass for current.  Defence: a
# fresh generation at every start of shared memory, and the postmaster
# parses the keys again then.
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $bg_pid = $bg->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $bg_pid;
$bg->quit;
$node->poll_query_until('postgres', 'SELECT 1', '1');
like(acts_as($tok1), qr/unknown key/, 'after a crash restart, the withdrawn key still verifies nothing');
is(acts_as($tok2), 'user-of-k2', 'after a crash restart, the current key verifies');

# Attack: the provider's set (public, readable by anyone) carries an HMAC
# secret; whoever reads the URL signs tokens with it.  Defence: a secret
# in a published set is skipped, and named in the log.
my $secret = 'an-hmac-secret-published-for-all-to-read-0123456789';
my $oct = '{"kty":"oct","kid":"shared","alg":"HS256","k":"'
  . MIME::Base64::encode_base64url($secret) . '"}';
publish($k2, $oct);
open($fh, '>', "$dir/published.secret") or die $!;
print $fh $secret;
close $fh;
sleep 5;
my $forged;
{
	my ($out, $err);
	IPC::Run::run([ repo_path('test/tools/mint-token'), '--alg', 'HS256',
			'--secret-file', "$dir/published.secret", '--header', '{"kid":"shared"}',
			'--claims', '{"sub":"forged-by-outsider","iss":"https://idp.example.com","aud":"orders-db","exp":' . (time() + 600) . '}' ],
		'>', \$out, '2>', \$err) or die "mint-token: $err";
	chomp $out;
	$forged = $out;
}
like(acts_as($forged), qr/invalid governance token/, 'a token signed with a published HMAC secret is refused');
wait_log(qr/governance skipped a key of "\Q$url\E": key "shared" skipped: it is an HMAC secret/,
	'the published secret is skipped and named');

# Only https:// URLs are accepted.
my ($stdout, $stderr);
$node->psql('postgres', "ALTER SYSTEM SET governance.jwks_url = 'http://localhost:$port/jwks.json'",
	stdout => \$stdout, stderr => \$stderr);
like($stderr, qr/is not an https:\/\/ URL/, 'an http:// URL is refused');

stop_idp();
$node->stop;
done_testing();
