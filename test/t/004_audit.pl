#
# 004_audit.pl
#	  The audit pipeline under failure: the worker SIGKILLed under load, a
#	  clean restart, a sink that cannot be written, a full ring (block and
#	  drop), audit_sync across a backend crash, and tampering.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('audit', no_start => 1, conf => qq(
restart_after_crash = on
governance.audit_ring_size = '1MB'
governance.audit_full_timeout = '2s'
governance.audit_file_size = '64kB'
governance.audit_hmac_key_file = 'chain.key'
));
my $data = $node->data_dir;
open my $kf, '>', "$data/chain.key" or die;
print $kf "a chain key for the tests\n";
close $kf;
chmod 0600, "$data/chain.key";
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE TABLE t (id int, note text);
});

sub worker_pid
{
	return $node->safe_psql('postgres',
		q{SELECT worker_pid FROM governance.audit_stats()});
}

# Wait until everything enqueued so far is in the sink.
sub drained
{
	return $node->poll_query_until('postgres',
		q{SELECT durable_seq = last_seq AND ring_used = 0 FROM governance.audit_stats()});
}

# How many statement events carry a marker in their text (optionally only
# nested ones, to leave out the outer statement that generated them).
sub count_marked
{
	my ($marker, $nested_only) = @_;
	my $nested = $nested_only ? q{AND (event->>'nested')::bool} : '';
	return $node->safe_psql('postgres', qq{
		SELECT count(*), count(DISTINCT seq) FROM governance.audit_log
		 WHERE type = 'statement' AND statement LIKE '%$marker%'
		   AND statement NOT LIKE '%audit_log%' $nested});
}

ok(drained(), 'the worker drains the ring');

# 1. SIGKILL the worker while statements run: every event arrives, once.
my $load = $node->background_psql('postgres');
$load->query_safe(q{
	CREATE PROCEDURE burst(n int, tag text) LANGUAGE plpgsql AS $$
	BEGIN
		FOR i IN 1..n LOOP
			EXECUTE format('SELECT %L AS marker, %s', tag, i);
		END LOOP;
	END $$});
my $old_pid = worker_pid();
$load->query_until(qr/started/, q{\echo started
CALL burst(100000, 'kill-marker');
});
# Kill only once the burst is under way: some of its events are written,
# and more are on their way through the ring.
$node->poll_query_until('postgres',
	q{SELECT count(*) > 0 FROM governance.audit_log
	   WHERE type = 'statement' AND statement LIKE '%kill-marker%'
	     AND statement NOT LIKE '%audit_log%'})
  or die 'the burst never reached the trail';
my $enqueued = $node->safe_psql('postgres',
	q{SELECT last_seq FROM governance.audit_stats()});
kill 'KILL', $old_pid;
# The postmaster ends every backend after a SIGKILLed child, this one too.
eval { $load->query('SELECT 1'); $load->quit; };
# The postmaster restarts everything after a SIGKILLed child.
$node->poll_query_until('postgres', qq{SELECT worker_pid <> $old_pid FROM governance.audit_stats()});
ok(drained(), 'after SIGKILL and crash-restart, the ring drains');
my $gaps = $node->safe_psql('postgres', qq{
	SELECT count(DISTINCT seq) = max(seq) - min(seq) + 1 AND max(seq) >= $enqueued
	  FROM governance.audit_log WHERE seq <= $enqueued});
is($gaps, 't', "every event enqueued before the SIGKILL (up to $enqueued) is in the trail");
my ($events, $distinct) = split /\|/, count_marked('kill-marker');
ok($events > 0, "statements of the burst are in the trail ($events)");
is($events, $distinct, 'no event was written twice');
my $verify = $node->safe_psql('postgres', 'SELECT ok, reason FROM governance.verify_audit()');
is($verify, 't|', 'the chain holds across the crash-restart');

# 2. Exactly the acknowledged statements survive: statements acknowledged
# before the SIGKILL with audit_sync = on are all in the trail.
my $acked = 0;
my $sync = $node->background_psql('postgres');
$sync->query_safe('SET governance.audit_sync = on');
for my $i (1 .. 50)
{
	$sync->query_safe("INSERT INTO t VALUES ($i, 'sync-marker-$i')");
	$acked++;
}
my $victim = $sync->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $victim;
eval { $sync->quit };
$node->poll_query_until('postgres', 'SELECT true');
ok(drained(), 'ring drains after a backend crash');
($events) = split /\|/, count_marked('sync-marker-');
is($events, $acked, "all $acked acknowledged audit_sync statements are in the trail");

