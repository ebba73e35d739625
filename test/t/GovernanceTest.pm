#
# GovernanceTest.pm
#	  Shared set-up for the TAP tests: a cluster with governance preloaded
#	  and the test keys installed, and tokens minted by test/tools/token.
#
# test/t/GovernanceTest.pm
#
package GovernanceTest;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

use Exporter 'import';
our @EXPORT = qw(governance_node mint_token repo_path jwk_from_rsa_pem test_ca test_cert);

my $repo = abs_path(dirname(__FILE__) . '/../..');

sub repo_path
{
	return "$repo/$_[0]";
}

# Mint a token: mint_token('sub=alice', 'roles=["a"]', '--key', 'ec', ...).
sub mint_token
{
	my @args = @_;
	my ($stdout, $stderr);
	IPC::Run::run([ repo_path('test/tools/token'), @args ],
		'>', \$stdout, '2>', \$stderr)
	  or die "token @args failed: $stderr";
	chomp $stdout;
	return $stdout;
}

# A JWK ("kty":"RSA") for an RSA public key PEM, via the openssl command.
sub jwk_from_rsa_pem
{
	my ($pem, $kid) = @_;
	my $out = `openssl rsa -pubin -in '$pem' -noout -modulus 2>/dev/null`;
	$out =~ /Modulus=([0-9A-F]+)/ or die "no modulus in $pem";
	my $n = MIME::Base64::encode_base64url(pack('H*', $1));
	return qq({"kty":"RSA","kid":"$kid","use":"sig","alg":"RS256","n":"$n","e":"AQAB"});
}

# A started cluster with governance (and any other libraries) preloaded,
# the regression keys copied into its data directory, and extra settings.
sub governance_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	my $data = $node->data_dir;
	for my $f (qw(public_keys.pem hmac.secret rsa_public.pem other_rsa_public.pem ec_public.pem))
	{
		copy(repo_path("test/keys/$f"), "$data/$f") or die "copy $f: $!";
	}
	chmod 0600, "$data/hmac.secret";
	my $preload = $opts{preload} // 'governance';
	$node->append_conf('postgresql.conf', qq(
shared_preload_libraries = '$preload'
governance.jwt_public_keys_file = 'public_keys.pem'
governance.jwt_hmac_secret_file = 'hmac.secret'
governance.jwt_issuer = 'https://idp.example.com'
governance.jwt_audience = 'orders-db'
) . ($opts{conf} // ''));
	$node->start unless $opts{no_start};
	return $node;
}

# Run the openssl command; its output, or die with what it said.
sub openssl
{
	my @args = @_;
	my ($out, $err);
	IPC::Run::run([ 'openssl', @args ], '>', \$out, '2>', \$err)
	  or die "openssl @args: $err";
	return $out;
}

# A test certificate authority: $dir/$name-ca.crt and $dir/$name-ca.key.
sub test_ca
{
	my ($dir, $name) = @_;
	openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
		'-nodes', '-days', '2', '-subj', "/CN=$name test CA",
		'-keyout', "$dir/$name-ca.key", '-out', "$dir/$name-ca.crt");
}

# A certificate signed by test_ca $ca: $dir/$name.crt and $dir/$name.key,
# for the names of $san (default: localhost and 127.0.0.1).
sub test_cert
{
	my ($dir, $ca, $name, $san, $cn) = @_;
	$san //= 'DNS:localhost, IP:127.0.0.1';
	$cn //= 'localhost';
	openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
		'-subj', "/CN=$cn", '-keyout', "$dir/$name.key", '-out', "$dir/$name.csr");
	PostgreSQL::Test::Utils::append_to_file("$dir/$name.ext", "subjectAltName = $san\n");
	openssl('x509', '-req', '-in', "$dir/$name.csr", '-CA', "$dir/$ca-ca.crt",
		'-CAkey', "$dir/$ca-ca.key", '-CAcreateserial', '-days', '2',
		'-extfile', "$dir/$name.ext", '-out', "$dir/$name.crt");
	chmod 0600, "$dir/$name.key";
}

require MIME::Base64;

1;
