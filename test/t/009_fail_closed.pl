#
# 009_fail_closed.pl
#	  What a regression suite cannot show: fastpath function calls made by
#	  a real libpq client (PQfn, message 'F'), statements ended by FATAL,
#	  and prepared transactions committed after the token expired.  Each
#	  attack is stated with the defence it must meet.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('fail_closed', conf => qq(
governance.audit_sync = on
governance.environment = 'production'
governance.jwt_clock_skew = 0
max_prepared_transactions = 4
));
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
	CREATE SEQUENCE s;
	GRANT USAGE, UPDATE, SELECT ON SEQUENCE s TO agent;
	CREATE TABLE t (id int);
	INSERT INTO t SELECT generate_series(1, 3);
	GRANT SELECT, INSERT ON t TO agent;
	SELECT lo_from_bytea(424242, 'secret');
	ALTER LARGE OBJECT 424242 OWNER TO agent;
});

# The client: built here from test/tools/fastpath.c against libpq.
my $bindir = $node->config_data('--bindir');
my $incdir = `$bindir/pg_config --includedir`;
my $libdir = `$bindir/pg_config --libdir`;
chomp($incdir, $libdir);
my $client = PostgreSQL::Test::Utils::tempdir() . '/fastpath';
system('cc', '-o', $client, repo_path('test/tools/fastpath.c'),
	"-I$incdir", "-L$libdir", '-lpq') == 0
  or die 'could not build the fastpath client';

my $connstr = $node->connstr('postgres') . ' user=agent';
sub fastpath
{
	my ($setup, @call) = @_;
	my ($out, $err);
	IPC::Run::run([ $client, $connstr, $setup, @call ], '>', \$out, '2>', \$err)
	  or die "fastpath client failed: $err";
	chomp $out;
	return $out;
}

sub events_since
{
	my ($mark, $where) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT string_agg(action || ' ' || coalesce(command_tag, '') || ' ' ||
						  coalesce(statement, '') || ' ' || coalesce(sub, '') || ' ' ||
						  coalesce(sqlstate, ''), E'\\n' ORDER BY seq)
		  FROM governance.audit_log WHERE seq > $mark AND $where});
}

sub mark
{
	return $node->safe_psql('postgres',
		'SELECT coalesce(max(seq), 0) FROM governance.audit_log');
}

# Attack: a fastpath call acts with no statement around it, so no planner,
# executor or utility hook sees it.
# Defence: it is decided like a statement and recorded before it runs.
my $tok = mint_token('sub=alice');
my $mark = mark();
like(fastpath("SET governance.token = '$tok'",
		'pg_catalog.setval(regclass,bigint)', 'i4:' . $node->safe_psql('postgres', q{SELECT 's'::regclass::oid}), 'i8:42'),
	qr/^result:/, 'a fastpath call with a valid token runs');
like(events_since($mark, q{command_tag = 'FASTPATH'}),
	qr/^called FASTPATH fastpath function call pg_catalog\.setval\(pg_catalog\.regclass,bigint\) alice/,
	'the fastpath call is in the trail with its function and identity');

# Attack (reproducer): after the token expired, fastpath calls still ran:
# lo_unlink, setval, pg_notify on the approvals channel, set_config.
# Defence: each is refused like a statement, and nothing happens.
# Each call's session sets a fresh token and waits until it has expired.
sub expired_setup
{
	my $short = mint_token('sub=alice', 'exp=+4');
	return "SET governance.token = '$short'\nSELECT pg_sleep(4.5)";
}
$mark = mark();
like(fastpath(expired_setup(), 'pg_catalog.lo_unlink(oid)', 'i4:424242'),
	qr/^error: 28000 governance identity is no longer valid: token has expired/,
	'lo_unlink after expiry is refused');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_largeobject_metadata WHERE oid = 424242}),
	'1', 'and the large object is still there');
like(fastpath(expired_setup(), 'pg_catalog.setval(regclass,bigint)',
		'i4:' . $node->safe_psql('postgres', q{SELECT 's'::regclass::oid}), 'i8:99'),
	qr/^error: 28000/, 'setval after expiry is refused');
