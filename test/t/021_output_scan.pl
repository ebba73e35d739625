#
# 021_output_scan.pl
#	  The output scan at the protocol level, where a regression suite
#	  (sql/output_scan.sql) cannot reach: results in binary format, a
#	  portal run by Execute with a row limit, cursors and refcursors run by
#	  name through the protocol (a WITH HOLD cursor's rows read from its
#	  store with no statement around them), COPY in binary, bytea in
#	  binary format, fastpath calls, which hand a result over with no
#	  receiver at all (libpq's lo_read() of a large object is one), and
#	  the messages that carry data without a receiver (errors, notices,
#	  notifications, reported settings), read byte for byte as sent, with
#	  the server log beside them.
#
#	  agent reads every label masked (a masked identity); the superuser
#	  reads clear.  Each attack is stated above its test.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use WireClient;

my $node = governance_node('outscan', conf => "governance.audit_sync = on\n");
my $jwt = mint_token('sub=alice');
my $pem = slurp_file(repo_path('test/keys/rsa_private.pem'));
my $card = '4111 1111 1111 1111';

$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
	CREATE TABLE notes (id int PRIMARY KEY, body text, meta jsonb, tags text[]);
	CREATE TABLE inbox (id int, msg text);
	GRANT SELECT, INSERT ON notes, inbox TO agent;
	GRANT CREATE ON SCHEMA public TO agent;
	CREATE TABLE blobs (id int PRIMARY KEY, b bytea);
	GRANT SELECT ON blobs TO agent;
});
$node->safe_psql('postgres', qq{
	INSERT INTO notes VALUES
		(1, 'nothing to see', '{"a": 1}', '{x}'),
		(2, 'use $jwt please', jsonb_build_object('key', \$pem\$$pem\$pem\$), ARRAY['ok', 'card $card']),
		(3, 'pay with $card', NULL, NULL);
	INSERT INTO blobs VALUES
		(1, convert_to(\$pem\$$pem\$pem\$, 'UTF8')),
		(2, '\\x00ff'::bytea || convert_to('no secret here, just bytes', 'UTF8'));
	SELECT lo_from_bytea(871002, convert_to(\$pem\$$pem\$pem\$, 'UTF8'));
	GRANT SELECT ON LARGE OBJECT 871002 TO agent;
});

sub agent { return WireClient->connect($node, 'postgres', user => 'agent'); }

sub mark
{
	return $node->safe_psql('postgres',
		'SELECT coalesce(max(seq), 0) FROM governance.audit_log');
}

# The clear values must not be in what the client got.
sub no_secret
{
	my ($got, $what) = @_;
	ok( $got !~ /eyJ/ && $got !~ /4111/ && $got !~ /PRIVATE KEY/,
		"$what: no secret reaches the client");
}

