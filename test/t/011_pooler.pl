#
# 011_pooler.pl
#	  Tokens behind a real connection pooler (pgbouncer), and
#	  governance.token_scope = transaction.
#
# Behind pgbouncer in transaction mode one server connection serves many
# clients in turn.  Attack: a client sets its token for the whole session
# and the pooler's next client, on the same server connection, acts as
# that identity.  Defence: under token_scope = transaction only SET LOCAL
# (or set_config(..., true)) may set the token, so PostgreSQL takes it away
# at the end of the transaction; every way of making it outlive the
# transaction is refused.  In session mode, pgbouncer's DISCARD ALL at
# each client's release clears the token.
#
# test/t/011_pooler.pl
#
use strict;
use warnings;

use lib 'test/t';
use GovernanceTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pgbouncer = '/usr/sbin/pgbouncer';
# test/check.sh installs it; a missing pooler is a failure, not a skip.
die "pgbouncer is not installed (Debian package pgbouncer)\n" unless -x $pgbouncer;

my $node = governance_node('pooler',
	conf => "governance.token_scope = 'transaction'\nmax_prepared_transactions = 2\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
	CREATE TABLE orders (id int PRIMARY KEY, note text);
	INSERT INTO orders VALUES (1, 'first'), (2, 'second');
	GRANT SELECT, INSERT ON orders TO agent;
	CREATE TABLE users (id int, email text);
	INSERT INTO users VALUES (1, 'alice@example.com');
	GRANT SELECT ON users TO agent;
	SELECT governance.label_column('users', 'email', 'email');
	SELECT governance.grant_unmasked('email', 'sub:alice');
	CREATE FUNCTION f_email() RETURNS SETOF text LANGUAGE plpgsql
		AS $$ BEGIN RETURN QUERY SELECT email FROM users; END $$;
	GRANT EXECUTE ON FUNCTION f_email() TO agent;
	CREATE FUNCTION try_close(c text) RETURNS text LANGUAGE plpgsql AS $$
	BEGIN
		BEGIN
			EXECUTE format('CLOSE %I', c);
		EXCEPTION WHEN OTHERS THEN
			RETURN SQLERRM;
		END;
		RETURN 'closed';
	END $$;
	GRANT EXECUTE ON FUNCTION try_close(text) TO agent;
});

my $tok_alice = mint_token('sub=alice');
my $tok_bob = mint_token('sub=bob');

# Run a pgbouncer in front of the node; returns its port and harness.
sub start_pgbouncer
{
	my ($mode, $extra) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir();
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $host = $node->host;
	my $node_port = $node->port;
	PostgreSQL::Test::Utils::append_to_file("$dir/users.txt",
		qq{"agent" ""\n"postgres" ""\n});
	PostgreSQL::Test::Utils::append_to_file("$dir/pgbouncer.ini", qq{
[databases]
postgres = host=$host port=$node_port dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = $mode
default_pool_size = 1
max_client_conn = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
$extra
});
	my $h = IPC::Run::start([ $pgbouncer, "$dir/pgbouncer.ini" ],
		'>', "$dir/stdout", '2>', "$dir/stderr");
	# Ready when it accepts a client.
	my $ok = 0;
	for (1 .. 100)
	{
		my ($rc) = run_log_quiet([ 'psql', '-XAtq', '-h', '127.0.0.1', '-p', $port,
				'-U', 'agent', '-d', 'postgres', '-c', 'SELECT 1' ]);
		if ($rc)
		{
			$ok = 1;
			last;
		}
		sleep 0.1;
	}
	die "pgbouncer did not start: " . slurp_file("$dir/pgbouncer.log") unless $ok;
	return ($port, $h);
}

sub run_log_quiet
{
	my ($cmd) = @_;
	my ($out, $err);
	my $rc = IPC::Run::run($cmd, '>', \$out, '2>', \$err);
	return ($rc, $out, $err);
}

# A client of the pooler: a psql kept open, as a driver keeps its
# connection.
sub client
{
	my ($port) = @_;
	return PostgreSQL::Test::Cluster::pooled_client($node,
		"host=127.0.0.1 port=$port user=agent dbname=postgres");
}