is($node->safe_psql('postgres', q{SELECT last_value FROM s}), '42',
	'and the sequence did not move');
like(fastpath(expired_setup(), 'pg_catalog.pg_notify(text,text)',
		't:governance_approvals', 't:{"request_id":1,"forged":true}'),
	qr/^error: 28000/, 'a forged approval announcement after expiry is refused');
like(fastpath(expired_setup(), 'pg_catalog.lo_from_bytea(oid,bytea)', 'i4:0', 't:x'),
	qr/^error: 28000/, 'lo_from_bytea after expiry is refused');
like(events_since($mark, q{sqlstate = '28000'}),
	qr/failed\s+fastpath function call pg_catalog\.lo_unlink\(pg_catalog\.oid\) alice 28000/,
	'the refused calls are in the trail as failures');

# Attack: a fastpath call the policy forbids.
# Defence: the policy decides it as operation "other" on the function.
$node->safe_psql('postgres', q{
	SELECT governance.add_rule('no-notify', '{other}', 'deny',
		principals => '{any,!superuser}', objects => '{pg_catalog.pg_notify}')});
like(fastpath("SET governance.token = '$tok'", 'pg_catalog.pg_notify(text,text)',
		't:governance_approvals', 't:x'),
	qr/^error: 42501 other on pg_catalog\.pg_notify is denied by governance rule "no-notify"/,
	'a denied function is refused by fastpath too');
like(fastpath("SET governance.token = '$tok'", 'pg_catalog.abs(integer)', 'i4:-5'),
	qr/^result:00000005/, 'other functions still run');
# (A function returning bytea is refused to a masked identity: its result
# would pass the output scan, which a fastpath call has no receiver for.)
like(fastpath("SET governance.token = '$tok'", 'pg_catalog.lo_get(oid)', 'i4:424242'),
	qr/^error: 42501 fastpath call of function lo_get is not allowed while the output scan is on/,
	'a fastpath call whose result would be scanned is refused');

# Attack (ninth round, reproducer): a fastpath call right after another,
# with no SQL in between (libpq's lo_import makes four such calls), was
# taken for a function run by a statement: not judged, not recorded, not
# checked against the clock.  A rule denying lo_unlink was bypassed.
# Rule: a function announced while none of governance's planner, executor
# or utility calls is under way is a fastpath call of its own.
# Defence: each call is decided and recorded; a denied or expired one is
# refused.
$node->safe_psql('postgres', q{
	SELECT governance.add_rule('no-unlink', '{other}', 'deny',
		principals => '{sub:alice}', objects => '{pg_catalog.lo_unlink}')});
$mark = mark();
like(fastpath("SET governance.token = '$tok'\n\\fn pg_catalog.lo_creat(integer) i4:-1",
		'pg_catalog.lo_unlink(oid)', 'i4:424242'),
	qr/^error: 42501 other on pg_catalog\.lo_unlink is denied by governance rule "no-unlink"/,
	'a denied call right after another fastpath call is refused');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_largeobject_metadata WHERE oid = 424242}),
	'1', 'and the large object is still there');
like(events_since($mark, q{command_tag = 'FASTPATH' OR statement LIKE 'fastpath%'}),
	qr/lo_creat.*\n.*lo_unlink.*42501/s,
	'both calls are in the trail, the second as refused');
# Variant: the calls of an import, in a transaction: every one recorded.
$mark = mark();
like(fastpath("SET governance.token = '$tok'\nBEGIN\n\\fn pg_catalog.lo_create(oid) i4:515151\n\\fn pg_catalog.lo_open(oid,integer) i4:515151 i4:131072",
		'pg_catalog.lo_close(integer)', 'i4:0'),
	qr/^result:/, 'an import made of chained calls runs');
like(events_since($mark, q{command_tag = 'FASTPATH'}),
	qr/lo_create.*\n.*lo_open.*\n.*lo_close/s,
	'and each of its calls is in the trail');
