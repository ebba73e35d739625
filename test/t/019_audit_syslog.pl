#
# 019_audit_syslog.pl
#	  The audit trail shipped to a real rsyslog, over TLS and over TCP,
#	  with nothing lost.
#
# rsyslogd is started by the test: one instance with TLS (gnutls, a test
# CA), one with plain TCP on loopback.  What is shown: every event of the
# trail arrives as an RFC 5424 message whose structured data carries the
# event byte for byte (quotes, backslashes, brackets, newlines and a long
# statement included), framed by octet counting; killing rsyslog for a
# while, or the shipper, loses nothing; a server whose certificate another
# CA signed, or that names another host, gets nothing; plain TCP goes to
# loopback only; bad settings are refused; retention waits for the syslog
# sink as for the HTTP one.
#
# test/t/019_audit_syslog.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $rsyslogd = '/usr/sbin/rsyslogd';
plan skip_all => 'rsyslogd is not installed (Debian packages rsyslog, rsyslog-gnutls)'
  unless -x $rsyslogd;

my $dir = PostgreSQL::Test::Utils::tempdir();
test_ca($dir, 'good');
test_ca($dir, 'rogue');
test_cert($dir, 'good', 'server');
test_cert($dir, 'rogue', 'impostor');
test_cert($dir, 'good', 'elsewhere', 'DNS:elsewhere.example');
test_cert($dir, 'good', 'client', 'DNS:client.test', 'client.test');

# Every rsyslogd started, so none outlives the test if it dies early.
my @started;
END { $_->signal('KILL') for grep { $_->pumpable } @started; }

