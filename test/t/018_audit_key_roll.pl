#
# 018_audit_key_roll.pl
#	  Rotating the audit chain key: the worker writes a key_rolled event
#	  bound to both keys, chained with the old key, and chains every later
#	  line with the new one, so one verifier run crosses the change --
#	  given the keys, and only then.
#
# Each case names the property or the attack it checks.  The trail is
# read from the files here, and lines are forged with Digest::SHA the way
# an intruder holding a retired key could.
#
# test/t/018_audit_key_roll.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use Digest::SHA qw(hmac_sha256_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my %key = map { $_ => "the audit chain key number $_, for the test" } 1 .. 4;

# A key's id: the first 16 hex digits of its HMAC of a fixed text.
sub key_id
{
	return substr(hmac_sha256_hex('governance audit chain key id', $key{ $_[0] }), 0, 16);
}

sub write_keys
{
	my ($data) = @_;
	for my $k (keys %key)
	{
		PostgreSQL::Test::Utils::append_to_file("$data/k$k.key", "$key{$k}\n")
		  unless -e "$data/k$k.key";
		chmod 0600, "$data/k$k.key";
	}
}

sub files_of
{
	my ($node) = @_;
	return sort { $a cmp $b } glob($node->data_dir . '/pg_governance/audit-*.jsonl');
}

# Every line of the trail, in order.
sub lines_of
{
	my ($node) = @_;
	return map { split /\n/, slurp_file($_) } files_of($node);
}

sub rolls_of
{
	return grep { /"type":"key_rolled"/ } lines_of($_[0]);
}

# Wait, reading only the files (so that no event is caused), until the
# trail holds n key_rolled events.
sub wait_for_rolls
{
	my ($node, $n) = @_;
	for (1 .. 100)
	{
		return 1 if scalar(rolls_of($node)) >= $n;
		sleep 0.1;
	}
	return 0;
}

sub verify
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT ok, first_bad_seq, reason FROM governance.verify_audit()');
}

sub set_keys
{
	my ($node, $current, @old) = @_;
	$node->append_conf('postgresql.conf', "governance.audit_hmac_key_file = 'k$current.key'\n"
		  . "governance.audit_hmac_old_key_files = '" . join(', ', map { "k$_.key" } @old) . "'\n");
}

my $tool;

sub run_tool
{
	my ($node, @keys) = @_;
	my @args = map { ('--key', $node->data_dir . "/k$_.key") } @keys;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $tool, @args, files_of($node) ], '>', \$out, '2>', \$err);
	return $out . $err;
}

