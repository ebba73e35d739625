#
# 017_audit_retention_forged.pl
#	  Retention seals nothing it did not verify.
#
# Attack: without the chain's key, replace the oldest audit file's events
# with made-up ones that keep their hash fields, and let retention seal
# the anchor over them and remove the file: the made-up history would
# vanish with a valid anchor.  Defence: retention verifies each file with
# the key, from the anchor on, before the anchor moves past it; a file that
# does not verify is kept, and what blocks removal is said.
#
# test/t/017_audit_retention_forged.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $archive = PostgreSQL::Test::Utils::tempdir();
my $node = governance_node('forged', no_start => 1, conf => qq(
governance.audit_file_size = '64kB'
governance.audit_hmac_key_file = 'chain.key'
));
my $data = $node->data_dir;
PostgreSQL::Test::Utils::append_to_file("$data/chain.key", "another-key-for-the-audit-chain-42\n");
chmod 0600, "$data/chain.key";
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (x int)');
$node->safe_psql('postgres', "INSERT INTO t VALUES (1) /* " . ('x' x 900) . " */") for 1 .. 200;
my @files = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
ok(@files >= 4, 'the trail spans several files');

# A made-up event in the oldest file that holds an INSERT (the first
# files hold CREATE EXTENSION's), its hash fields kept.
my ($forged, $content, $at);
for my $f (@files[0 .. $#files - 2])
{
	$content = slurp_file($f);
	$at = index($content, '"statement":"INSERT');
	if ($at >= 0) { $forged = $f; last; }
}
ok(defined $forged, 'an old file holds an INSERT event');
substr($content, $at + length('"statement":"'), 6, 'DELETE');
open(my $fh, '>', $forged) or die $!;
print $fh $content;
close $fh;

my $log_at = -s $node->logfile;
$node->append_conf('postgresql.conf', qq(governance.audit_max_size = '64kB'
governance.audit_archive_command = 'cp %p $archive/%f'
));
$node->reload;
ok($node->wait_for_log(qr/governance cannot remove old audit files yet/, $log_at),
	'retention stops, with a WARNING');
like($node->safe_psql('postgres', 'SELECT blocked FROM governance.audit_retention()'),
	qr/does not verify at sequence number \d+/, 'because the file does not verify');
ok(-e $forged, 'the rewritten file is kept');
my ($forged_first) = $forged =~ /audit-0*(\d+)\.jsonl$/;
if (-e "$data/pg_governance/anchor")
{
	my ($next) = slurp_file("$data/pg_governance/anchor") =~ /^next_seq (\d+)$/m;
	ok($next <= $forged_first, 'the anchor was not moved past it');
}
else
{
	pass('the anchor was not moved past it');
}
my ($ok, $reason) = split /\|/, $node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()');
is($ok, 'f', 'and the trail reports the rewritten event');

# A file named for sequence number 0 is not one of the trail's.
my ($real_first) = (sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl"))[0] =~ /audit-0*(\d+)\.jsonl$/;
PostgreSQL::Test::Utils::append_to_file("$data/pg_governance/audit-00000000000000000000.jsonl", '');
is($node->safe_psql('postgres', 'SELECT first_seq FROM governance.audit_retention()'), $real_first,
	'a file named for sequence number 0 is not taken as the start of the trail');

$node->stop;
done_testing();