# Variant: after expiry, a chained call that changes a sequence.
my $seq_before = $node->safe_psql('postgres', q{SELECT last_value FROM s});
$mark = mark();
my $brief = mint_token('sub=alice', 'exp=+4');
like(fastpath("SET governance.token = '$brief'\n\\fn pg_catalog.lo_creat(integer) i4:-1\n\\sleep 5",
		'pg_catalog.nextval(regclass)', 'i4:' . $node->safe_psql('postgres', q{SELECT 's'::regclass::oid})),
	qr/^error: 28000 governance identity is no longer valid: token has expired/,
	'a chained call after expiry is refused');
is($node->safe_psql('postgres', q{SELECT last_value FROM s}), $seq_before,
	'and the sequence did not move');
like(events_since($mark, q{sqlstate = '28000'}),
	qr/fastpath function call pg_catalog\.nextval\(pg_catalog\.regclass\) alice 28000/,
	'the refusal names the call refused');

# Attack (tenth round, reproducer): the call before was of a function with
# a token-shaped name that writes to the log; the log's redaction pointed
# debug_query_string at a redacted copy of that call's text, which was
# then taken for a statement under way: the chained lo_unlink ran unjudged.
# Rule: a call's own text is recognised in either form, its redacted copy
# included.
# Defence: refused and recorded as before.
$node->safe_psql('postgres', q{
	CREATE FUNCTION public."eyJhIjoxfQ.eyJhIjoxfQ.xyz"() RETURNS int LANGUAGE plpgsql
		AS $$BEGIN RAISE WARNING 'logged'; RETURN 1; END$$;
	GRANT EXECUTE ON FUNCTION public."eyJhIjoxfQ.eyJhIjoxfQ.xyz"() TO agent});
$mark = mark();
like(fastpath("SET governance.token = '$tok'\n\\fn public.\"eyJhIjoxfQ.eyJhIjoxfQ.xyz\"()",
		'pg_catalog.lo_unlink(oid)', 'i4:424242'),
	qr/^error: 42501 other on pg_catalog\.lo_unlink is denied/,
	'a denied call after a logged call of a token-named function is refused');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_largeobject_metadata WHERE oid = 424242}),
	'1', 'and the large object is still there');

# Attack (tenth round, reproducer): a procedure's ROLLBACK ended a
# transaction while its CALL still ran; the hook layer's count of calls
# under way was reset under it and went negative, and from then on a
# function a fastpath-called function ran was taken for a fastpath call of
# its own, and the CALL lost its decision.
# Rule: the counts of calls under way change only around the calls.
# Defence: the CALL has its decision; the function run by the fastpath
# call is recorded with its statement, not as a call of its own.
$node->safe_psql('postgres', q{
	CREATE PROCEDURE fc_rollback() LANGUAGE plpgsql AS $$BEGIN PERFORM 1; ROLLBACK; END$$;
	CREATE FUNCTION fc_inner() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 7; END$$;
	CREATE FUNCTION fc_outer() RETURNS int LANGUAGE plpgsql AS $$BEGIN PERFORM fc_inner(); RETURN 1; END$$;
	GRANT EXECUTE ON PROCEDURE fc_rollback() TO agent;
	GRANT EXECUTE ON FUNCTION fc_inner(), fc_outer() TO agent});
$mark = mark();
like(fastpath("SET governance.token = '$tok'\nCALL fc_rollback()", 'public.fc_outer()'),
	qr/^result:/, 'a fastpath call after a procedure that rolled back runs');
is(events_since($mark, q{statement LIKE 'fastpath function call public.fc_inner%'}), '',
	'the function it ran is not taken for a fastpath call');
is($node->safe_psql('postgres', qq{SELECT event->>'decision' FROM governance.audit_log
	WHERE seq > $mark AND statement = 'CALL fc_rollback()'}),
	'allow', 'and the CALL has its decision');

# Attack (reproducer): a read that delivers rows, then ends its own
# backend; neither completed nor failed was written.
# Defence: the statement is recorded as failed, with its SQLSTATE and
# the rows it delivered.
$mark = mark();
$node->psql('postgres',
	q{SELECT id FROM t UNION ALL SELECT pg_terminate_backend(pg_backend_pid())::int},
	extra_params => [ '-U', 'agent' ]);
like(events_since($mark, q{action = 'failed'}),
	qr/failed\s+SELECT id FROM t UNION ALL SELECT pg_terminate_backend\(pg_backend_pid\(\)\)::int\s+57P01/,
	'a statement ended by FATAL is recorded');
