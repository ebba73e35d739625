#
# 016_audit_fleet.pl
#	  A fleet ships to one collector: a primary and its hot standby both
#	  deliver to the same receiver, and the merged stream holds every
#	  statement of both, each server's chain verifying on its own.
#
# Each event names its server: "server" (the system identifier, which a
# physical replica shares with its primary), "cluster" (cluster_name, which
# the test framework sets to each node's name) and "environment".  A standby starts from a copy of
# the primary's trail, so its own chain continues the primary's up to the
# backup; the collector verifies it from those shared events on.
#
# test/t/016_audit_fleet.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $dir = PostgreSQL::Test::Utils::tempdir();
my $port = PostgreSQL::Test::Cluster::get_free_port();
open(my $m, '>', "$dir/mode") or die $!;
print $m "ack\n";
close $m;
my $receiver;
sub start_receiver
{
	unlink "$dir/ready";
	$receiver = IPC::Run::start([ repo_path('test/tools/http-receiver'), $dir, $port ],
		'>', "$dir/receiver.out", '2>', "$dir/receiver.err");
	for (1 .. 100) { last if -e "$dir/ready"; sleep 0.1; }
}
start_receiver();

my $primary = governance_node('primary', no_start => 1, conf => qq(
wal_level = replica
max_wal_senders = 4
governance.environment = 'production'
governance.audit_http_url = 'http://127.0.0.1:$port/events'
governance.audit_http_timeout = '2s'
governance.audit_hmac_key_file = 'chain.key'
));
PostgreSQL::Test::Utils::append_to_file($primary->data_dir . '/chain.key', "a-fleet-chain-key-0123456789abcdef\n");
chmod 0600, $primary->data_dir . '/chain.key';
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (a int); INSERT INTO t VALUES (1)');
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

# Statements on both, each with a marker of its own.
sub work
{
	my ($round) = @_;
	$primary->safe_psql('postgres', "SELECT 'primary-$round-$_' AS marker, count(*) FROM t") for 1 .. 10;
	$standby->safe_psql('postgres', "SELECT 'standby-$round-$_' AS marker, count(*) FROM t") for 1 .. 10;
}

sub caught_up
{
	my ($node) = @_;
	return $node->poll_query_until('postgres',
		'SELECT acked_seq >= (SELECT written_seq FROM governance.audit_delivery()) FROM governance.audit_delivery()');
}

work(1);
ok(caught_up($primary) && caught_up($standby), 'both servers delivered what they wrote');

# The collector is down for a while: nothing is lost.
$receiver->kill_kill;
work(2);
sleep 1;
start_receiver();
ok(caught_up($primary) && caught_up($standby), 'after the collector comes back, both catch up');

# The merged stream: lines by server, each seq once per server.
my %by;
my $server_ids = 0;
for my $line (split /\n/, slurp_file("$dir/received.ndjson"))
{
	my ($seq) = $line =~ /^\{"seq":(\d+),/ or die "not an event: $line";
	my ($cluster) = $line =~ /"cluster":"([^"]*)"/;
	my ($server) = $line =~ /"server":"(\d+)"/;
	$server_ids++ if defined $server;
	$cluster //= '(none)';
	$by{$cluster}{$seq} = $line;
}
ok($server_ids > 0, 'events name their server (the system identifier)');
ok(exists $by{'primary'} && exists $by{'standby'}, 'events name their cluster');
my $all = slurp_file("$dir/received.ndjson");
for my $round (1, 2)
{
	for my $who ('primary', 'standby')
	{
		my @missing = grep { $all !~ /"cluster":"$who"[^\n]*$who-$round-$_'/ } 1 .. 10;
		is(scalar(@missing), 0, "round $round: every statement of the $who arrived, naming it");
	}
}
like($by{'primary'}{ (sort { $a <=> $b } keys %{ $by{'primary'} })[-1] },
	qr/"environment":"production"/, 'and the environment');

# Each server's chain verifies on its own: the primary's from 1; the
# standby's from its copy of the primary's trail up to the backup on.
my $tool = $primary->config_data('--bindir') . '/governance-verify-audit';
my $key = $primary->data_dir . '/chain.key';
sub verify_stream
{
	my ($name, %lines) = @_;
	mkdir "$dir/$name";
	my $path = "$dir/$name/audit-" . sprintf('%020d', 1) . '.jsonl';
	open(my $fh, '>', $path) or die $!;
	print $fh "$lines{$_}\n" for sort { $a <=> $b } keys %lines;
	close $fh;
	return `$tool --key $key $path`;
}
like(verify_stream('primary', %{ $by{'primary'} }), qr/^ok: \d+ events/,
	"the primary's chain verifies from the collector's copy");
my %standby = %{ $by{'standby'} };
my ($standby_first) = sort { $a <=> $b } keys %standby;
$standby{$_} = $by{'primary'}{$_} for grep { $_ < $standby_first } keys %{ $by{'primary'} };
like(verify_stream('standby', %standby), qr/^ok: \d+ events/,
	"the standby's chain verifies, from the primary's events it continues");

$standby->stop;
$primary->stop;
$receiver->kill_kill;
done_testing();