# 3. A clean restart drains the ring first or after: nothing is lost.
$node->safe_psql('postgres', q{
	SET governance.audit_level = 'all';
	DO $$ BEGIN FOR i IN 1..200 LOOP PERFORM 'restart-marker'; END LOOP; END $$;
	SELECT 'restart-marker-top'});
$node->restart;
ok(drained(), 'after a clean restart the ring is drained');
($events) = split /\|/, count_marked('restart-marker-top');
is($events, 1, 'the statement run just before the restart is in the trail');

# 3b. A crash just after rotation created a new file, before its first
# line was whole, leaves an empty newest file: the worker resumes the chain
# in the file before it.
my $next = $node->safe_psql('postgres',
	q{SELECT durable_seq + 1 FROM governance.audit_stats()});
$node->stop('immediate');
my $empty = sprintf("%s/pg_governance/audit-%020d.jsonl", $data, $next);
open my $ef, '>', $empty or die;
close $ef;
$node->start;
$node->safe_psql('postgres', q{SELECT 'after-empty-file-marker'});
ok(drained(), 'an empty newest file left by a crash does not stop the worker');
like(slurp_file($node->logfile), qr/which a crash left without a complete line/,
	'its removal is logged');
is($node->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't',
	'and the chain goes on unbroken');
($events) = split /\|/, count_marked('after-empty-file-marker');
is($events, 1, 'the next statement is in the trail');

# 3c. The trail is 16 interleaved chains, so resuming needs the hashes of
# the last 16 lines, which can span files: a newest file holding only
# three lines (as rotation leaves it) sends the worker to the file before.
$node->safe_psql('postgres', q{
	DO $$ BEGIN FOR i IN 1..40 LOOP PERFORM 'split-marker'; END LOOP; END $$});