{
	package PostgreSQL::Test::Cluster;

	# BackgroundPsql is made only from this package.
	sub pooled_client
	{
		my ($self, $connstr) = @_;
		return PostgreSQL::Test::BackgroundPsql->new(0,
			[ $self->installed_command('psql'), '-XAtq', '-d', $connstr, '-f', '-' ],
			undef, 1);
	}
}

my $who = q{SELECT coalesce(governance.whoami()->>'sub', 'role ' || (governance.whoami()->>'db_role'))};

# ---------------------------------------------------------------------------
# Transaction mode: clients with different tokens take turns on one server
# connection; each acts only as itself.
# ---------------------------------------------------------------------------
my ($tport, $th) = start_pgbouncer('transaction', '');
my $a = client($tport);
my $b = client($tport);
my $c = client($tport);

my $pid_a = $a->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_alice'; $who; SELECT pg_backend_pid(); COMMIT;});
my ($who_a, $pa) = split /\n/, $pid_a;
is($who_a, 'alice', 'client A acts as alice inside its transaction');

my $pid_b = $b->query_safe(qq{$who; SELECT pg_backend_pid();});
my ($who_b, $pb) = split /\n/, $pid_b;
is($pb, $pa, 'client B got the same server connection');
is($who_b, 'role agent', 'client B, without a token, acts as the role, not as alice');

is($b->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_bob'; $who; COMMIT;}),
	'bob', 'client B acts as bob inside its transaction');
is($a->query_safe(qq{$who}), 'role agent', 'client A after its transaction: the role');
is($a->query_safe(qq{BEGIN; SELECT FROM set_config('governance.token', '$tok_alice', true); $who; COMMIT;}),
	'alice', 'set_config(..., true) acts inside the transaction');
my ($who_c, $pc) = split /\n/, $c->query_safe(qq{$who; SELECT pg_backend_pid();});
is($who_c, 'role agent', 'client C, with no token, acts as the role');
is($pc, $pa, 'client C shares the server connection too');

# Every way of setting the token for the whole session is refused, and
# the next client still acts as the role.
$b->{stderr} = '';
$b->query(qq{SET governance.token = '$tok_bob'});
like($b->{stderr}, qr/governance.token is set for the whole session, but governance.token_scope is "transaction"/,
	'SET without LOCAL is refused');
like($b->{stderr}, qr/HINT:.*SET LOCAL governance.token/, 'its hint says to use SET LOCAL');
$b->{stderr} = '';
$b->query(qq{SET SESSION governance.token = '$tok_bob'});
like($b->{stderr}, qr/token_scope is "transaction"/, 'SET SESSION is refused');
$b->{stderr} = '';
$b->query(qq{SELECT set_config('governance.token', '$tok_bob', false)});
like($b->{stderr}, qr/token_scope is "transaction"/, 'set_config(..., false) is refused (at commit)');
$b->{stderr} = '';
$b->query(qq{DO \$\$ BEGIN PERFORM set_config('governance.token', '$tok_bob', false); END \$\$});
like($b->{stderr}, qr/token_scope is "transaction"/, 'set_config(..., false) in a DO block is refused');
$b->{stderr} = '';
$b->query(qq{BEGIN; SAVEPOINT s; SELECT set_config('governance.token', '$tok_bob', false); RELEASE s; COMMIT;});
like($b->{stderr}, qr/token_scope is "transaction"/,
	'set_config(..., false) in a released savepoint is refused at commit');
$b->{stderr} = '';
$b->query('ROLLBACK');
$b->{stderr} = '';
$b->{stderr} = '';
$b->query(qq{BEGIN; SELECT set_config('governance.token', '$tok_bob', false); SELECT count(*) FROM orders;});
like($b->{stderr}, qr/token_scope is "transaction"/,
	'a statement after set_config(..., false) in the same transaction is refused');
$b->{stderr} = '';
$b->query('ROLLBACK');
$b->{stderr} = '';
$b->{stderr} = '';
$b->query(qq{BEGIN; SET LOCAL governance.token = '$tok_bob'; SELECT set_config('governance.token', '$tok_bob', false); PREPARE TRANSACTION 'p1';});
like($b->{stderr}, qr/token_scope is "transaction"/, 'PREPARE TRANSACTION with a session-wide token is refused');
$b->{stderr} = '';
$b->query('ROLLBACK');
$b->{stderr} = '';
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0',
	'nothing was prepared');
