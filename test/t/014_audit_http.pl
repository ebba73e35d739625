#
# 014_audit_http.pl
#	  The audit trail shipped to an HTTP collector, acknowledged, with
#	  nothing lost.
#
# The collector is test/tools/http-receiver, which acknowledges, answers
# 500, hangs or closes the connection mid-request as told.  What is shown:
# every event of the trail arrives, each exactly as in the file and with
# its seq, through a collector that fails in each of those ways, a killed
# shipper and a restart with undelivered events; statements are never held
# up by the collector; the headers file is sent and must be private; the
# delivery lag is visible in governance.audit_delivery().
#
# test/t/014_audit_http.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use Digest::SHA;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $dir = PostgreSQL::Test::Utils::tempdir();
my $port = PostgreSQL::Test::Cluster::get_free_port();
sub set_mode
{
	my ($m) = @_;
	open(my $fh, '>', "$dir/mode.new") or die $!;
	print $fh "$m\n";
	close $fh;
	rename("$dir/mode.new", "$dir/mode") or die $!;
}
set_mode('ack');
my $receiver = IPC::Run::start([ repo_path('test/tools/http-receiver'), $dir, $port ],
	'>', "$dir/receiver.out", '2>', "$dir/receiver.err");
for (1 .. 100) { last if -e "$dir/ready"; sleep 0.1; }
ok(-e "$dir/ready", 'the collector listens');

my $node = governance_node('ship', no_start => 1, conf => qq(
governance.audit_http_url = 'http://127.0.0.1:$port/events'
governance.audit_http_headers_file = 'collector.headers'
governance.audit_http_timeout = '2s'
governance.audit_http_batch = 50
restart_after_crash = on
));
my $data = $node->data_dir;
PostgreSQL::Test::Utils::append_to_file("$data/collector.headers",
	"Authorization: Splunk 0000-test-token\n# a comment\nX-Source: governance-test\n");
chmod 0600, "$data/collector.headers";
# The environment names a proxy that does not answer: the collector on
# this host is reached directly, never through it.
{
	local $ENV{http_proxy} = 'http://127.0.0.1:9';
	local $ENV{HTTP_PROXY} = 'http://127.0.0.1:9';
	local $ENV{ALL_PROXY} = 'http://127.0.0.1:9';
	$node->start;
}
$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (x int)');
my ($out, $err);

