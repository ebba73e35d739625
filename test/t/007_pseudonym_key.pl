#
# 007_pseudonym_key.pl
#	  The pseudonym key: made on first use, shared by every backend, the
#	  key of a true HMAC-SHA-256, re-read when a reload names another
#	  file, and refused, without showing the file, when it is unfit.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use Digest::SHA qw(hmac_sha256 hmac_sha256_hex);
use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('pseudonym');
my $data = $node->data_dir;
my $keyfile = "$data/governance_pseudonym.key";
$node->safe_psql('postgres', 'CREATE EXTENSION governance');

sub pseudonym
{
	my ($expr) = @_;
	return $node->safe_psql('postgres', "SELECT governance.mask_pseudonym($expr)");
}

sub write_key
{
	my ($name, $bytes, $mode) = @_;
	open my $fh, '>:raw', "$data/$name" or die "$name: $!";
	print $fh $bytes;
	close $fh;
	chmod $mode, "$data/$name";
}

sub set_key_file
{
	my ($value) = @_;
	$node->append_conf('postgresql.conf', "governance.pseudonym_key_file = '$value'\n");
	$node->reload;
	$node->poll_query_until('postgres',
		"SELECT setting FROM pg_settings WHERE name = 'governance.pseudonym_key_file'", $value)
	  or die "setting did not reach '$value'";
}

# No key until a pseudonym is needed; then 32 bytes, mode 0600, made by
# several backends at once without a torn or second key.
ok(!-e $keyfile, 'no key file before the first pseudonym');
my (@out, @err, @run);
for my $i (0 .. 7)
{
	push @run, IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'),
		  '-c', q{SELECT governance.mask_pseudonym('alice'::text)} ],
		'>', \$out[$i], '2>', \$err[$i]);
}
$_->finish for @run;
is(join('', @err), '', 'eight backends racing to make the key all succeed');
my %seen = map { $_ => 1 } @out;
is(scalar(keys %seen), 1, 'and all get the same pseudonym');
ok(-f $keyfile, 'the key file exists');
is(-s $keyfile, 32, 'it holds 32 bytes');
is((stat $keyfile)[2] & 07777, 0600, 'only the server user can read it');
opendir my $dh, $data or die;
is(scalar(grep { /^governance_pseudonym\.key\./ } readdir $dh), 0,
	'no temporary key files are left');
closedir $dh;

# The pseudonym is HMAC-SHA-256 of the value's canonical text.
my $key = slurp_file($keyfile);
my $alice = substr(hmac_sha256_hex('alice', $key), 0, 16);
is(pseudonym(q{'alice'::text}), $alice, 'text: first 8 bytes of the HMAC, in hex');
is(pseudonym(q{'alice'::char(12)}), $alice, 'char(n): the padding is not hashed');
my $days = unpack('Q>', substr(hmac_sha256('1985-04-12', $key), 0, 8)) % 73049;
is(pseudonym(q{'1985-04-12'::date}),
	$node->safe_psql('postgres', "SELECT date '1900-01-01' + $days"),
	'date: 1900-01-01 plus the first 8 bytes modulo 73049 days');
is($node->safe_psql('postgres', q{SET DateStyle = 'SQL, DMY';
		SELECT to_char(governance.mask_pseudonym('1985-04-12'::date), 'YYYY-MM-DD')}),
	pseudonym(q{'1985-04-12'::date}),
	'date: the ISO text is hashed, whatever DateStyle says');
is(pseudonym(q{'{"b": 1, "a": [true]}'::jsonb}),
	'"' . substr(hmac_sha256_hex('{"a": [true], "b": 1}', $key), 0, 16) . '"',
	'jsonb: the HMAC of the canonical document');
is(pseudonym(q{'\xdeadbeef'::bytea}), '\x' . hmac_sha256_hex('\xdeadbeef', $key),
	'bytea: the whole HMAC of the hex text');
my $mac42 = hmac_sha256_hex('42', $key);
is(pseudonym('42::int8'),
	$node->safe_psql('postgres', "SELECT ('x' || '$mac42')::bit(64)::int8 & 9223372036854775807"),
	'int8: the first 8 bytes, high bit cleared');

# Another key file named at reload is read by new sessions and by those
# already running.
my $session = $node->background_psql('postgres', on_error_stop => 0);
is($session->query_safe(q{SELECT governance.mask_pseudonym('alice'::text)}), $alice,
	'a running session uses the default key');
my $other = join('', map { chr(int(rand(256))) } 1 .. 48);
write_key('other.key', $other, 0600);
set_key_file('other.key');
my $alice_other = substr(hmac_sha256_hex('alice', $other), 0, 16);
is(pseudonym(q{'alice'::text}), $alice_other, 'a new session uses the other key');
my $switched = 0;
for (1 .. 100)
{
	if ($session->query_safe(q{SELECT governance.mask_pseudonym('alice'::text)}) eq $alice_other)
	{
		$switched = 1;
		last;
	}
	sleep 0.1;
}
ok($switched, 'the running session re-reads the key after the reload');

# Unfit key files are refused; the client is not told where they are.
my $log_offset = -s $node->logfile;
write_key('short.key', 'x' x 15, 0600);
set_key_file('short.key');
my ($rc, $stdout, $stderr) = $node->psql('postgres',
	q{SELECT governance.mask_pseudonym('alice'::text)});
isnt($rc, 0, 'a key of 15 bytes is refused');
like($stderr, qr/the pseudonym key file cannot be used/, 'with a clear message');
unlike($stderr, qr/short\.key/, 'which does not name the file');
ok($node->log_contains(qr/"short\.key": too short/, $log_offset), 'the server log does');

write_key('open.key', 'y' x 32, 0644);
set_key_file('open.key');
($rc, $stdout, $stderr) = $node->psql('postgres', q{SELECT governance.mask_pseudonym(1)});
isnt($rc, 0, 'a key readable by others is refused');

set_key_file('missing.key');
($rc, $stdout, $stderr) = $node->psql('postgres', q{SELECT governance.mask_pseudonym(1)});
isnt($rc, 0, 'a missing key file is refused');
ok(!-e "$data/missing.key", 'and not made: only the default key is');

# The session that saw the other key refuses too, rather than keep it.
my $refused = 0;
for (1 .. 100)
{
	$session->{stderr} = '';
	$session->query(q{SELECT governance.mask_pseudonym('alice'::text)});
	if ($session->{stderr} =~ /the pseudonym key file cannot be used/)
	{
		$refused = 1;
		last;
	}
	sleep 0.1;
}
ok($refused, 'a running session does not keep a key whose file is no longer named');
$session->{stderr} = '';

# Back to the default: the key made first is still the key.
set_key_file('');
is(pseudonym(q{'alice'::text}), $alice, 'the default key is back');
$session->quit;

done_testing();