is($c->query_safe($who), 'role agent', 'after all of that, the next client still acts as the role');
is($b->query_safe($who), 'role agent', 'and so does the client that tried');

# Clearing the token is always allowed.
is($b->query_safe(q{SET governance.token = ''; SET governance.token TO DEFAULT; RESET governance.token; SELECT 'cleared'}),
	'cleared', 'SET to empty, SET TO DEFAULT and RESET are allowed');

# A transaction that acts by a token may still do its work and commit.
is($a->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_alice'; INSERT INTO orders VALUES (3, 'third'); COMMIT; SELECT count(*) FROM orders}),
	'3', 'a transaction with SET LOCAL commits its work');

# Attack: client A (alice, who reads emails clear) declares a WITH HOLD
# cursor over a function that reads the labelled column, inside its
# transaction; the cursor outlives the transaction, and client B, on the
# same server connection with no token, reads it: by FETCH, by PL/pgSQL
# (which runs no statement of ours and no plan: the rows are held), and by
# MOVE then FETCH.  Defence: when the identity changed at A's commit, every
# cursor declared by another identity was made unusable.
is($a->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_alice';
	DECLARE held CURSOR WITH HOLD FOR SELECT f_email() AS email;
	SELECT count(*) FROM users WHERE email = 'alice\@example.com'; COMMIT;}),
	'1', 'client A, as alice, reads the email clear and declares a held cursor');
$b->{stderr} = '';
my $leak = $b->query(q{FETCH ALL FROM held});
unlike($leak, qr/alice\@example.com/, 'client B: FETCH gives no clear email');
like($b->{stderr}, qr/declared by another identity|cannot be run/, 'client B: FETCH is refused');
$b->{stderr} = '';
$leak = $b->query(q{DO $$ DECLARE c refcursor := 'held'; r record; BEGIN
	FETCH c INTO r; RAISE NOTICE 'B read %', r; END $$});
unlike($leak . $b->{stderr}, qr/alice\@example.com/, 'client B: a PL/pgSQL FETCH gives no clear email');
like($b->{stderr}, qr/portal "held" cannot be run/, 'client B: the PL/pgSQL FETCH is refused');
$b->{stderr} = '';
$leak = $b->query(q{DO $$ DECLARE c refcursor := 'held'; r record; BEGIN
	MOVE ABSOLUTE 0 FROM c; FETCH c INTO r; RAISE NOTICE 'B read %', r; END $$});
unlike($leak . $b->{stderr}, qr/alice\@example.com/, 'client B: MOVE then FETCH gives no clear email');
like($b->{stderr}, qr/cannot be run/, 'client B: MOVE is refused too');
$b->{stderr} = '';
$b->query('CLOSE held');
$b->{stderr} = '';
# The same, with the token set after the DECLARE (by set_config() in a
# SELECT, which closes no cursor), and with the token set by the cursor's
# own query as its rows are read at commit.  The rows are read at commit
# as alice; who declared the cursor (no token) is who acts after the
# commit.  Defence: a WITH HOLD cursor whose transaction changed identity
# after its DECLARE is made unusable before the commit ends.
$a->query_safe(qq{BEGIN;
	DECLARE late CURSOR WITH HOLD FOR SELECT f_email() AS email;
	SELECT FROM set_config('governance.token', '$tok_alice', true); COMMIT;});
$b->{stderr} = '';
$leak = $b->query(q{FETCH ALL FROM late});
unlike($leak, qr/alice\@example.com/, 'token set after the DECLARE: FETCH gives no clear email');
like($b->{stderr}, qr/cannot be run|declared by another identity/, 'token set after the DECLARE: refused');
$b->{stderr} = '';
$b->query('CLOSE late');
$b->{stderr} = '';
$a->query_safe(qq{DECLARE inquery CURSOR WITH HOLD FOR SELECT e AS email
	FROM (SELECT set_config('governance.token', '$tok_alice', true) AS t OFFSET 0) s, LATERAL f_email() e});
$b->{stderr} = '';
$leak = $b->query(q{FETCH ALL FROM inquery});
unlike($leak, qr/alice\@example.com/, 'token set by the cursor\'s own query: FETCH gives no clear email');
like($b->{stderr}, qr/cannot be run|declared by another identity/, 'token set by the cursor\'s own query: refused');
$b->{stderr} = '';
$leak = $b->query(q{DO $$ DECLARE c refcursor := 'inquery'; r record; BEGIN
	MOVE ABSOLUTE 0 FROM c; FETCH c INTO r; RAISE NOTICE 'B read %', r; END $$});