ok(drained(), 'events before the split are written');
$node->stop;
{
	my @trail = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	my @tail = split /^/, slurp_file($trail[-1]);
	# Rotation may just have started a short newest file; else make one.
	if (@tail >= 4)
	{
		my @moved = splice(@tail, -3);
		my ($first) = $moved[0] =~ /^\{"seq":(\d+),/;
		open my $old, '>', $trail[-1] or die;
		print $old join('', @tail);
		close $old;
		open my $new, '>', sprintf("%s/pg_governance/audit-%020d.jsonl", $data, $first) or die;
		print $new join('', @moved);
		close $new;
	}
	@trail = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
	my $newest = () = split /^/, slurp_file($trail[-1]);
	ok(@trail > 1 && $newest < 16, "the newest file holds $newest lines, fewer than the strands");
}
$node->start;
$node->safe_psql('postgres', q{SELECT 'after-split-marker'});
ok(drained(), 'the worker resumes from a newest file shorter than the strands');
is($node->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't',
	'and every strand goes on unbroken across the files');

# 3d. Every width the worker can hash with writes a trail that verifies.
for my $simd ('none', 'avx2', 'auto')
{
	$node->append_conf('postgresql.conf', "governance.audit_chain_simd = $simd\n");
	$node->reload;
	$node->safe_psql('postgres', qq{
		DO \$\$ BEGIN FOR i IN 1..50 LOOP PERFORM 'simd-$simd-marker'; END LOOP; END \$\$});
	ok(drained(), "events hashed with audit_chain_simd = $simd are written");
}
like(slurp_file($node->logfile), qr/governance audit worker hashes one line at a time, without SIMD/,
	'the worker reports hashing without SIMD when told to');
is($node->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't',
	'the trail verifies across changes of SIMD width');

# 4. A sink that cannot be written: events wait in the ring, none lost.
# The small audit_file_size forces a new file, which cannot be created
# while the directory is read-only.
chmod 0500, "$data/pg_governance";
$node->safe_psql('postgres', q{
	DO $$ BEGIN FOR i IN 1..400 LOOP EXECUTE format('SELECT %L', 'sink-marker-' || i); END LOOP; END $$});
ok($node->poll_query_until('postgres',
	q{SELECT sink_errors > 0 FROM governance.audit_stats()}),
	'the sink failure is counted');
like(slurp_file($node->logfile), qr/governance audit sink failed; events wait in the ring/,
	'and reported in the server log');
chmod 0700, "$data/pg_governance";
ok(drained(), 'once writable again, the ring drains');
($events, $distinct) = split /\|/, count_marked('sink-marker-', 1);
is($events, 400, 'every event that waited was written');
is($distinct, 400, 'each exactly once');

# 5. A full ring.  Stop the worker (SIGSTOP), fill the ring.
my $wpid = worker_pid();
kill 'STOP', $wpid;
# (every nested statement recorded: the cap on them would keep the ring
# from filling)
my ($rc, $out, $err) = $node->psql('postgres', q{
	SET governance.audit_nested_max = 1000000;
	DO $$ BEGIN FOR i IN 1..20000 LOOP EXECUTE 'SELECT ''full-marker'''; END LOOP; END $$});
isnt($rc, 0, 'with audit_on_full = block, a statement is refused when the ring stays full');
like($err, qr/audit trail is full/, 'with a clear error');
$node->append_conf('postgresql.conf', "governance.audit_on_full = drop\n");
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_on_full') = 'drop'});
($rc, $out, $err) = $node->psql('postgres', q{
	SET governance.audit_nested_max = 1000000;
	DO $$ BEGIN FOR i IN 1..2000 LOOP EXECUTE 'SELECT ''drop-marker'''; END LOOP; END $$});
is($rc, 0, 'with audit_on_full = drop, statements go on');
my $dropped = $node->safe_psql('postgres', 'SELECT dropped FROM governance.audit_stats()');
ok($dropped > 0, "and every drop is counted ($dropped)");
kill 'CONT', $wpid;
ok(drained(), 'the worker catches up');
$node->append_conf('postgresql.conf', "governance.audit_on_full = block\n");
$node->reload;

# 5b. The fair share belongs to an identity, not to a session.
# Attack: one identity opens another session once its first is made to
# wait, and goes on appending at full speed.
# Rule: every session of one token subject (or, without a token, of one
# role) draws on one budget.
# Defence: the new session of the identity over its share waits too; a
# session of another identity does not.
$node->safe_psql('postgres', q{
	CREATE ROLE agent LOGIN;
	CREATE ROLE filler LOGIN IN ROLE governance_admin;
	CREATE ROLE watcher LOGIN IN ROLE governance_admin;
	ALTER ROLE filler SET governance.audit_nested_max = 1000000;
});
$node->append_conf('postgresql.conf', qq(
governance.audit_fair_share_window = '10min'
governance.audit_full_timeout = '20ms'
));
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('governance.audit_fair_share_window') = '10min'});
ok(drained(), 'the ring is empty before the fair-share test');
$wpid = worker_pid();
kill 'STOP', $wpid;
# Someone else fills the ring past half (a role of its own, without a
# token).
$node->safe_psql('postgres', q{
	DO $$ BEGIN
		WHILE (SELECT ring_used FROM governance.audit_stats()) < 520 * 1024 LOOP
			EXECUTE 'SELECT 1 AS fill_marker';
		END LOOP;
	END $$}, extra_params => [ '-U', 'filler' ]);
# (read by a role of its own: the superuser's share was spent by the
# tests above, within the long window this test sets)
sub throttled
{
	return $node->safe_psql('postgres', 'SELECT throttled FROM governance.audit_stats()',
		extra_params => [ '-U', 'watcher' ]);
}
my $flood_token = mint_token('sub=flood');
my $first = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
$first->query_safe("SET governance.token = '$flood_token'");
my $t0 = throttled();
# Twice an eighth of the ring (the first eighth opens the window) and
# more, in events of about 2 kB.
$first->query_safe(q{
	DO $$ BEGIN FOR i IN 1..200 LOOP
		EXECUTE 'SELECT 1 /* ' || repeat('f', 1500) || ' */';
	END LOOP; END $$});
my $t1 = throttled();
ok($t1 > $t0, "the identity over its share waited ($t0 -> $t1)");
my $second = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
$second->query_safe("SET governance.token = '$flood_token'");
$second->query_safe(q{SELECT 2 AS second_session});
my $t2 = throttled();
ok($t2 > $t1, "its new session waits too ($t1 -> $t2)");
my $bystander = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
$bystander->query_safe("SET governance.token = '" . mint_token('sub=bystander') . "'");
$bystander->query_safe(q{SELECT 3 AS bystander});