sub flat
{
	my ($r) = @_;
	return join('|', map { join(',', map { $_ // 'NULL' } @$_) } @{ $r->{rows} }) . $r->{copy};
}

my $c = agent();

# Attack: the extended protocol, results in text.
my $r = $c->extended('SELECT body FROM notes ORDER BY id');
is(flat($r), 'nothing to see|[redacted: jwt]|[redacted: card]',
	'extended protocol, text results: redacted');

# Attack: the extended protocol, results in binary (text, jsonb, text[]):
# the client decodes the type's send format itself.
$r = $c->extended('SELECT body, meta, tags FROM notes WHERE id = $1',
	params => ['2'], binary => 1);
is($r->{error}, undef, 'binary results: no error');
my ($body, $meta, $tags) = @{ $r->{rows}[0] };
is($body, '[redacted: jwt]', 'binary text: the redaction');
is($meta, "\x01\"[redacted: private_key]\"", 'binary jsonb: a JSON string holding the redaction');
like($tags, qr/\[redacted: card\]/, 'binary text[]: the element is redacted');
no_secret(flat($r), 'binary results');

# Attack: a private key stored as bytea, read in binary format (its raw
# bytes) and in text (hex, which the client decodes).
# Defence: its bytes are searched; the value becomes the bytes of the
# redaction text.  A bytea with no secret arrives unchanged.
$r = $c->extended('SELECT b FROM blobs ORDER BY id', binary => 1);
is($r->{error}, undef, 'binary bytea: no error');
is($r->{rows}[0][0], '[redacted: private_key]', 'binary bytea: the redaction\'s bytes');
is($r->{rows}[1][0], "\x00\xffno secret here, just bytes", 'binary bytea with no secret: unchanged');
$r = $c->extended('SELECT b FROM blobs WHERE id = 1');
is(flat($r), '\x' . unpack('H*', '[redacted: private_key]'), 'text bytea: the redaction\'s bytes in hex');

# Attack: a parameter echoed back: the secret comes from the client itself.
# Defence: what is delivered is scanned, wherever it came from.
$r = $c->extended('SELECT $1::text AS echo', params => ["x $jwt"], binary => 1);
is(flat($r), '[redacted: jwt]', 'a parameter echoed back is redacted too');

# Attack: a portal run by Execute with a row limit, a row at a time.
$c->query('BEGIN');
$r = $c->extended('SELECT body FROM notes ORDER BY id', portal => 'p1', max_rows => 1);
ok($r->{suspended}, 'the portal is suspended after one row');
my $rows = flat($r);
$rows .= '|' . flat($c->execute_portal('p1', 1)) for 1 .. 2;
is($rows, 'nothing to see|[redacted: jwt]|[redacted: card]',
	'Execute with a row limit: each batch is redacted');
$c->query('COMMIT');

# Attack: a cursor declared in SQL, run by name with the protocol's
# Execute instead of FETCH.
$c->query('BEGIN');
$c->query('DECLARE c CURSOR FOR SELECT body FROM notes ORDER BY id');
$r = $c->execute_portal('c', 2);
is(flat($r), 'nothing to see|[redacted: jwt]', 'a SQL cursor run by Execute: redacted');
$c->query('COMMIT');

# Attack: a WITH HOLD cursor: at commit its rows are read into a store,
# and Execute by name sends them from it with no statement around them.
# Defence: the rows are scanned on their way into the store.
my $m = mark();
$c->query('BEGIN');
$c->query('DECLARE h CURSOR WITH HOLD FOR SELECT id, body FROM notes ORDER BY id');
$c->query('COMMIT');
$r = $c->execute_portal('h', 0);
is(flat($r), '1,nothing to see|2,[redacted: jwt]|3,[redacted: card]',
	'a WITH HOLD cursor run by Execute after its commit: redacted');
$c->query('CLOSE h');
is( $node->safe_psql('postgres', qq{
		SELECT event->>'redacted' || ' ' || (event->'redacted_by')::text
		  FROM governance.audit_log
		 WHERE seq > $m AND statement LIKE 'DECLARE h%' AND command_tag = 'SELECT'}),
	'2 ["card", "jwt"]',
	'the redactions made as the cursor was held are in its query\'s event');

# Attack: a function opens a refcursor over INSERT ... RETURNING, reads a
# row of it (which fills its store), and hands it back; the client runs
# it by name.
$c->query(q{CREATE FUNCTION public.copy_out() RETURNS refcursor LANGUAGE plpgsql AS $$
	DECLARE r refcursor := 'rr'; v text;
	BEGIN
		OPEN r FOR EXECUTE 'INSERT INTO inbox SELECT id, body FROM notes ORDER BY id RETURNING msg';
		FETCH r INTO v;
		RETURN r;
	END $$});
$c->query('BEGIN');
$r = $c->query('SELECT public.copy_out()');
is(flat($r), 'rr', 'the function hands back its cursor');
$r = $c->execute_portal('rr', 0);
is(flat($r), '[redacted: jwt]|[redacted: card]',
	'a refcursor over RETURNING run by Execute: redacted');
$c->query('COMMIT');

# Attack: COPY TO STDOUT in binary format, of a table and of a query.
$r = $c->query('COPY notes (body) TO STDOUT (FORMAT binary)');
like($r->{copy}, qr/\[redacted: jwt\].*\[redacted: card\]/s, 'binary COPY of a table: redacted');
no_secret($r->{copy}, 'binary COPY of a table');
$r = $c->query('COPY (SELECT tags FROM notes) TO STDOUT (FORMAT binary)');
no_secret($r->{copy}, 'binary COPY of a query');
$r = $c->query('COPY blobs (b) TO STDOUT (FORMAT binary)');
like($r->{copy}, qr/\[redacted: private_key\]/, 'binary COPY of bytea: redacted');
no_secret($r->{copy}, 'binary COPY of bytea');

# Attack: the simple protocol, several statements in one message.
$r = $c->query('SELECT 1; SELECT body FROM notes WHERE id = 3; SELECT 2');
is(flat($r), '1|[redacted: card]|2', 'statements of one simple message: redacted');
$c->close;

# Attack: a fastpath call (as libpq's PQfn makes) of a function returning
# text sends its result with no receiver.
# Defence: refused to a masked identity; one returning an integer runs.
my $bindir = $node->config_data('--bindir');
my $incdir = `$bindir/pg_config --includedir`;
my $libdir = `$bindir/pg_config --libdir`;
chomp($incdir, $libdir);
my $client = PostgreSQL::Test::Utils::tempdir() . '/fastpath';
system('cc', '-o', $client, repo_path('test/tools/fastpath.c'),
	"-I$incdir", "-L$libdir", '-lpq') == 0
  or die 'could not build the fastpath client';
# A fastpath call as user, after the setup (fastpath.c); in list context
# also what the setup's own calls printed.
sub fastpath_after
{
	my ($user, $setup, @call) = @_;
	my ($out, $err);
	IPC::Run::run([ $client, $node->connstr('postgres') . " user=$user", $setup, @call ],
		'>', \$out, '2>', \$err)
	  or die "fastpath client failed: $err";
	chomp $out;
	return wantarray ? ($out, $err) : $out;
}
sub fastpath { my ($user, @call) = @_; return fastpath_after($user, '', @call); }
like(fastpath('agent', 'pg_catalog.textin(cstring)', "t:$jwt"),
	qr/^error: 42501 fastpath call of function textin is not allowed while the output scan is on/,
	'fastpath call returning text: refused to a masked identity');
like(fastpath('agent', 'pg_catalog.int4abs(integer)', 'i4:-7'), qr/^result: ?00000007/,
	'fastpath call returning an integer: runs');
like(fastpath('postgres', 'pg_catalog.textin(cstring)', "t:$jwt"), qr/^result:/,
	'fastpath call returning text: runs for the superuser');

# Attack: libpq's lo_open() and lo_read() of a large object holding a key:
# both are fastpath calls, of lo_open (an integer) and loread (bytea).
# Defence: bytea is scanned, so loread is refused; lo_open runs.
my $lo_open = "BEGIN\n\\fn pg_catalog.lo_open(oid,integer) i4:871002 i4:262144";
my ($out, $err) = fastpath_after('agent', $lo_open,
	'pg_catalog.loread(integer,integer)', 'i4:0', 'i4:64');
like($err, qr/lo_open\(oid,integer\): result: ?00000000/,
	'fastpath lo_open: runs for a masked identity');
like($out,
	qr/^error: 42501 fastpath call of function loread is not allowed while the output scan is on/,
	'fastpath loread (libpq lo_read): refused to a masked identity');
like(fastpath_after('postgres', $lo_open, 'pg_catalog.loread(integer,integer)', 'i4:0', 'i4:64'),
	qr/^result: ?2d2d2d2d2d424547494e2050524956415445204b4559/,
	'fastpath loread: the superuser reads the key');

# The superuser reads clear, in binary too.
my $su = WireClient->connect($node, 'postgres');
$r = $su->extended('SELECT body FROM notes WHERE id = 2', binary => 1);
is(flat($r), "use $jwt please", 'the superuser reads the clear value');
$su->close;

# The audit: the binary SELECT's event has the redaction and the bytes.
$c = agent();
$m = mark();
$c->extended('SELECT body, tags FROM notes ORDER BY id', binary => 1);
$c->close;
is( $node->safe_psql('postgres', qq{
		SELECT string_agg(concat_ws(' ', event->>'rows', (event->>'bytes')::int > 0,
									event->>'redacted', event->'redacted_by'), E'\n' ORDER BY seq)
		  FROM governance.audit_log
		 WHERE seq > $m AND command_tag = 'SELECT' AND db_role = 'agent'
		   AND NOT (event->>'nested')::boolean}),
	'3 t 3 ["card", "jwt"]',
	'the statement\'s event counts rows, bytes, redactions and detectors');

# Attack: card numbers with their groups apart by more than one blank,
# or by a dash between blanks.
$c = agent();
for my $case ([ 'two blanks', '4111  1111  1111  1111' ],
	[ '" - "', '4111 - 1111 - 1111 - 1111' ])
{
	$r = $c->extended('SELECT $1::text', params => [ "pay with " . $case->[1] ]);
	is(flat($r), '[redacted: card]', "a card with $case->[0] between groups is redacted");
}
$c->close;

# Messages, byte for byte as the client gets them.  The server log is
# read from here on.
my $log_start = -s $node->logfile;
$c = agent();

# Attack: a NOTICE quoting pasted secrets in its message, DETAIL and HINT.
# With the default log_min_messages the server does not log a NOTICE, so
# no log hook sees it.
# Defence: every message is scrubbed where it is sent: the raw
# NoticeResponse carries a redaction in each field, no byte of a secret.
$r = $c->query(q{DO $$ BEGIN
	RAISE NOTICE '%', (SELECT body FROM notes WHERE id = 2)
		USING DETAIL = (SELECT meta->>'key' FROM notes WHERE id = 2),
			  HINT = (SELECT body FROM notes WHERE id = 3);
END $$});
is(scalar @{ $r->{notices} }, 1, 'the NOTICE is sent');
my $notice = join('', @{ $r->{notices} });
no_secret($notice, 'a NOTICE: the raw NoticeResponse');
like($notice, qr/\0M\[redacted: jwt\]\0D\[redacted: private_key\]\0H\[redacted: card\]\0/,
	'a NOTICE: message, detail and hint each replaced by its redaction');
like($notice, qr/^SNOTICE\0VNOTICE\0C00000\0/, 'a NOTICE: severity and SQLSTATE unchanged');

# Attack: the fields RAISE ... USING fills with any text: the schema,
# table, column, data type and constraint names of a WARNING and of an
# error.
# Defence: every string field of the raw message is scrubbed.
$r = $c->query(q{DO $$ DECLARE v text := (SELECT body FROM notes WHERE id = 2); BEGIN
	RAISE WARNING 'w' USING SCHEMA = v, TABLE = v, COLUMN = v, DATATYPE = v, CONSTRAINT = v;
	RAISE EXCEPTION 'e' USING COLUMN = v;
END $$});
is(scalar @{ $r->{notices} }, 1, 'the WARNING with its name fields is sent');
no_secret(join('', @{ $r->{notices} }), 'name fields of a WARNING: the raw NoticeResponse');
like(join('', @{ $r->{notices} }), qr/\0s\[redacted: jwt\]\0t\[redacted: jwt\]\0c\[redacted: jwt\]\0d\[redacted: jwt\]\0n\[redacted: jwt\]\0/,
	'name fields of a WARNING: each replaced by its redaction');
no_secret(join('', @{ $r->{errors} }), 'the column name of an error: the raw ErrorResponse');

# Attack: a column named from data: a view whose column dynamic SQL named
# after a value read, read back; the row holds nothing, the column's name
# in the RowDescription holds the secret.
# Defence: a RowDescription's column names are scrubbed; the rest of the
# message (the column count, its type) is kept, and the row arrives.
$c->query(q{DO $$ BEGIN
	EXECUTE format('CREATE TEMP VIEW named AS SELECT 1 AS %I',
		(SELECT body FROM notes WHERE id = 3));
END $$});
$r = $c->query('SELECT * FROM named');
is(scalar @{ $r->{descriptions} }, 1, 'the view\'s RowDescription is sent');
no_secret(join('', @{ $r->{descriptions} }), 'a column named from data: the raw RowDescription');
like(join('', @{ $r->{descriptions} }), qr/^\0\x01\[redacted: card\]\0.{6}\0\0\0\x17/s,
	'a column named from data: its name replaced, its type (int4) kept');
is(flat($r), '1', 'and its row arrives');
$c->query('DROP VIEW named');

# Attack: a client encoding other than UTF-8 (GB18030, WIN1252): the
# server converts a message before it is sent, and a card number written
# with bullets between its groups, or with fullwidth digits, is in
# another byte form than the detectors read.
# Defence: a string of a message sent in another encoding is also read
# converted back to the server's.
for my $enc ('GB18030', 'WIN1252')
{
	$c->query("SET client_encoding = '$enc'");
	$r = $c->query(q{DO $$ BEGIN
		RAISE NOTICE '%', replace((SELECT body FROM notes WHERE id = 3), ' ', chr(8226));
	END $$});
	my $n = join('', @{ $r->{notices} });
	ok($n !~ /4111/ && $n =~ /\[redacted: card\]/,
		"a card with bullets in a NOTICE sent in $enc is redacted");
}
# A character the conversion back cannot convert (GBK's euro sign, which
# PostgreSQL's own conversion writes) does not stop the reading there.
$c->query("SET client_encoding = 'GBK'");
$c->query('SELECT 1');
$r = $c->query(q{DO $$ BEGIN
	RAISE NOTICE '%', chr(8364) || ' ' || replace((SELECT body FROM notes WHERE id = 3), ' ', chr(183));
END $$});
my $gbk = join('', @{ $r->{notices} });
ok($gbk !~ /4111/ && $gbk =~ /\[redacted: card\]/,
	'a card with middle dots after a euro sign in a NOTICE sent in GBK is redacted');
# Attack: JOHAB, whose conversion from the server writes fullwidth digits
# and a card's separators as bytes its conversion back refuses: a card
# in fullwidth digits, or with middle dots, in a NOTICE, a column name, a
# notification.
# Defence: a string that cannot be read back whole is withheld.
$c->query("SET client_encoding = 'JOHAB'");
$r = $c->query(q{DO $$ BEGIN
	RAISE NOTICE '%', translate((SELECT body FROM notes WHERE id = 3), '0123456789',
		chr(65296) || chr(65297) || chr(65298) || chr(65299) || chr(65300) ||
		chr(65301) || chr(65302) || chr(65303) || chr(65304) || chr(65305));
	RAISE NOTICE '%', replace((SELECT body FROM notes WHERE id = 3), ' ', chr(183));
END $$});
my $johab = join('', @{ $r->{notices} });
is(scalar(() = $johab =~ /\[redacted: card\]/g), 2,
	'a card in fullwidth digits, and one with middle dots, in NOTICEs sent in JOHAB: both withheld');
$c->query(q{DO $$ BEGIN
	EXECUTE format('CREATE TEMP VIEW johab AS SELECT 1 AS %I', replace((SELECT body FROM notes WHERE id = 3), ' ', chr(183)));
END $$});
$r = $c->query('SELECT * FROM johab');
like(join('', @{ $r->{descriptions} }), qr/\[redacted: card\]/,
	'a column named with such a card, sent in JOHAB: withheld');
$c->query('DROP VIEW johab');
$c->query('LISTEN johab');
$r = $c->query(q{SELECT pg_notify('johab', replace(body, ' ', chr(183))) FROM notes WHERE id = 3});
like(join('', @{ $r->{notifications} }), qr/\[redacted: card\]/,
	'such a card as a notification payload, sent in JOHAB: withheld');
$c->query('UNLISTEN johab');
$c->query("SET client_encoding = 'GB18030'");
$r = $c->query(q{DO $$ BEGIN
	RAISE NOTICE '%', translate((SELECT body FROM notes WHERE id = 3), '0123456789',
		chr(65296) || chr(65297) || chr(65298) || chr(65299) || chr(65300) ||
		chr(65301) || chr(65302) || chr(65303) || chr(65304) || chr(65305));
END $$});
like(join('', @{ $r->{notices} }), qr/\[redacted: card\]/,
	'a card in fullwidth digits in a NOTICE sent in GB18030 is redacted');
$c->query("SET client_encoding = 'UTF8'");

# Attack: the client encoding changed inside a statement, and a message
# raised before the next statement: SET in PL/pgSQL, or set_config(),
# which is no statement at all.
# Defence: a SET that ran updates the conversion the wire reads back with;
# a message sent in an encoding changed by other means, not ASCII, is
# withheld (fail closed).
$r = $c->query(q{DO $$ BEGIN
	SET client_encoding = 'WIN1252';
	RAISE NOTICE '%', replace((SELECT body FROM notes WHERE id = 3), ' ', chr(8226));
END $$});
my $n = join('', @{ $r->{notices} });
ok($n !~ /4111/ && $n =~ /\[redacted: card\]/,
	'a card with bullets in a NOTICE sent after SET client_encoding in PL/pgSQL is redacted');
$c->query("SET client_encoding = 'UTF8'");
$r = $c->query(q{DO $$ BEGIN
	PERFORM set_config('client_encoding', 'WIN1252', false);
	RAISE NOTICE '%', replace((SELECT body FROM notes WHERE id = 3), ' ', chr(8226));
	RAISE NOTICE 'plain ascii';
END $$});
$n = join('', @{ $r->{notices} });
ok($n !~ /4111/ && $n =~ /\[redacted: card\]/,
	'a card with bullets in a NOTICE sent after set_config(client_encoding) is redacted');
like($n, qr/plain ascii/, 'an ASCII NOTICE after set_config(client_encoding) is sent');
# From the next statement on, the new encoding is known: a message that
# is not ASCII and holds no secret is sent as it is.
$r = $c->query(q{DO $$ BEGIN RAISE NOTICE 'caf% au lait, s%ance %', chr(233), chr(233), chr(8226); END $$});
like(join('', @{ $r->{notices} }), qr/caf\xE9 au lait, s\xE9ance \x95/,
	'a message not ASCII, with no secret, in the new encoding: sent as it is');
$c->query("SET client_encoding = 'UTF8'");

# Dynamic SQL written from a value fails to parse: the error quotes the
# statement as its internal query (the 'q' field, QUERY: in the server
# log).  Logged, the error passes the log hook, which replaces it there.
my $dynamic = q{DO $$ BEGIN
	EXECUTE 'SELECT ' || (SELECT body FROM notes WHERE id = 3);
END $$};
$r = $c->query($dynamic);
like($r->{error}, qr/^42601 syntax error/, 'the dynamic SQL fails to parse');
no_secret(join('', @{ $r->{errors} }), 'a logged error\'s internal query');

# Attack: the identity listens on a channel and sends itself a value it
# read as a notification's payload, which no receiver sees.
# Defence: a NotificationResponse's payload is scrubbed like a message.
$c->query('LISTEN leak');
$r = $c->query(q{SELECT pg_notify('leak', body) FROM notes WHERE id = 2});
is(scalar @{ $r->{notifications} }, 1, 'the notification is delivered');
my $notification = join('', @{ $r->{notifications} });
no_secret($notification, 'a NOTIFY payload: the raw NotificationResponse');
like($notification, qr/^.{4}leak\0\[redacted: jwt\]\0$/s,
	'a NOTIFY payload: replaced by its redaction, the channel kept');
$c->query('UNLISTEN leak');

# Attack: the identity keeps a WARNING from itself (client_min_messages =
# error): the server logs it, the client is not sent it.
# Defence: a message that is logged is scrubbed in the log all the same.
$c->query('SET client_min_messages = error');
$r = $c->query(q{DO $$ BEGIN RAISE WARNING '%', (SELECT body FROM notes WHERE id = 3); END $$});
is(scalar @{ $r->{notices} }, 0, 'the WARNING is not sent to the client');
$c->query('RESET client_min_messages');

# The server log, with log_min_messages at its default: no secret from the
# masked identity's messages (the NOTICE is not logged; the error and the
# WARNING are, redacted).
my $log = slurp_file($node->logfile, $log_start);
like($log, qr/QUERY:  \[redacted: card\]/, 'the error is logged, its internal query redacted');
like($log, qr/WARNING:  \[redacted: card\]/, 'the WARNING is logged, redacted');
ok($log !~ /eyJ/ && $log !~ /4111/ && $log !~ /PRIVATE KEY/, 'the server log holds no secret');

# The fields of an error or notice body, by their type byte.
sub fields
{
	my ($body) = @_;
	my %f;
	for my $field (split /\0/, $body)
	{
		$f{ substr($field, 0, 1) } = substr($field, 1) if $field ne '';
	}
	return \%f;
}

# Attack: errors quoting a value where the DBA logs no errors
# (log_min_messages = fatal for the role), so no log hook sees them: a
# cast of the value, and the dynamic SQL above.
# Defence: each error is scrubbed where it is sent; the internal query's
# position goes with it (it would point into the redaction).
$node->safe_psql('postgres', 'ALTER ROLE agent SET log_min_messages = fatal');
my $quiet = agent();
$r = $quiet->query('SELECT body::int FROM notes WHERE id = 3');
like($r->{error}, qr/^22P02 /, 'the cast fails');
my $error = join('', @{ $r->{errors} });
no_secret($error, 'an error not logged: the raw ErrorResponse');
is(fields($error)->{M}, '[redacted: card]', 'an error not logged: its message replaced');
$r = $quiet->query($dynamic);
$error = join('', @{ $r->{errors} });
no_secret($error, 'an internal query not logged: the raw ErrorResponse');
is_deeply([ @{ fields($error) }{qw(C q p)} ], [ '42601', '[redacted: card]', undef ],
	'an internal query not logged: replaced, its position left out');
$quiet->close;
$node->safe_psql('postgres', 'ALTER ROLE agent RESET log_min_messages');

# Attack: a value read made a setting the server reports to the client
# (application_name), sent back as a ParameterStatus message.
# Defence: the value reported is scrubbed; set_config()'s result, a row,
# is redacted by the receiver.
$r = $c->query(q{SELECT set_config('application_name', body, false) FROM notes WHERE id = 3});
is(flat($r), '[redacted: card]', 'set_config()\'s result: redacted');
my $parameters = join('|', @{ $r->{parameters} });
no_secret($parameters, 'a reported setting: the raw ParameterStatus');
like($parameters, qr/application_name\0\[redacted: card\]\0/,
	'a reported setting: its value replaced by its redaction');
$c->close;

# The superuser's messages are not scrubbed.
$su = WireClient->connect($node, 'postgres');
$r = $su->query(q{DO $$ BEGIN RAISE NOTICE '%', (SELECT body FROM notes WHERE id = 2); END $$});
like(join('', @{ $r->{notices} }), qr/\0Muse \Q$jwt\E please\0/,
	'the superuser\'s NOTICE carries the clear value');
$su->close;

# Attack: a private key in JSON with its dashes escaped, as an encoder
# that escapes all punctuation writes it.
$c = agent();
(my $pem_escaped = $pem) =~ s/-/\\u002d/g;
$pem_escaped =~ s/\n/\\n/g;
$r = $c->extended('SELECT $1::text', params => [qq({"key": "$pem_escaped"})]);
is(flat($r), '[redacted: private_key]',
	'a private key in JSON, its dashes escaped as \u002d, is redacted');

# Attack (round 32): cards in CSV lines and comma-joined lists, which the
# card rule read as decimal-comma amounts.
# Defence: a comma before the digits, or after them before more than
# three digits, separates fields.
$r = $c->query(q{SELECT '42,4111111111111111,2025-01-01', E'id,card\n7,4111111111111111',
	'4111 1111 1111 1111,4111 1111 1111 1111', string_agg(v, ',') FROM (VALUES ('1111'), ('4111 1111 1111 1111')) x(v)});
is(flat($r), join(',', ('[redacted: card]') x 4), 'cards in CSV lines and comma-joined lists are redacted');
# Round 33: a card before a short field (a CVV, an expiry).
$r = $c->query(q{SELECT 'alice,4111111111111111,123', '4111111111111111,12/27,123'});
is(flat($r), '[redacted: card],[redacted: card]', 'a card before a CVV or an expiry field is redacted');

# Secrets the detectors miss today (reported to their owners): each is
# asserted as it should be, in a TODO block, so that the day a detector
# finds it the test says so.
TODO:
{
	local $TODO = 'detector miss, reported to the detectors';
	for my $case (
		[ 'a card with its groups on separate lines', "4111\n1111\n1111\n1111", '[redacted: card]' ])
	{
		my ($what, $value, $want) = @$case;
		$r = $c->extended('SELECT $1::text', params => [$value]);
		is(flat($r), $want, "$what is redacted");
	}
}
$c->close;

# Attack: a database whose encoding is not UTF-8 (EUC_JP): a card in
# fullwidth digits, or with a katakana middle dot or a fullwidth hyphen
# between its groups, is stored in EUC_JP's bytes, which the detectors,
# reading UTF-8, do not know; read as rows and raised in a NOTICE.
# Defence: in such a database a string is also read converted to UTF-8.
$node->safe_psql('postgres', q{CREATE DATABASE eucjp ENCODING 'EUC_JP' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'});
$node->safe_psql('eucjp', q{
	CREATE EXTENSION governance;
	CREATE TABLE notes (id int PRIMARY KEY, body text);
	-- characters written by their UTF-8 bytes, whatever the client's encoding
	CREATE FUNCTION u(hex text) RETURNS text LANGUAGE sql
		AS $$ SELECT convert_from(decode(hex, 'hex'), 'UTF8') $$;
	INSERT INTO notes VALUES
		(1, 'pay ' || translate('4111 1111 1111 1111', '0123456789', u('efbc90efbc91efbc92efbc93efbc94efbc95efbc96efbc97efbc98efbc99'))),
		(2, 'pay ' || replace('4111 1111 1111 1111', ' ', u('e383bb'))),
		(3, 'pay ' || replace('4111 1111 1111 1111', ' ', u('efbc8d'))),
		(4, 'pay 4111 1111 1111 1111'),
		(5, 'ordinary text ' || u('e38182e38184') || ' 2024-01-02'),
		(6, 'short ' || u('efbc91efbc92'));
	GRANT SELECT ON notes TO agent;
});
$c = WireClient->connect($node, 'eucjp', user => 'agent');
$c->query("SET client_encoding = 'UTF8'");
$r = $c->query('SELECT body FROM notes ORDER BY id');
is(flat($r), join('|', ('[redacted: card]') x 4, "ordinary text \x{e3}\x{81}\x{82}\x{e3}\x{81}\x{84} 2024-01-02",
	"short \x{ef}\x{bc}\x{91}\x{ef}\x{bc}\x{92}"),
	'an EUC_JP database: cards in fullwidth digits or with Japanese separators are redacted, other text is not');
$r = $c->query(q{DO $$ BEGIN RAISE NOTICE '%', (SELECT body FROM notes WHERE id = 2); END $$});
like(join('', @{ $r->{notices} }), qr/\[redacted: card\]/,
	'an EUC_JP database: such a card in a NOTICE is redacted');
no_secret(join('', @{ $r->{notices} }) . flat($r), 'an EUC_JP database');
# Ordinary Japanese text in a message is not taken for a secret, sent in
# UTF-8 or in the database's own encoding.
$r = $c->query(q{DO $$ BEGIN RAISE NOTICE '%', u('e38193e38293e381abe381a1e381afe38081e4b896e7958ce381a7e38199'); END $$});
like(join('', @{ $r->{notices} }), qr/\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab/,
	'an EUC_JP database: Japanese text in a NOTICE sent in UTF-8 is sent as it is');
$c->query("SET client_encoding = 'EUC_JP'");
$r = $c->query(q{DO $$ BEGIN RAISE NOTICE '%', u('e38193e38293e381abe381a1e381afe38081e4b896e7958ce381a7e38199'); END $$});
unlike(join('', @{ $r->{notices} }), qr/redacted/,
	'an EUC_JP database: Japanese text in a NOTICE sent in EUC_JP is sent as it is');
$c->close;

# Attack: the first statement of a session, whose planning runs an
# IMMUTABLE function that raises a NOTICE with a card, before any
# statement of the session looked up the encodings: in the EUC_JP
# database, in its own encoding; in a UTF-8 database, in SJIS.
# Defence: the encodings are looked up before planning.
$node->safe_psql('eucjp', q{
	CREATE FUNCTION leak(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
		AS $$ BEGIN RAISE NOTICE 'n: %', (SELECT body FROM notes WHERE id = i); RETURN 1; END $$;
	GRANT EXECUTE ON FUNCTION leak(int) TO agent;
});
$node->safe_psql('postgres', q{
	CREATE FUNCTION leak(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
		AS $$ BEGIN RAISE NOTICE 'n: %', (SELECT translate(body, '0123456789',
			chr(65296) || chr(65297) || chr(65298) || chr(65299) || chr(65300) ||
			chr(65301) || chr(65302) || chr(65303) || chr(65304) || chr(65305))
			FROM notes WHERE id = i); RETURN 1; END $$;
	GRANT EXECUTE ON FUNCTION leak(int) TO agent;
});
for my $case ([ 'eucjp', 'EUC_JP', 1 ], [ 'postgres', 'SJIS', 3 ])
{
	my ($db, $enc, $id) = @$case;
	$c = WireClient->connect($node, $db, user => 'agent', params => { client_encoding => $enc });
	$r = $c->query("SELECT leak($id)");
	my $n = join('', @{ $r->{notices} });
	ok($n =~ /\[redacted: card\]/ && $n !~ /4111/,
		"a card in a NOTICE raised while the first statement of a session is planned ($db, $enc): redacted");
	$c->close;
}

done_testing();