unlike($leak . $b->{stderr}, qr/alice\@example.com/, 'and PL/pgSQL gets nothing either');
$b->{stderr} = '';
$b->query('CLOSE inquery');
$b->{stderr} = '';

# Attack: the cursor's own query tries to CLOSE it (which fails: the
# cursor is running), hoping the attempt makes governance forget whose the
# cursor is.  Defence: a cursor is forgotten only once it is gone.
$a->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_alice';
	DECLARE selfclose CURSOR WITH HOLD FOR SELECT e AS email, try_close('selfclose') AS closing
	FROM f_email() e; COMMIT;});
$b->{stderr} = '';
$leak = $b->query(q{FETCH ALL FROM selfclose});
unlike($leak, qr/alice\@example.com/, 'a cursor that tried to close itself: FETCH gives no clear email');
like($b->{stderr}, qr/cannot be run|declared by another identity/, 'a cursor that tried to close itself: refused');
$b->{stderr} = '';
$b->query('CLOSE selfclose');
$b->{stderr} = '';

# A cursor declared and read within one identity's transaction still works.
is($a->query_safe(qq{BEGIN; SET LOCAL governance.token = '$tok_alice';
	DECLARE mine CURSOR FOR SELECT f_email() AS email; FETCH ALL FROM mine; COMMIT;}),
	'alice@example.com', 'a cursor read inside its own identity\'s transaction works');

$a->quit;
$b->quit;
$c->quit;

# A token in the connection's startup options would be the session's.
my ($rc, $out, $err) = run_log_quiet([ 'psql', '-XAtq', '-d',
		$node->connstr('postgres') . " user=agent options='-c governance.token=$tok_alice'",
		'-c', $who ]);
ok(!$rc, 'a token in PGOPTIONS is refused at connection');
like($err, qr/token_scope is "transaction"/, 'with a message saying why');

# A token set for the session before a reload made the scope
# transaction: that session may not act until it clears the token.
$node->append_conf('postgresql.conf', "governance.token_scope = 'session'\n");
$node->reload;
my $old = $node->background_psql('postgres', on_error_stop => 0, extra_params => [ '-U', 'agent' ]);
$old->query_safe(qq{SET governance.token = '$tok_alice'});
is($old->query_safe($who), 'alice', 'under the session scope a session-wide token acts');
$node->append_conf('postgresql.conf', "governance.token_scope = 'transaction'\n");
$node->reload;
my $stopped = 0;
for (1 .. 100)
{
	$old->{stderr} = '';
	$old->query('SELECT count(*) FROM orders');
	if ($old->{stderr} =~ /token_scope is "transaction"/)
	{
		$stopped = 1;
		last;
	}
	sleep 0.1;
}
ok($stopped, 'after the reload, the session-wide token may no longer act');
$old->{stderr} = '';
$old->query_safe('RESET governance.token');
is($old->query_safe($who), 'role agent', 'once it is reset, the session acts as the role');
$old->quit;

# ---------------------------------------------------------------------------
# Session mode with DISCARD ALL: a client's session-wide token is gone
# when the next client gets the server connection.
# ---------------------------------------------------------------------------
$node->append_conf('postgresql.conf', "governance.token_scope = 'session'\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('governance.token_scope')", 'session');
my ($sport, $sh) = start_pgbouncer('session', "server_reset_query = DISCARD ALL\n");
my $s1 = client($sport);
my ($who1, $p1) = split /\n/, $s1->query_safe(qq{SET governance.token = '$tok_alice'; $who; SELECT pg_backend_pid();});
is($who1, 'alice', 'session mode: the first client acts as alice');
$s1->quit;
my $s2 = client($sport);
my ($who2, $p2) = split /\n/, $s2->query_safe(qq{$who; SELECT pg_backend_pid();});
is($p2, $p1, 'session mode: the next client got the same server connection');
is($who2, 'role agent', 'session mode: DISCARD ALL cleared the first client\'s token');
$s2->quit;

$th->kill_kill;
$sh->kill_kill;
$node->stop;
done_testing();