# Every seq of the trail that the collector received, and how often.
sub received
{
	my %seen;
	return \%seen unless -e "$dir/received.ndjson";
	for my $line (split /\n/, slurp_file("$dir/received.ndjson"))
	{
		$line =~ /^\{"seq":(\d+),/ or die "not an event line: $line";
		$seen{$1}++;
	}
	return \%seen;
}

sub written_seq
{
	return $node->safe_psql('postgres', 'SELECT written_seq FROM governance.audit_delivery()');
}

# Wait until everything written so far has been acknowledged; returns
# how far that is (the queries that ask are audited too, so the trail goes
# on growing).
my $acked_upto = 0;
sub caught_up
{
	my ($what) = @_;
	my $ok = $node->poll_query_until('postgres',
		'SELECT acked_seq >= ' . "(SELECT written_seq FROM governance.audit_delivery())"
		  . ' AND acked_seq > 0 FROM governance.audit_delivery()');
	$acked_upto = $node->safe_psql('postgres', 'SELECT acked_seq FROM governance.audit_delivery()');
	ok($ok, $what);
}

# Every event of the trail up to what was acknowledged arrived at least
# once, each line exactly as it is in the files.
sub all_delivered
{
	my ($what) = @_;
	my $seen = received();
	my $written = $acked_upto;
	my @missing = grep { !$seen->{$_} } 1 .. $written;
	is(scalar(@missing), 0, "$what: every event 1..$written arrived")
	  or diag("missing: @missing[0 .. ($#missing > 9 ? 9 : $#missing)]");
	my %file_lines;
	for my $f (glob("$data/pg_governance/audit-*.jsonl"))
	{
		$file_lines{$_} = 1 for split /\n/, slurp_file($f);
	}
	my @changed = grep { !$file_lines{$_} } split /\n/, slurp_file("$dir/received.ndjson");
	is(scalar(@changed), 0, "$what: each line as it is in the trail");
}

$node->safe_psql('postgres', "INSERT INTO t SELECT g FROM generate_series(1, 10) g") for 1 .. 20;
caught_up('the shipper acknowledges what is written');
all_delivered('acknowledging collector');
my $headers = slurp_file("$dir/headers.log");
like($headers, qr/^Authorization: Splunk 0000-test-token\r$/m, 'the headers file is sent');
like($headers, qr/^X-Source: governance-test\r$/m, 'every header of it');
like($headers, qr/^Content-Type: application\/x-ndjson\r$/m, 'as newline-delimited JSON');
unlike($headers, qr/a comment/, 'comments are not sent');

# The collector fails in each way: statements go on, nothing is lost.
for my $mode ('fail', 'hang', 'close')
{
	set_mode($mode);
	my $t0 = time;
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 30;
	ok(time - $t0 < 20, "collector answering '$mode': statements are not held up");
	my $behind = 0;
	for (1 .. 100)
	{
		my ($lag, $err) = split /\|/, $node->safe_psql('postgres',
			'SELECT lag_events, error IS NOT NULL FROM governance.audit_delivery()');
		if ($lag > 0 && $err eq 't') { $behind = 1; last; }
		sleep 0.2;
	}
	ok($behind, "collector answering '$mode': the lag and the error are visible");
	set_mode('ack');
	caught_up("collector answering '$mode', then acknowledging: delivery catches up");
}
all_delivered('after failures of every kind');

# The shipper killed mid-delivery resumes from its cursor.
set_mode('hang');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 30;
sleep 1;
my $shipper = $node->safe_psql('postgres', 'SELECT pid FROM governance.audit_delivery()');
ok($shipper =~ /^\d+$/, 'the shipper runs');
kill 'KILL', $shipper;
set_mode('ack');
$node->poll_query_until('postgres', 'SELECT 1', '1');
caught_up('a killed shipper, restarted, catches up');
all_delivered('after the shipper was killed');

# A restart with events not yet delivered delivers them afterwards.
set_mode('fail');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 30;
my $undelivered = $node->safe_psql('postgres', 'SELECT lag_events FROM governance.audit_delivery()');
ok($undelivered > 0, "events are waiting ($undelivered)");
$node->restart;
set_mode('ack');
caught_up('after a restart, the waiting events are delivered');
all_delivered('after a restart');

# The headers file holds credentials: one others can read is refused.
chmod 0644, "$data/collector.headers";
my $log_at = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.audit_http_headers_file = 'collector.headers'\n");
$node->reload;
ok($node->wait_for_log(qr/must not be accessible by group or others/, $log_at),
	'a headers file others can read is refused at reload');
chmod 0600, "$data/collector.headers";

# The headers file may not frame the request (a Content-Length of its own
# would make the collector read part of a batch and acknowledge it).
PostgreSQL::Test::Utils::append_to_file("$data/bad.headers", "Content-Length: 10\n");
chmod 0600, "$data/bad.headers";
$log_at = -s $node->logfile;
$node->append_conf('postgresql.conf', "governance.audit_http_headers_file = 'bad.headers'\n");
$node->reload;
ok($node->wait_for_log(qr/may not set the header Content-Length/, $log_at),
	'a headers file that sets Content-Length is refused');
$node->append_conf('postgresql.conf', "governance.audit_http_headers_file = 'collector.headers'\n");
$node->reload;

# The files are the postgres account's alone, unless a log shipper in
# its group is to tail them (governance.audit_file_mode = 0640).
my @trail = glob("$data/pg_governance/audit-*.jsonl");
ok(@trail > 0, 'there are trail files');
is(sprintf('%04o', (stat($trail[0]))[2] & 07777), '0600', 'trail files are 0600 by default');
is(sprintf('%04o', (stat("$data/pg_governance"))[2] & 07777), '0700', 'and their directory 0700');
$node->append_conf('postgresql.conf', "governance.audit_file_mode = '0640'\n");
$node->reload;
my $moded = 0;
for (1 .. 100)
{
	if (sprintf('%04o', (stat($trail[0]))[2] & 07777) eq '0640') { $moded = 1; last; }
	sleep 0.1;
}
ok($moded, 'with audit_file_mode 0640, the files become 0640 at reload');
is(sprintf('%04o', (stat("$data/pg_governance"))[2] & 07777), '0750', 'and the directory 0750');
($out, $err) = ('', '');
$node->psql('postgres', "ALTER SYSTEM SET governance.audit_file_mode = '0644'",
	stdout => \$out, stderr => \$err);
like($err, qr/invalid value for parameter "governance.audit_file_mode"/, 'a mode readable by others is refused');

# Plain http:// only to this host.
($out, $err) = ('', '');
$node->psql('postgres', "ALTER SYSTEM SET governance.audit_http_url = 'http://collector.example.com/x'",
	stdout => \$out, stderr => \$err);
like($err, qr/Plain http:\/\/ is accepted only to this host/, 'http:// to another host is refused');
for my $trick ('http://127.0.0.1:x@192.0.2.2:18081/', 'http://localhost:80@example.com/',
	'http://localhost.example.com/', 'http://127.0.0.1.example.com:80/')
{
	($out, $err) = ('', '');
	$node->psql('postgres', "ALTER SYSTEM SET governance.audit_http_url = '$trick'",
		stdout => \$out, stderr => \$err);
	like($err, qr/accepted only to this host/, "a host hidden behind this one is refused ($trick)");
}

# Attack: the delivery cursor moved ahead by hand, past events that were
# never delivered, to keep them from the collector.  Defence: the cursor
# is sealed with the chain key; one not sealed for its number is not
# believed, and the trail is delivered again from its start.
$node->safe_psql('postgres', "UPDATE t SET x = x WHERE x = 1");
caught_up('delivered before the cursor is moved');
my $ones = received()->{1};
set_mode('fail');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 10;
$node->stop;
{
	my $cursor = slurp_file("$data/pg_governance/http.cursor");
	$cursor =~ /^(\d+) ([0-9a-f]{64}) ([0-9a-f]{64})\n$/ or die "unexpected cursor: $cursor";
	open(my $fh, '>', "$data/pg_governance/http.cursor") or die $!;
	print $fh ($1 + 1000) . " $2 $3\n";
	close $fh;
}
set_mode('ack');
$log_at = -s $node->logfile;
$node->start;
ok($node->wait_for_log(qr/is not a delivery cursor it wrote/, $log_at),
	'a cursor moved by hand is not believed');
caught_up('after the moved cursor, delivery catches up');
cmp_ok(received()->{1}, '>', $ones, 'the trail is delivered again from its start');
all_delivered('after a moved cursor');

# Attack: a cursor from another server sharing the chain key (a standby
# shares the system identifier too), sealed correctly, naming a sequence
# number this trail has not delivered.  Defence: the cursor names the hash
# of the line it stops at, which must be this trail's line.
{
	my $sysid = $node->safe_psql('postgres', 'SELECT system_identifier FROM pg_control_system()');
	set_mode('fail');
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 10;
	my $n = written_seq();
	# The trail goes on into a new file, so that one can be planted
	# between two of its files.
	$node->safe_psql('postgres', "ALTER SYSTEM SET governance.audit_file_size = '64kB'; SELECT pg_reload_conf()");
	$node->safe_psql('postgres', "INSERT INTO t SELECT 1 /* " . ('z' x 2000) . " */") for 1 .. 40;
	$node->stop;
	# Attack, too: a file named for the cursor's line, holding a made-up
	# line with the hash the cursor names, where the shipper might look.
	my @now = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	ok(@now >= 2, 'the trail spans files');
	my $theirs = 'ab' x 32;
	my $planted = sprintf("$data/pg_governance/audit-%020d.jsonl", $n);
	PostgreSQL::Test::Utils::append_to_file($planted,
		qq({"seq":$n,"type":"statement","prev_hash":"${\ ('0' x 64) }","hash":"$theirs"}\n))
	  unless -e $planted;
	my $seal = Digest::SHA::sha256_hex("governance-cursor http $sysid $n $theirs");
	open(my $ch, '>', "$data/pg_governance/http.cursor") or die $!;
	print $ch "$n $theirs $seal\n";
	close $ch;
	# Attack, too: the cursor's temporary file made a link to another file.
	symlink("$data/victim.conf", "$data/pg_governance/http.cursor.tmp") or die $!;
	PostgreSQL::Test::Utils::append_to_file("$data/victim.conf", "# untouched\n");
	my $ones_before = received()->{1};
	set_mode('ack');
	$log_at = -s $node->logfile;
	$node->start;
	ok($node->wait_for_log(qr/is not a delivery cursor it wrote for this trail/, $log_at),
		"another server's cursor is not believed");
	caught_up('after it, delivery catches up');
	cmp_ok(received()->{1}, '>', $ones_before, 'the trail is delivered again from its start');
	is(slurp_file("$data/victim.conf"), "# untouched\n", 'a link in place of the temporary file is not followed');
	ok(!-l "$data/pg_governance/http.cursor", 'and the cursor is a file of its own');
	unlink $planted;
	$node->safe_psql('postgres', "ALTER SYSTEM RESET governance.audit_file_size; SELECT pg_reload_conf()");
}

# Attack: while a backlog waits (the collector is down), its files are
# moved aside for a while and put back, so that the shipper finds nothing
# where it stands.  Defence: the position moves only by deliveries; a
# missing file stops delivery, it does not make the shipper pass over it.
{
	set_mode('fail');
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 30;
	my @backlog = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	my @aside = @backlog[0 .. $#backlog - 1];
	rename($_, "$_.aside") or die $! for @aside;
	set_mode('ack');
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 5;
	sleep 4;
	rename("$_.aside", $_) or die $! for @aside;
	caught_up('once the files are back, delivery catches up');
	all_delivered('after files were hidden');
}

# Attack: the same, across a restart: with the oldest files moved aside
# the trail does not verify from its start, which once made the shipper
# start at the first file present.  Defence: a trail that does not verify
# gives no position; delivery (and retention) wait until it does.
{
	set_mode('fail');
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 30;
	my $before = $node->safe_psql('postgres', 'SELECT acked_seq FROM governance.audit_delivery()');
	$node->stop;
	my @files = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	my @aside = @files[0 .. $#files - 2];
	rename($_, "$_.aside") or die $! for @aside;
	set_mode('ack');
	$node->start;
	sleep 3;
	cmp_ok($node->safe_psql('postgres', 'SELECT acked_seq FROM governance.audit_delivery()'), '<=', $before,
		'with the first files hidden at a restart, the delivered position does not move');
	rename("$_.aside", $_) or die $! for @aside;
	caught_up('once they are back, the position is proved and delivery catches up');
	all_delivered('after files were hidden across a restart');
}

# Attack: a line of the backlog put in place of this trail's (another
# trail's line, which verifies under a shared key, but does not chain to
# this trail's).  Defence: delivery follows the chain: a line whose
# prev_hash is not the hash of the line delivered sixteen before it stops
# delivery there, and the position is proved again.
{
	set_mode('fail');
	$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 40;
	$node->stop;
	my @files = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	my $text = slurp_file($files[-1]);
	my @lines = split /\n/, $text;
	my $victim = $lines[-20];
	my ($vseq) = $victim =~ /^\{"seq":(\d+),/;
	(my $swapped = $victim) =~ s/"prev_hash":"([0-9a-f])/'"prev_hash":"' . ($1 eq 'a' ? 'b' : 'a')/e;
	$lines[-20] = $swapped;
	open(my $fh, '>', $files[-1]) or die $!;
	print $fh join("\n", @lines) . "\n";
	close $fh;
	set_mode('ack');
	$node->start;
	ok($node->poll_query_until('postgres',
			"SELECT error ~ 'not the event after|does not verify' FROM governance.audit_delivery()"),
		'a line that does not chain to the trail stops delivery');
	cmp_ok($node->safe_psql('postgres', 'SELECT acked_seq FROM governance.audit_delivery()'), '<', $vseq,
		'before it');
	unlike(slurp_file("$dir/received.ndjson"), qr/\Q$swapped\E/, 'and it is not delivered');
	$node->stop;
	# Put the line back, in the file as it is now.
	$text = slurp_file($files[-1]);
	$text =~ s/\Q$swapped\E/$victim/;
	open($fh, '>', $files[-1]) or die $!;
	print $fh $text;
	close $fh;
	$node->start;
	caught_up('the trail whole again, delivery catches up');
	all_delivered('after a line that did not chain');
}

# Attack: a line claiming a later sequence number, put where the next
# undelivered event is, to make the shipper pass over the events between.
# Defence: after the cursor, sequence numbers must follow on one by one.
set_mode('fail');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 5;
{
	my @files_now = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	PostgreSQL::Test::Utils::append_to_file($files_now[-1],
		'{"seq":' . (written_seq() + 1000) . ',"forged":true}' . "\n");
}
set_mode('ack');
my $stopped = 0;
for (1 .. 100)
{
	if ($node->safe_psql('postgres', 'SELECT error FROM governance.audit_delivery()') =~ /not the event after/)
	{
		$stopped = 1;
		last;
	}
	sleep 0.2;
}
ok($stopped, 'a line claiming a later sequence number stops delivery instead of skipping events');
unlike(slurp_file("$dir/received.ndjson"), qr/"forged":true/, 'and is not delivered');


$node->stop;
$receiver->kill_kill;
done_testing();