# Variant: ended by another session (an administrator) mid-statement.
$mark = mark();
my $victim = $node->background_psql('postgres', extra_params => [ '-U', 'agent' ]);
my $pid = $victim->query_safe('SELECT pg_backend_pid()');
$victim->query_until(qr/^$/, "SELECT pg_sleep(30);\n");
$node->poll_query_until('postgres',
	qq{SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $pid});
$node->safe_psql('postgres', qq{SELECT pg_terminate_backend($pid)});
# (Its text as the plan gives it, or as the client sent it if the FATAL
# came before a plan was under way.)
ok($node->poll_query_until('postgres',
	qq{SELECT count(*) = 1 FROM governance.audit_log WHERE seq > $mark AND statement IN ('SELECT pg_sleep(30);', 'SELECT pg_sleep(30)') AND action = 'failed'}),
	'a statement ended by another session is recorded');
eval { $victim->quit; };

# Attack (reproducer): PREPARE TRANSACTION while the token is valid, then
# COMMIT PREPARED after it expired: the commit made the changes durable,
# as the pre-commit check never runs for it.
# Rule: every commit is checked against the clock before it happens;
# COMMIT PREPARED is a commit.
# Defence: refused with 28000; the transaction stays prepared, its rows
# unseen, and can still be rolled back.
my $short = mint_token('sub=alice', 'exp=+4');
my ($out, $err) = ('', '');
$node->psql('postgres', qq{
SET governance.token = '$short';
BEGIN;
INSERT INTO t VALUES (100);
PREPARE TRANSACTION 'fc_late';
SELECT pg_sleep(4.5);
COMMIT PREPARED 'fc_late';
}, stdout => \$out, stderr => \$err, extra_params => [ '-U', 'agent' ]);
like($err, qr/ERROR:  governance identity is no longer valid: token has expired/,
	'COMMIT PREPARED after expiry is refused');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'fc_late'}),
	'1', 'the transaction is still prepared');
is($node->safe_psql('postgres', q{SELECT count(*) FROM t WHERE id = 100}),
	'0', 'and its row is not committed');
# Variant: the same identity commits it from a new session whose token
# has expired too.
$short = mint_token('sub=alice', 'exp=+4');
$node->psql('postgres', qq{
SET governance.token = '$short';
SELECT pg_sleep(4.5);
COMMIT PREPARED 'fc_late';
}, stdout => \$out, stderr => \$err, extra_params => [ '-U', 'agent' ]);
like($err, qr/ERROR:  governance identity is no longer valid: token has expired/,
	'COMMIT PREPARED from another expired session is refused');
# An administrator can still roll it back.
$node->safe_psql('postgres', q{ROLLBACK PREPARED 'fc_late'});
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_prepared_xacts}),
	'0', 'an administrator rolls the prepared transaction back');
is($node->safe_psql('postgres', q{SELECT count(*) FROM t WHERE id = 100}),
	'0', 'and nothing of the transaction was kept');

# Attack (reproducer): an idle session LISTENs with a token that then
# expires; anyone NOTIFYs the channel.  The backend reads notifications in
# a transaction of its own, whose commit was refused, while it waited for
# the client: FATAL, the session gone and the notification lost.
# Rule: a transaction in which no statement ran has nothing to make
# durable, and is not refused at commit.
# Defence: the session lives, is told of the notification, and may still
# reset its token.
{
	my $listener = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'agent' ]);
	my $soon = mint_token('sub=alice', 'exp=+4');
	$listener->query_safe("SET governance.token = '$soon'");
	$listener->query_safe('LISTEN fc_channel');
	sleep 5;
	$node->safe_psql('postgres', q{NOTIFY fc_channel, 'after expiry'});
	sleep 1;
	my $reset = $listener->query('RESET governance.token');
	is($listener->{stderr} =~ /could not|terminat|FATAL/ ? 'dead' : 'alive', 'alive',
		'the expired listener survives a notification');
	like($reset, qr/Asynchronous notification "fc_channel" with payload "after expiry"/,
		'and is told of it');
	like($listener->query('SELECT 1 AS after_reset'), qr/1/,
		'and runs statements once it reset its token');
	$listener->quit;
	unlike(slurp_file($node->logfile), qr/protocol synchronization was lost/,
		'no session was ended for losing protocol synchronization');
	# Variant: a transaction that did something is still refused at commit.
	my ($o, $e) = ('', '');
	$soon = mint_token('sub=alice', 'exp=+4');
	$node->psql('postgres', qq{
SET governance.token = '$soon';
BEGIN;
NOTIFY fc_channel, 'sent in time';
SELECT pg_sleep(4.5);
COMMIT;
}, stdout => \$o, stderr => \$e, extra_params => [ '-U', 'agent' ]);
	like($e, qr/ERROR:  governance identity is no longer valid: token has expired/,
		'a transaction with a statement is still refused at commit after expiry');
}

