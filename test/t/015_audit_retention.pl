#
# 015_audit_retention.pl
#	  The audit directory kept in bounds, losing nothing: the oldest files
#	  go only once delivered and archived, and the trail still verifies
#	  from the first file that remains.
#
# test/t/015_audit_retention.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $archive = PostgreSQL::Test::Utils::tempdir();
my $node = governance_node('retention', no_start => 1, conf => qq(
governance.audit_file_size = '64kB'
governance.audit_hmac_key_file = 'chain.key'
governance.audit_archive_command = 'false'
));
my $data = $node->data_dir;
PostgreSQL::Test::Utils::append_to_file("$data/chain.key", "a-key-for-the-audit-chain-0123456789\n");
chmod 0600, "$data/chain.key";
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (x int)');

# Fill a few 64 kB files.
sub fill
{
	$node->safe_psql('postgres', "INSERT INTO t SELECT g FROM generate_series(1, 2) g /* "
		  . ('x' x 900) . " */") for 1 .. 200;
}
fill();
my @files = glob("$data/pg_governance/audit-*.jsonl");
ok(@files >= 4, 'the trail spans several files (' . scalar(@files) . ')');

# A limit the trail exceeds, with an archive command that fails: nothing
# is removed, and why is said.
my $log_at = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.audit_max_size = '64kB'\n");
$node->reload;
ok($node->wait_for_log(qr/governance cannot remove old audit files yet/, $log_at),
	'with a failing archive command, nothing is removed and a WARNING says so');
like($node->safe_psql('postgres', 'SELECT blocked FROM governance.audit_retention()'),
	qr/audit_archive_command failed/, 'audit_retention() says what blocks removal');
my @now = glob("$data/pg_governance/audit-*.jsonl");
is(scalar(@now), scalar(@files), 'no file was removed');
is($node->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't', 'the trail verifies');

# A working archive command: files are archived, then removed, down to
# the two newest; the trail still verifies, by SQL and by the tool.
# Attack: marker files claiming each file is archived already, to have
# files removed unarchived.  Defence: retention archives every file it
# removes and trusts no marker (checked below: as many archived as removed).
PostgreSQL::Test::Utils::append_to_file("$_.archived", '') for @files;
PostgreSQL::Test::Utils::append_to_file("$_.done", '') for @files;
$node->append_conf('postgresql.conf', "governance.audit_archive_command = 'cp %p $archive/%f'\n");
$node->reload;
my $removed = 0;
for (1 .. 200)
{
	$removed = $node->safe_psql('postgres', 'SELECT removed_files FROM governance.audit_retention()');
	last if $removed >= scalar(@files) - 2;
	sleep 0.2;
}
ok($removed >= scalar(@files) - 2, "the oldest files are removed ($removed)");
my @left = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
ok(@left >= 2, 'the two newest files stay');
my @archived = glob("$archive/audit-*.jsonl");
is(scalar(@archived), $removed, 'every removed file was archived first');
ok(-e "$data/pg_governance/anchor", 'the anchor records what the trail chains to');
my ($first) = $left[0] =~ /audit-0*(\d+)\.jsonl$/;
ok($first > 1, "the trail now starts at sequence number $first");
is($node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()'), 't|',
	'the trail verifies from the first file that remains');
my $tool = $node->config_data('--bindir') . '/governance-verify-audit';
my $cli = `$tool --key $data/chain.key @left`;
like($cli, qr/^ok: \d+ events/, 'and the command-line verifier agrees, from the anchor');

# The archived files and the remaining ones are one trail.
my @all = sort { ($a =~ m{([^/]+)$})[0] cmp ($b =~ m{([^/]+)$})[0] } (@archived, @left);
$cli = `$tool --key $data/chain.key @all`;
like($cli, qr/^ok: \d+ events/, 'the archive and the files that remain verify as one trail');

# Attack: remove a file past the anchor (hide what happened there).
# Defence: the trail no longer starts at the anchor: refused.
$node->append_conf('postgresql.conf', "governance.audit_max_size = 0\n");
$node->reload;
fill();
@left = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
$node->stop;
unlink $left[0] or die "unlink: $!";
$node->start;
my ($ok, $reason) = split /\|/, $node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()');
is($ok, 'f', 'a file removed past the anchor breaks the trail');
like($reason, qr/removed past the anchor/, 'and the reason says so');

# Attack: forge the anchor to point past the hole.  Defence: it is sealed
# with the chain's key.
my $anchor = slurp_file("$data/pg_governance/anchor");
my @rest = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
my ($next) = $rest[0] =~ /audit-0*(\d+)\.jsonl$/;
$anchor =~ s/^next_seq \d+$/next_seq $next/m;
open(my $fh, '>', "$data/pg_governance/anchor") or die $!;
print $fh $anchor;
close $fh;
($ok, $reason) = split /\|/, $node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()');
is($ok, 'f', 'a forged anchor does not verify');
like($reason, qr/seal does not match/, 'its seal does not match');

# Attack: remove the anchor too.  Defence: a trail that does not start at
# 1 needs one.
unlink "$data/pg_governance/anchor";
($ok, $reason) = split /\|/, $node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()');
is($ok, 'f', 'without the anchor, a trail that does not start at 1 does not verify');
like($reason, qr/no anchor records what came before/, 'and the reason says so');

$node->stop;
done_testing();