# One rsyslogd: its received messages go to $dir/$name/received.log, one
# per line: PRI, APP-NAME, MSGID, then the structured data.
sub start_rsyslog
{
	my ($name, $port, $tls, $cert, $peer) = @_;
	my $d = "$dir/$name";
	mkdir $d;
	mkdir "$d/work";
	unlink "$d/rsyslog.pid";
	my $driver = '';
	my $module = 'module(load="imtcp")';
	if ($tls)
	{
		$driver = qq(
	DefaultNetstreamDriver="gtls"
	DefaultNetstreamDriverCAFile="$dir/good-ca.crt"
	DefaultNetstreamDriverCertFile="$dir/$cert.crt"
	DefaultNetstreamDriverKeyFile="$dir/$cert.key");
		$module = 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")';
		$module = qq{module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name" PermittedPeer=["$peer"])}
		  if $peer;
	}
	open(my $fh, '>', "$d/rsyslog.conf") or die $!;
	print $fh qq{global(workDirectory="$d/work" maxMessageSize="256k"$driver)
$module
input(type="imtcp" port="$port" address="127.0.0.1")
template(name="t" type="string" string="%pri% %app-name% %msgid% %structured-data%\\n")
action(type="omfile" file="$d/received.log" template="t")
module(load="mmpstrucdata")
action(type="mmpstrucdata")
template(name="event" type="string" string="%\$!rfc5424-sd!event\@32473!event%\\n")
if \$app-name == "governance" then action(type="omfile" file="$d/events.jsonl" template="event")
};
	close $fh;
	my $h = IPC::Run::start([ $rsyslogd, '-n', '-f', "$d/rsyslog.conf", '-i', "$d/rsyslog.pid" ],
		'>', "$d/out", '2>', "$d/err");
	push @started, $h;
	for (1 .. 100)
	{
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
		if ($s) { close $s; last; }
		sleep 0.1;
	}
	return $h;
}

sub stop_rsyslog
{
	my ($h) = @_;
	$h->signal('KILL');
	$h->finish;
}

my $tls_port = PostgreSQL::Test::Cluster::get_free_port();
my $tcp_port = PostgreSQL::Test::Cluster::get_free_port();
my $tls = start_rsyslog('tls', $tls_port, 1, 'server');
my $tcp = start_rsyslog('tcp', $tcp_port, 0);

my $node = governance_node('syslog', no_start => 1, conf => qq(
governance.audit_statement_max = '8kB'
governance.audit_syslog_address = 'localhost:$tls_port'
governance.audit_syslog_protocol = tls
governance.audit_syslog_ca_file = '$dir/good-ca.crt'
governance.audit_syslog_timeout = '3s'
restart_after_crash = on
));
my $data = $node->data_dir;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (x text)');

# The trail's lines, by seq.
sub trail
{
	my %line;
	for my $f (glob("$data/pg_governance/audit-*.jsonl"))
	{
		for (split /\n/, slurp_file($f))
		{
			/^\{"seq":(\d+),/ or die "not an event line: $_";
			$line{$1} = $_;
		}
	}
	return \%line;
}

# What rsyslog $name received: seq => [ events as carried, byte for byte ],
# with the header fields of the last message of each seq.
sub received
{
	my ($name) = @_;
	my (%got, %head);
	my @logs = sort { $a cmp $b } glob("$dir/$name/received*.log");
	for my $m (map { split /\n/, slurp_file($_) } @logs)
	{
		$m =~ /^(\d+) (\S+) (\S+) \[event\@32473 seq="(\d+)" event="((?:[^"\\\]]|\\["\\\]])*)"\]$/
		  or die "not a message of ours: $m";
		my ($pri, $app, $msgid, $seq, $value) = ($1, $2, $3, $4, $5);
		$value =~ s/\\(["\\\]])/$1/g;
		push @{ $got{$seq} }, $value;
		$head{$seq} = [ $pri, $app, $msgid ];
	}
	return (\%got, \%head);
}

# What $name received, once every one of @seqs is there or 10 s passed:
# the shipper counts a batch delivered once the kernel sent it, and
# rsyslog writes what it read to its file a moment later.
sub received_all
{
	my ($name, @seqs) = @_;
	my ($got, $head);
	for (1 .. 100)
	{
		($got, $head) = received($name);
		last unless grep { !$got->{$_} } @seqs;
		select(undef, undef, undef, 0.1);
	}
	return ($got, $head);
}

sub delivery
{
	my ($col) = @_;
	return $node->safe_psql('postgres',
		"SELECT $col FROM governance.audit_delivery() WHERE sink = 'syslog'");
}

# Wait until every event written so far is delivered; returns that seq.
sub caught_up
{
	my ($what) = @_;
	my $ok = $node->poll_query_until('postgres',
		"SELECT acked_seq >= written_seq AND acked_seq > 0 FROM governance.audit_delivery() WHERE sink = 'syslog'");
	ok($ok, $what) or diag(delivery('error'));
	return delivery('acked_seq');
}

# Every event 1..$upto arrived, each exactly as in the trail.
sub all_delivered
{
	my ($name, $upto, $what) = @_;
	my ($got) = received_all($name, 1 .. $upto);
	my $trail = trail();
	my @missing = grep { !$got->{$_} } 1 .. $upto;
	is(scalar(@missing), 0, "$what: every event 1..$upto arrived")
	  or diag("missing: @missing[0 .. ($#missing > 9 ? 9 : $#missing)]");
	my @changed = grep {
		my $s = $_;
		grep { $_ ne ($trail->{$s} // '') } @{ $got->{$s} }
	} keys %$got;
	is(scalar(@changed), 0, "$what: each event byte for byte as in the trail")
	  or diag("changed: @changed[0 .. ($#changed > 4 ? 4 : $#changed)]");
}

# Events that need escaping or framing: quotes, backslashes, brackets, a
# newline in the statement, and one longer than rsyslog's default message
# size (8 kB; the test's rsyslog takes 256 kB).
$node->safe_psql('postgres', q{INSERT INTO t VALUES ('a "quoted" ] bracket \\ backslash')});
$node->safe_psql('postgres', "INSERT INTO t VALUES ('two\nlines')");
$node->safe_psql('postgres', 'INSERT INTO t VALUES ' . join(',', map { "('v$_')" } 1 .. 1500));
$node->safe_psql('postgres', "INSERT INTO t VALUES ('$_')") for 1 .. 50;
my $upto = caught_up('TLS: the shipper delivers what is written');
all_delivered('tls', $upto, 'TLS');
{
	my ($got, $head) = received('tls');
	my ($s) = grep { $got->{$_}[0] =~ /"type":"statement"/ } sort { $a <=> $b } keys %$got;
	is_deeply($head->{$s}, [ 16 * 8 + 6, 'governance', 'statement' ],
		'a statement event is local0.info from "governance", its type the MSGID');
	my ($long) = sort { length($b) <=> length($a) } map { $_->[0] } values %$got;
	cmp_ok(length($long), '>', 8192, 'an event over 8 kB arrives whole');
	# The receiver configuration docs/audit.md shows: mmpstrucdata gives
	# back each event as it is in the trail.
	my $trail = trail();
	my %in_trail = map { $_ => 1 } values %$trail;
	my @events = split /\n/, slurp_file("$dir/tls/events.jsonl");
	ok(@events >= 50 && !(grep { !$in_trail{$_} } @events),
		'rsyslog with mmpstrucdata writes each event as in the trail') or diag($events[0]);
	ok((grep { $got->{$_}[0] =~ /two\\nlines/ } keys %$got), 'an event with a newline arrives whole');
}

# rsyslog is killed: statements go on; delivery fails and says so; once
# rsyslog is back, everything arrives.
stop_rsyslog($tls);
$node->safe_psql('postgres', "INSERT INTO t VALUES ('while down $_')") for 1 .. 30;
ok($node->poll_query_until('postgres',
		"SELECT error IS NOT NULL FROM governance.audit_delivery() WHERE sink = 'syslog'"),
	'rsyslog down: audit_delivery() shows the error');
ok(delivery('lag_events') > 0, 'rsyslog down: the lag is visible');
$tls = start_rsyslog('tls', $tls_port, 1, 'server');
$upto = caught_up('rsyslog back: delivery catches up');
all_delivered('tls', $upto, 'after an outage');

# The shipper is killed mid-stream: it restarts from its cursor.
$node->safe_psql('postgres', "INSERT INTO t VALUES ('before kill $_')") for 1 .. 30;
my $pid = delivery('pid');
kill 'KILL', $pid;
ok($node->poll_query_until('postgres',
		"SELECT pid <> $pid FROM governance.audit_delivery() WHERE sink = 'syslog'"),
	'the killed shipper is started again (after the crash restart it causes)');
$node->safe_psql('postgres', "INSERT INTO t VALUES ('after kill $_')") for 1 .. 30;
$upto = caught_up('after the shipper was killed, delivery catches up');
all_delivered('tls', $upto, 'after a killed shipper');

# A server whose certificate another CA signed, or one issued for another
# name, gets nothing: the attempt fails on verification.
sub switch_server
{
	my ($cert) = @_;
	stop_rsyslog($tls);
	rename("$dir/tls/received.log", "$dir/tls/received-before-$cert.log");
	$tls = start_rsyslog('tls', $tls_port, 1, $cert);
}
for my $case ([ 'impostor', 'a certificate signed by another CA' ],
	[ 'elsewhere', 'a certificate for another name' ])
{
	switch_server($case->[0]);
	$node->safe_psql('postgres', "INSERT INTO t VALUES ('secret for $case->[0]')");
	ok($node->poll_query_until('postgres',
			"SELECT error ~ 'certificate' FROM governance.audit_delivery() WHERE sink = 'syslog'"),
		"$case->[1]: refused") or diag(delivery('error'));
	sleep 1;
	ok(!-s "$dir/tls/received.log", "$case->[1]: the server received nothing");
}
switch_server('server');
$upto = caught_up('the genuine server gets everything afterwards');
all_delivered('tls', $upto, 'after refusing impostors');

# A server that requires a client certificate: without one, nothing is
# counted delivered; with one, everything arrives.
my $mtls_port = PostgreSQL::Test::Cluster::get_free_port();
my $mtls = start_rsyslog('mtls', $mtls_port, 1, 'server', 'client.test');
my $before_mtls = delivery('acked_seq');
$node->append_conf('postgresql.conf', qq(
governance.audit_syslog_address = 'localhost:$mtls_port'
));
$node->reload;
$node->safe_psql('postgres', "INSERT INTO t VALUES ('to mtls $_')") for 1 .. 5;
ok($node->poll_query_until('postgres',
		"SELECT error IS NOT NULL FROM governance.audit_delivery() WHERE sink = 'syslog'"),
	'a server requiring a client certificate refuses the shipper without one')
  or diag(delivery('error'));
sleep 2;
is(delivery('acked_seq'), $before_mtls, 'and nothing is counted delivered');
$node->append_conf('postgresql.conf', qq(
governance.audit_syslog_cert_file = '$dir/client.crt'
governance.audit_syslog_key_file = '$dir/client.key'
));
$node->reload;
$upto = caught_up('with the client certificate, delivery goes on');
{
	my ($got) = received_all('mtls', $before_mtls + 1 .. $upto);
	is(scalar(grep { !$got->{$_} } $before_mtls + 1 .. $upto), 0,
		'with the client certificate: every event after the switch arrived');
}
stop_rsyslog($mtls);

# Plain TCP, to loopback: a local relay.  A new sink's address, the same
# cursor: the events after it arrive there.
$node->append_conf('postgresql.conf', qq(
governance.audit_syslog_address = '127.0.0.1:$tcp_port'
governance.audit_syslog_protocol = tcp
));
$node->reload;
$node->safe_psql('postgres', "INSERT INTO t VALUES ('over tcp $_')") for 1 .. 20;
$upto = caught_up('plain TCP to loopback delivers');
{
	my $trail = trail();
	my @tail = grep { $trail->{$_} =~ /over tcp/ } keys %$trail;
	my ($got) = received_all('tcp', @tail);
	is(scalar(grep { !$got->{$_} } @tail), 0, 'plain TCP: every event after the switch arrived');
	is(scalar(grep { $got->{$_}[0] ne $trail->{$_} } keys %$got), 0,
		'plain TCP: byte for byte');
}

# Plain TCP to another host is refused before any connection is made.
$node->append_conf('postgresql.conf', qq(
governance.audit_syslog_address = '192.0.2.1:6514'
));
$node->reload;
$node->safe_psql('postgres', "INSERT INTO t VALUES ('never in clear')");
ok($node->poll_query_until('postgres',
		"SELECT error ~ 'plain tcp is accepted only to this host' FROM governance.audit_delivery() WHERE sink = 'syslog'"),
	'plain TCP to another host is refused') or diag(delivery('error'));

# Bad settings are refused with a clear error.
for my $bad ([ 'nohost', 'port is missing' ], [ 'host:99999', 'port is not a number' ],
	[ '::1:514', 'IPv6 address is written' ], [ 'a b:514', 'character a host name does not' ])
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"ALTER SYSTEM SET governance.audit_syslog_address = '$bad->[0]'");
	like($err, qr/invalid value for parameter.*\Q$bad->[1]\E/s, "address '$bad->[0]' refused");
}
PostgreSQL::Test::Utils::append_to_file("$data/client.key", "not a key\n");
chmod 0644, "$data/client.key";
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"ALTER SYSTEM SET governance.audit_syslog_key_file = 'client.key'");
	like($err, qr/must not be accessible by group or others/, 'a client key readable by others is refused');
}

# Retention waits for the syslog sink: with rsyslog down, no file it has
# not received goes, whatever the size limit; once it is back, they go.
$node->append_conf('postgresql.conf', qq(
governance.audit_syslog_address = 'localhost:$tls_port'
governance.audit_syslog_protocol = tls
governance.audit_file_size = '64kB'
governance.audit_max_size = '64kB'
));
$node->reload;
$upto = caught_up('back to TLS');
stop_rsyslog($tls);
my $acked = delivery('acked_seq');
$node->safe_psql('postgres', "INSERT INTO t VALUES ('" . ('y' x 2000) . "')") for 1 .. 100;
sleep 6;    # retention runs every 5 s
{
	my @first = map { /audit-0*(\d+)\.jsonl$/ ? $1 : () }
	  sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	ok($first[0] <= $acked + 1, 'rsyslog down: no file it has not received is removed')
	  or diag("first file starts at $first[0], syslog acked $acked");
	like($node->safe_psql('postgres', 'SELECT blocked FROM governance.audit_retention()'),
		qr/deliver/, 'audit_retention() says delivery holds the files');
}
$tls = start_rsyslog('tls', $tls_port, 1, 'server');
$upto = caught_up('rsyslog back after retention waited');
ok($node->poll_query_until('postgres',
		"SELECT first_seq > $acked + 1 FROM governance.audit_retention()"),
	'once delivered, the oldest files go');
is($node->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't',
	'the trail still verifies from the first file that remains');

# The chain key is rotated: the shipper seals its cursor with the new key
# at once, so a restart resumes where delivery stood instead of
# delivering the whole trail again.
PostgreSQL::Test::Utils::append_to_file("$data/chain2.key", "a new chain key\n");
chmod 0600, "$data/chain2.key";
$node->append_conf('postgresql.conf', "governance.audit_hmac_key_file = 'chain2.key'\n");
$node->reload;
$node->safe_psql('postgres', "INSERT INTO t VALUES ('after the roll $_')") for 1 .. 5;
$upto = caught_up('delivery goes on across a key roll');
my ($before) = received('tls');
my $ones = scalar @{ $before->{1} };
my $log_at = -s $node->logfile;
$node->restart;
$node->safe_psql('postgres', "INSERT INTO t VALUES ('after the restart')");
caught_up('after a restart, delivery resumes');
ok(!$node->log_contains('is not a delivery cursor it wrote', $log_at),
	'the cursor sealed after the roll is believed after a restart');
my ($after) = received('tls');
is(scalar @{ $after->{1} }, $ones, 'and the trail is not delivered again from its start');

stop_rsyslog($tls);
stop_rsyslog($tcp);
$node->stop;
done_testing();