is(throttled(), $t2, 'a session of another identity does not wait');
$_->quit for ($first, $second, $bystander);
kill 'CONT', $wpid;
ok(drained(), 'the worker catches up after the fair-share test');
$node->append_conf('postgresql.conf', qq(
governance.audit_fair_share_window = '100ms'
governance.audit_full_timeout = '2s'
));
$node->reload;

# 6. Tampering is found at the right line, by SQL and by the command line.
$verify = $node->safe_psql('postgres', 'SELECT ok, events > 0 FROM governance.verify_audit()');
is($verify, 't|t', 'the untouched trail verifies');
my @files = sort { $a cmp $b } glob("$data/pg_governance/audit-*.jsonl");
# The installed tool, as a DBA runs it.
my $verifier = $node->config_data('--bindir') . '/governance-verify-audit';
my $cli = `$verifier --key $data/chain.key @files`;
like($cli, qr/^ok: \d+ events/, 'the command-line verifier agrees');
$cli = `$verifier @files`;
like($cli, qr/broken at sequence number 1 .*the first line does not verify under any key given/,
	'without the key, the HMAC chain does not verify from its first line');

$node->stop;
# The newest file with a few lines (a file may have just been started).
my ($target, @lines);
for my $f (reverse @files)
{
	@lines = split /^/, slurp_file($f);
	$target = $f;
	last if @lines >= 40;
}
my $n = scalar @lines;
ok($n >= 40, "a file has lines to tamper with ($n)");
my ($seq_of) = sub { my ($l) = @_; $l =~ /^\{"seq":(\d+),/; return $1; };

sub check_tamper
{
	my ($name, $content, $expect_seq) = @_;
	open my $fh, '>', $target or die;
	print $fh $content;
	close $fh;
	my $res = `$verifier --key $data/chain.key @files`;
	like($res, qr/broken at sequence number $expect_seq /, "$name is found at sequence number $expect_seq");
}

my $orig = join('', @lines);
my $mid = int($n / 2);
my $mid_seq = $seq_of->($lines[$mid]);
my @edit = @lines;
$edit[$mid] =~ s/"pid":(\d+)/'"pid":' . ($1 + 1)/e;
check_tamper('an altered line', join('', @edit), $mid_seq);
@edit = @lines;
splice(@edit, $mid, 1);
check_tamper('a deleted line', join('', @edit), $mid_seq);
@edit = @lines;
@edit[ $mid, $mid + 1 ] = @edit[ $mid + 1, $mid ];
check_tamper('two swapped lines', join('', @edit), $mid_seq);
@edit = @lines;
splice(@edit, $mid, 0, $lines[$mid]);
check_tamper('a duplicated (inserted) line', join('', @edit), $mid_seq + 1);

# The chain's strands: line s carries the hash of line s - 16.  Lines of
# one strand swapped, or a whole round of 16 deleted, keep every strand's
# links from end to end of the edit, but not the run of sequence numbers.
@edit = @lines;
@edit[ $mid - 16, $mid ] = @edit[ $mid, $mid - 16 ];
check_tamper('two lines of one strand swapped', join('', @edit), $mid_seq - 16);
@edit = @lines;
splice(@edit, $mid - 16, 16);
check_tamper('sixteen consecutive lines deleted', join('', @edit), $mid_seq - 16);
@edit = @lines;
$edit[$mid] =~ s/"prev_hash":"[0-9a-f]{64}"/'"prev_hash":"' . ($lines[$mid - 1] =~ m{"hash":"([0-9a-f]{64})"})[0] . '"'/e;
check_tamper('a line chained to the line before it instead of its strand', join('', @edit), $mid_seq);

# SQL agrees, on the altered trail.
@edit = @lines;
$edit[$mid] =~ s/"pid":(\d+)/'"pid":' . ($1 + 1)/e;
open my $fh, '>', $target or die;
print $fh join('', @edit);
close $fh;
$node->start;
$verify = $node->safe_psql('postgres',
	'SELECT ok, first_bad_seq FROM governance.verify_audit()');
is($verify, "f|$mid_seq", 'governance.verify_audit() reports the altered line');

done_testing();