# A line chained after the trail's last with the given key, as someone
# holding that key (and write access to the files) could add it.
sub forge_after
{
	my ($k, @lines) = @_;
	my ($seq) = $lines[-1] =~ /^\{"seq":(\d+),/;
	my $next = $seq + 1;
	my ($prev) = $next > 16 ? ($lines[ $#lines - 15 ] =~ /"hash":"([0-9a-f]{64})"\}$/) : ('0' x 64);
	my $body = qq({"seq":$next,"time":"2030-01-01T00:00:00.000000Z","type":"statement","action":"completed","statement":"forged"});
	$body =~ s/\}$//;
	$body .= qq(,"prev_hash":"$prev");
	return $body . ',"hash":"' . hmac_sha256_hex($body, $key{$k}) . '"}';
}

my $node = governance_node('keyroll', no_start => 1, conf => qq(
restart_after_crash = on
governance.audit_file_size = '64kB'
governance.audit_hmac_key_file = 'k1.key'
));
my $data = $node->data_dir;
write_keys($data);
$node->start;
$tool = $node->config_data('--bindir') . '/governance-verify-audit';
$node->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (x int)');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 20;
is(scalar(rolls_of($node)), 0, 'a trail that never changed key has no key_rolled event');

# Property: changing the key file and reloading writes a key_rolled event
# at once (no other statement runs meanwhile), chained with the old key,
# naming both keys, with a proof made with the new one.
set_keys($node, 2, 1);
$node->reload;
ok(wait_for_rolls($node, 1), 'a reload that changes the key writes a key_rolled event at once');
my ($roll) = rolls_of($node);
my ($roll_seq) = $roll =~ /^\{"seq":(\d+),/;
like($roll, qr/"old_key":"${\ key_id(1) }","new_key":"${\ key_id(2) }"/, 'it names the old key and the new key by id');
my ($proof) = $roll =~ /"new_key_proof":"([0-9a-f]{64})"/;
is($proof, hmac_sha256_hex("governance audit key roll\nseq $roll_seq\nold_key ${\ key_id(1) }\nnew_key ${\ key_id(2) }\n", $key{2}),
	'its proof is the HMAC with the new key of its sequence number and both ids');
my ($roll_body) = $roll =~ /^(.*"prev_hash":"[0-9a-f]{64}")/;
like($roll, qr/"hash":"${\ hmac_sha256_hex($roll_body, $key{1}) }"/, 'it is chained with the old key');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 20;
my ($after) = grep { /"seq":${\ ($roll_seq + 1) },/ } lines_of($node);
my ($after_body) = $after =~ /^(.*"prev_hash":"[0-9a-f]{64}")/;
like($after, qr/"hash":"${\ hmac_sha256_hex($after_body, $key{2}) }"/, 'the line after it is chained with the new key');

# Property: verify_audit() crosses the roll with the old key configured.
like(verify($node), qr/^t\|\|$/, 'verify_audit() crosses the roll with the old key in audit_hmac_old_key_files');

# Without the old key, the start of the trail cannot be proved: refused.
set_keys($node, 2);
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_hmac_old_key_files') = ''});
like(verify($node), qr/^f\|1\|the first line does not verify under any key given/,
	'without the old key, verify_audit() says the first line verifies under no key given');

# A retired key file that cannot be read is an error, not a quiet skip.
set_keys($node, 2, 1, 9);
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_hmac_old_key_files') <> ''});
my ($rc, $out, $err) = $node->psql('postgres', 'SELECT ok FROM governance.verify_audit()');
ok($rc != 0 && $err =~ /cannot verify the audit trail/ && $err =~ /k9\.key/,
	'an unreadable file in audit_hmac_old_key_files is a clear error');
set_keys($node, 2, 1);
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_hmac_old_key_files') = 'k1.key'});

# Property: the tool crosses the roll with both keys, the one in force first.
like(run_tool($node, 2, 1), qr/^ok: \d+ events, ending under key ${\ key_id(2) }$/m,
	'governance-verify-audit with both keys crosses the roll and names the key the trail ends under');
like(run_tool($node, 1, 2), qr/the trail ends under key ${\ key_id(2) }, not under key ${\ key_id(1) }, the first --key given/,
	'the trail must end under the first key given, the one in force');
like(run_tool($node, 1), qr/broken at sequence number $roll_seq .*rolls the chain key to key ${\ key_id(2) }, which is not among the keys given/,
	'with the old key alone it stops at the roll, naming the key it lacks');

# Crash: the worker SIGKILLed once the reload has rolled the key.  The
# restarted worker finds the trail ending under the configured key and
# goes on under it.  (Killed before the roll was written, it would find
# the trail ending under a retired key and roll from "unknown", which the
# verifiers report: see the end of this file.)
set_keys($node, 3, 1, 2);
$node->reload;
ok(wait_for_rolls($node, 2), 'a second rotation rolls the key');
my $pid = $node->safe_psql('postgres', 'SELECT worker_pid FROM governance.audit_stats()');
kill 'KILL', $pid;
$node->poll_query_until('postgres', qq{SELECT worker_pid <> $pid FROM governance.audit_stats()});
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 5;
my @rolls = rolls_of($node);
is(scalar(@rolls), 2, 'the restarted worker does not roll again');
like($rolls[1], qr/"old_key":"${\ key_id(2) }","new_key":"${\ key_id(3) }"/, 'the roll names the key the trail ended under');
like(verify($node), qr/^t\|\|$/, 'the trail verifies across both rolls and the crash');
like(run_tool($node, 3, 2, 1), qr/^ok: \d+ events, ending under key ${\ key_id(3) }$/m, 'and ends under the configured key');

# Retention across the rolls: the files removed are chained with the
# retired keys; the anchor past them is sealed with the key in force
# there, found by trying the keys, and the rest still verifies.
$node->safe_psql('postgres', "INSERT INTO t SELECT g FROM generate_series(1, 2) g /* "
	  . ('x' x 900) . " */") for 1 .. 300;
$node->append_conf('postgresql.conf', "governance.audit_max_size = '64kB'\n");
$node->reload;
my $removed = 0;
for (1 .. 200)
{
	$removed = $node->safe_psql('postgres', 'SELECT removed_files FROM governance.audit_retention()');
	my @now = files_of($node);
	last if @now <= 2;
	sleep 0.2;
}
ok($removed > 0, "retention removed files chained with the retired keys ($removed)");
my $anchor = slurp_file("$data/pg_governance/anchor");
my ($sealed, $seal) = $anchor =~ /^(.*\n)seal ([0-9a-f]{64})\n$/s;
is($seal, hmac_sha256_hex($sealed, $key{3}), 'the anchor past the rolls is sealed with the key in force now');
like($anchor, qr/^key ${\ key_id(3) }$/m, 'and names the key in force where it stands');
like(verify($node), qr/^t\|\|$/, 'verify_audit() verifies from that anchor');
like(run_tool($node, 3, 2, 1), qr/^ok: \d+ events, ending under key ${\ key_id(3) }$/m,
	'and so does the tool');
$node->append_conf('postgresql.conf', "governance.audit_max_size = 0\n");
$node->reload;

# Property: a rotation seals the anchor again with the new key, at once.
my $rolls_now = () = rolls_of($node);	# retention removed the first ones
set_keys($node, 4, 1, 2, 3);
$node->reload;
ok(wait_for_rolls($node, $rolls_now + 1), 'a third rotation rolls the key');
my $resealed = 0;
for (1 .. 100)
{
	my ($body, $s) = slurp_file("$data/pg_governance/anchor") =~ /^(.*\n)seal ([0-9a-f]{64})\n$/s;
	$resealed = 1, last if $s eq hmac_sha256_hex($body, $key{4});
	sleep 0.1;
}
ok($resealed, 'the anchor is sealed again with the new key');
like(verify($node), qr/^t\|\|$/, 'and the trail verifies from it');

# Attack: the oldest files removed by someone holding a retired key, who
# writes the anchor past them and seals it with that key.  Defence: an
# anchor must be sealed with the key the trail ends under, which only the
# server holds.
{
	my $good = slurp_file("$data/pg_governance/anchor");
	my ($body) = $good =~ /^(.*\n)seal [0-9a-f]{64}\n$/s;
	open(my $ah, '>', "$data/pg_governance/anchor") or die $!;
	print $ah $body . 'seal ' . hmac_sha256_hex($body, $key{3}) . "\n";
	close $ah;
	like(verify($node), qr/^f\|\d+\|the anchor is sealed with key ${\ key_id(3) }, not with key ${\ key_id(4) }, under which the trail ends/,
		'an anchor sealed with a retired key is refused by verify_audit()');
	like(run_tool($node, 4, 3, 2, 1), qr/broken: the anchor is sealed with key ${\ key_id(3) }/,
		'and by the tool');
	# The same, with the anchor put further on than the first file that
	# remains (or past the trail's end), which the walk once ignored.
	my $far = $body;
	$far =~ s/^next_seq \d+$/next_seq 999999999/m;
	open($ah, '>', "$data/pg_governance/anchor") or die $!;
	print $ah $far . 'seal ' . hmac_sha256_hex($far, $key{3}) . "\n";
	close $ah;
	like(verify($node), qr/^f\|/, 'an anchor further on, sealed with a retired key, is refused');
	like(run_tool($node, 4, 3, 2, 1), qr/broken/, 'and by the tool');
	open($ah, '>', "$data/pg_governance/anchor") or die $!;
	print $ah $far . 'seal ' . hmac_sha256_hex($far, $key{4}) . "\n";
	close $ah;
	like(verify($node), qr/^f\|\d+\|the trail ends before the anchor/,
		'an anchor past the trail\'s end is refused, whatever sealed it');
	open($ah, '>', "$data/pg_governance/anchor") or die $!;
	print $ah $good;
	close $ah;
	like(verify($node), qr/^t\|\|$/, 'the genuine anchor verifies again');
}

# Attack: the configured key made unreadable, then a reload.  Defence:
# the chain never falls back to plain SHA-256 (which anyone could forge):
# the key in force stays, and no key_rolled event names "none".
chmod 0000, "$data/k4.key";
my $log_at = -s $node->logfile;
$node->reload;
ok($node->wait_for_log(qr/goes on with the chain key in force until the configured one can be read/, $log_at),
	'an unreadable key at a reload is reported');
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 5;
chmod 0600, "$data/k4.key";
$node->reload;
$node->safe_psql('postgres', "INSERT INTO t VALUES ($_)") for 1 .. 5;
is(scalar(rolls_of($node)), $rolls_now + 1, 'no key_rolled event follows');
unlike(join("\n", rolls_of($node)), qr/"new_key":"none"/, 'nothing rolls to plain SHA-256');
like(verify($node), qr/^t\|\|$/, 'the trail still verifies under the key in force');

# Attack: after the roll, a line appended chained with a retired key (an
# intruder holding only the old key).  Defence: lines after the roll must
# be chained with the new key; the line is named, with both keys.
$node->stop;
my @files = files_of($node);
my $saved = slurp_file($files[-1]);
my $forged = forge_after(3, lines_of($node));
my ($forged_seq) = $forged =~ /^\{"seq":(\d+),/;
PostgreSQL::Test::Utils::append_to_file($files[-1], "$forged\n");
like(run_tool($node, 4, 3, 2, 1),
	qr/broken at sequence number $forged_seq .*is chained under key ${\ key_id(3) }, not under key ${\ key_id(4) }/,
	'a line forged with the retired key after the roll is refused at its sequence number');
open(my $fh, '>', $files[-1]) or die $!;
print $fh $saved;
close $fh;
like(run_tool($node, 4, 3, 2, 1), qr/^ok: /, 'the trail is whole again without it');

# Property: a key changed while the server is down, with the old key not
# configured.  The worker cannot chain with it: it writes a key_rolled
# event from "unknown", chained with the new key, and warns; verifiers
# report that line, even with the old key given later.
# The same with the old key configured: the worker rolls from "unknown"
# too, since the files alone cannot tell this from a trail whose end was
# cut and forged with that key (see the attack below).
set_keys($node, 1, 4);
$log_at = -s $node->logfile;
my $rolls_before = () = rolls_of($node);	# retention removed the first ones
$node->start;
ok($node->wait_for_log(qr/is not chained with the configured audit chain key/, $log_at),
	'the worker warns that the trail does not end under the configured key');
ok($node->wait_for_log(qr/Rotate the chain key with a reload while the server runs/, $log_at),
	'and says how to rotate so that the roll is bound to both keys');
ok(wait_for_rolls($node, $rolls_before + 1), 'a key_rolled event is written');
my $unknown = (rolls_of($node))[-1];
my ($unknown_seq) = $unknown =~ /^\{"seq":(\d+),/;
like($unknown, qr/"old_key":"unknown","new_key":"${\ key_id(1) }"/, 'it says the key before it is unknown');
set_keys($node, 1, 2, 3, 4);
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_hmac_old_key_files') <> ''});
like(verify($node), qr/^f\|$unknown_seq\|line $unknown_seq rolls the chain key from a key the audit worker could not vouch for/,
	'verify_audit() reports that line clearly');
like(run_tool($node, 1, 2, 3, 4), qr/broken at sequence number $unknown_seq .*could not vouch for/,
	'and so does the tool');
$node->stop;

# Attack: someone holding a retired key cuts the trail before the roll
# that retired it and goes on with lines chained with that key.  The
# chain holds (the key is genuine), but the trail no longer ends under the
# configured key: verify_audit() says so.
my $other = governance_node('keyroll_cut', no_start => 1, conf => qq(
governance.audit_hmac_key_file = 'k1.key'
));
write_keys($other->data_dir);
$other->start;
$other->safe_psql('postgres', 'CREATE EXTENSION governance');
set_keys($other, 2, 1);
$other->reload;
ok(wait_for_rolls($other, 1), 'the second server rolls its key');
# The session's events are durable before each statement returns, so the
# trail is read whole and nothing is written while it is rewritten.
my $session = $other->background_psql('postgres');
$session->query_safe('SET governance.audit_sync = on');
$session->query_safe('SELECT 1');
my @cut = lines_of($other);
my ($at) = grep { $cut[$_] =~ /"type":"key_rolled"/ } 0 .. $#cut;
splice(@cut, $at);
push @cut, forge_after(1, @cut);
my @other_files = files_of($other);
unlink @other_files[1 .. $#other_files];
open($fh, '>', $other_files[0]) or die $!;
print $fh join("\n", @cut) . "\n";
close $fh;
my $cut_verify = $session->query_safe('SELECT ok, reason FROM governance.verify_audit()');
like($cut_verify, qr/^f\|the trail ends under key ${\ key_id(1) }, not under the configured key ${\ key_id(2) }/,
	'a trail cut before the roll and continued with the retired key is refused');
$session->quit;
# ... and a restart must not launder it: the worker does not roll from
# the retired key the forged end verifies under, it rolls from "unknown",
# which the verifiers report.  (Done again with the server stopped, so
# that the trail's end is the forged line.)
$other->stop('immediate');
@other_files = files_of($other);
unlink @other_files[1 .. $#other_files];
open($fh, '>', $other_files[0]) or die $!;
print $fh join("\n", @cut) . "\n";
close $fh;
$other->start;
ok(wait_for_rolls($other, 1), 'after a restart, the worker writes a key_rolled event');
like((rolls_of($other))[-1], qr/"old_key":"unknown"/, 'from an unknown key, not from the retired one');
# (The events the server numbered after the cut also leave a gap there.)
like($other->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()'),
	qr/^f\|(line \d+ rolls the chain key from a key the audit worker could not vouch for|expected sequence number \d+, found \d+)/,
	'verify_audit() still refuses the forged trail');
$other->stop('immediate');

done_testing();