# Attack (third round): after expiry, the one statement an expired
# identity may still run -- set_config('governance.token', <value>) -- with
# an IMMUTABLE function as its value: planning folds constants, so the
# function ran (and changed a sequence) before the statement was judged.
# Rule: an identity that may no longer act gets nothing planned but the
# setting of a new token as constants or parameters.
# Defence: refused with 28000 before planning; the sequence is unchanged.
{
	$node->safe_psql('postgres', q{
		CREATE FUNCTION plan_time() RETURNS text LANGUAGE plpgsql IMMUTABLE
		AS $$ BEGIN PERFORM setval('s', 777); RETURN ''; END $$;
		GRANT EXECUTE ON FUNCTION plan_time() TO agent;
		SELECT setval('s', 5);
	});
	my $s = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'agent' ]);
	my $soon = mint_token('sub=alice', 'exp=+4');
	$s->query_safe("SET governance.token = '$soon'");
	sleep 5;
	$s->{stderr} = '';
	$s->query(q{SELECT set_config('governance.token', plan_time(), false)});
	like($s->{stderr}, qr/ERROR:  governance identity is no longer valid: token has expired/,
		'set_config with a function as its value is refused after expiry');
	is($node->safe_psql('postgres', q{SELECT last_value FROM s}), '5',
		'and the function never ran');
	# Variant: constants still reset the identity after expiry.
	$s->{stderr} = '';
	$s->query(q{SELECT set_config('governance.token', '', false)});
	is($s->{stderr}, '', 'set_config with constants still works after expiry');
	is($s->query_safe(q{SELECT governance.whoami()->>'kind'}), 'role',
		'and the session acts as its role');
	$s->quit;
}

# Attack (fourth round): a procedure started before expiry loops over
# PL/pgSQL assignments (which pass no statement hook) and COMMIT: its
# changes (setval here) became durable after the token expired, since a
# transaction in which no statement of ours ran was not refused at commit.
# Rule: only the transaction in which an idle session reads notifications
# is let through -- no client statement under way, none of ours ran, no
# transaction id; any other commit is checked against the clock.
# Defence: the first COMMIT after expiry is refused; later values are not
# kept.
{
	$node->safe_psql('postgres', q{
		CREATE PROCEDURE commit_loop() LANGUAGE plpgsql AS $$
		DECLARE x bigint; b boolean;
		BEGIN
			FOR i IN 1..6 LOOP
				x := setval('s', 2000 + i);
				COMMIT;
				b := pg_sleep(1) IS NULL;
			END LOOP;
		END $$;
		GRANT EXECUTE ON PROCEDURE commit_loop() TO agent;
		SELECT setval('s', 1);
	});
	my ($o, $e) = ('', '');
	my $soon = mint_token('sub=alice', 'exp=+3');
	$node->psql('postgres', qq{
SET governance.token = '$soon';
CALL commit_loop();
}, stdout => \$o, stderr => \$e, extra_params => [ '-U', 'agent' ]);
	like($e, qr/ERROR:  governance identity is no longer valid: token has expired/,
		'a procedure looping over COMMIT is stopped at the first commit after expiry');
	my $last = $node->safe_psql('postgres', q{SELECT last_value FROM s});
	ok($last > 2000 && $last < 2006, "only the values set before expiry were kept ($last)");
}

done_testing();
