#
# 020_discovery.pl
#	  Discovery on a fixture database with the truth beside it: the
#	  precision and recall of governance.discover() at the default
#	  threshold, per label and overall; apply_discovery() labels what it
#	  proposes, masked identities then read masked, and each label is an
#	  audit event; governance.auto_label in its three modes; and attacks:
#	  a non-administrator applying, a caller without SELECT, row-level
#	  security, a huge table (sampled, never read whole), a masked
#	  identity learning values from the evidence.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The bars discover() must clear on the fixture at the default 0.8.
my $min_precision = 0.97;
my $min_recall = 0.92;

my $node = governance_node('discovery', conf => "autovacuum = off\n");

# Reset the statistics once every other session has gone: a backend
# flushes its counts as it exits, and is out of pg_stat_activity after.
sub reset_stats
{
	$node->poll_query_until('fixture', q{
		SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'client backend'})
	  or die 'sessions did not end';
	$node->safe_psql('fixture', 'SELECT pg_stat_reset()');
}
$node->safe_psql('postgres', q{
	CREATE DATABASE fixture;
});
$node->safe_psql('fixture', q{
	CREATE EXTENSION governance;
	CREATE ROLE disc_admin LOGIN IN ROLE governance_admin, pg_read_all_data;
	CREATE ROLE intern LOGIN;
	CREATE ROLE agent LOGIN;
});
my ($rc, $out, $err) = $node->psql('fixture', undef,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', repo_path('test/fixtures/discovery.sql') ]);
is($rc, 0, 'the fixture loads') or diag($err);

# The truth covers every column of the fixture's schemas.
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM pg_attribute AS a
	  JOIN pg_class AS c ON c.oid = a.attrelid
	  JOIN pg_namespace AS n ON n.oid = c.relnamespace
	 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm', 'f')
	   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'governance', 'discovery_truth')
	   AND n.nspname NOT LIKE 'pg\_%'
	   AND NOT EXISTS (SELECT FROM discovery_truth.expected AS e
					    WHERE (e.schema_name, e.table_name, e.column_name) = (n.nspname, c.relname, a.attname))}),
	'0', 'the truth names every column of the fixture');

#
# Precision and recall at the default threshold.
#
$node->safe_psql('fixture', q{
	CREATE TABLE discovery_truth.found AS
	SELECT n.nspname AS schema_name, c.relname AS table_name, d.column_name,
		   d.label, d.confidence, d.evidence
	  FROM governance.discover() AS d
	  JOIN pg_class AS c ON c.oid = d.relation
	  JOIN pg_namespace AS n ON n.oid = c.relnamespace
	 WHERE n.nspname <> 'discovery_truth';
	CREATE VIEW discovery_truth.judged AS
	SELECT e.schema_name, e.table_name, e.column_name, e.label AS truth,
		   CASE WHEN f.confidence >= 0.8 THEN f.label END AS predicted,
		   f.label AS proposed, f.confidence, f.evidence
	  FROM discovery_truth.expected AS e
	  LEFT JOIN discovery_truth.found AS f USING (schema_name, table_name, column_name)
	 WHERE e.schema_name <> 'discovery_truth';
});
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM discovery_truth.found AS f
	 WHERE NOT EXISTS (SELECT FROM discovery_truth.expected AS e
					    WHERE (e.schema_name, e.table_name, e.column_name) = (f.schema_name, f.table_name, f.column_name))}),
	'0', 'every proposal is for a column of the fixture');

my $metrics = $node->safe_psql('fixture', q{
	SELECT l, tp, fp, fn,
		   CASE WHEN tp + fp = 0 THEN 1 ELSE round(tp::numeric / (tp + fp), 3) END,
		   CASE WHEN tp + fn = 0 THEN 1 ELSE round(tp::numeric / (tp + fn), 3) END
	  FROM (SELECT l,
				   count(*) FILTER (WHERE predicted = l AND truth = l) AS tp,
				   count(*) FILTER (WHERE predicted = l AND truth IS DISTINCT FROM l) AS fp,
				   count(*) FILTER (WHERE truth = l AND predicted IS DISTINCT FROM l) AS fn
			  FROM discovery_truth.judged
			 CROSS JOIN (VALUES ('secret'), ('email'), ('pii')) AS labels(l)
			 GROUP BY l
			UNION ALL
			SELECT 'overall',
				   count(*) FILTER (WHERE predicted = truth),
				   count(*) FILTER (WHERE predicted IS NOT NULL AND predicted IS DISTINCT FROM truth),
				   count(*) FILTER (WHERE truth IS NOT NULL AND predicted IS DISTINCT FROM truth)
			  FROM discovery_truth.judged) AS m
	 ORDER BY l = 'overall', l});
my %m;
for my $line (split /\n/, $metrics)
{
	my ($label, $tp, $fp, $fn, $p, $r) = split /\|/, $line;
	$m{$label} = { tp => $tp, fp => $fp, fn => $fn, precision => $p, recall => $r };
	diag(sprintf('discover() at 0.8, %-7s precision %.3f recall %.3f (tp %d, fp %d, fn %d)',
		$label, $p, $r, $tp, $fp, $fn));
}
my $columns = $node->safe_psql('fixture', q{
	SELECT count(*) || ' columns, ' || count(truth) || ' to label' FROM discovery_truth.judged});
diag("fixture: $columns");
my $mistakes = $node->safe_psql('fixture', q{
	SELECT schema_name || '.' || table_name || '.' || column_name || ': expected ' ||
		   coalesce(truth, 'nothing') || ', got ' || coalesce(proposed || ' ' || round(confidence::numeric, 2), 'nothing') ||
		   coalesce(' (' || evidence || ')', '')
	  FROM discovery_truth.judged WHERE predicted IS DISTINCT FROM truth ORDER BY 1});
diag("mistakes:\n$mistakes") if $mistakes ne '';
cmp_ok($m{overall}{precision}, '>=', $min_precision, "overall precision at least $min_precision");
cmp_ok($m{overall}{recall}, '>=', $min_recall, "overall recall at least $min_recall");
for my $label (qw(secret email pii))
{
	cmp_ok($m{$label}{precision}, '>=', 0.9, "precision of $label at least 0.9");
	cmp_ok($m{$label}{recall}, '>=', 0.85, "recall of $label at least 0.85");
}

# The clean look-alikes get nothing at all, not even a weak proposal.
is($node->safe_psql('fixture', q{
	SELECT string_agg(column_name, ',' ORDER BY column_name) FROM discovery_truth.judged
	 WHERE column_name IN ('email_sent', 'card_count', 'password_changed_at', 'ip_allowlist_enabled',
						   'email_verified', 'loginCount', 'emailSentAt', 'token_count',
						   'address_verified', 'secret_santa_enabled')
	   AND proposed IS NOT NULL}),
	'', 'email_sent, card_count, password_changed_at, ip_allowlist_enabled and the like: nothing proposed');

# Free text with pasted secrets is proposed secret below the default
# threshold, with the share as evidence; free text without, nothing.
like($node->safe_psql('fixture', q{
	SELECT proposed || ' ' || (confidence < 0.8) || ' ' || evidence FROM discovery_truth.judged
	 WHERE (schema_name, table_name, column_name) = ('logs', 'http_requests', 'message')}),
	qr/^secret true .*values: \d+% contain/, 'log messages with pasted secrets: secret, below 0.8, with the share');
like($node->safe_psql('fixture', q{
	SELECT proposed || ' ' || (confidence < 0.8) || ' ' || evidence FROM discovery_truth.judged
	 WHERE (schema_name, table_name, column_name) = ('logs', 'support_tickets', 'body')}),
	qr/^secret true .*card/, 'tickets with a pasted card number: secret, below 0.8, naming the detector');
is($node->safe_psql('fixture', q{
	SELECT coalesce(proposed, 'nothing') FROM discovery_truth.judged
	 WHERE (schema_name, table_name, column_name) = ('crm', 'customers', 'notes')}),
	'nothing', 'free text without personal data: nothing');

# Evidence names rules, detectors and counts, never a value.
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM discovery_truth.found
	 WHERE evidence ~ '@|eyJ|-----|AKIA|\$2b\$|\$argon|sk_live|[0-9]{5,}|DE[0-9]{2}|\+[0-9]'}),
	'0', 'no evidence holds a sampled value');

#
# apply_discovery(): administrators only; it labels what was proposed,
# each label an audit event, and masked identities then read masked.
#
($rc, $out, $err) = $node->psql('fixture', "\\set VERBOSITY verbose\nSELECT governance.apply_discovery()",
	extra_params => [ '-U', 'intern' ]);
like($err, qr/ERROR:  42501: permission denied for function apply_discovery/,
	'a non-administrator cannot apply discovery (42501)');
# Attack: a DBA grants EXECUTE on it to a role, hoping to delegate.
# Defence: only administrators of governance label columns.
$node->safe_psql('fixture', 'GRANT EXECUTE ON FUNCTION governance.apply_discovery(real, text) TO intern');
($rc, $out, $err) = $node->psql('fixture', "\\set VERBOSITY verbose\nSELECT governance.apply_discovery(0.5)",
	extra_params => [ '-U', 'intern' ]);
like($err, qr/ERROR:  42501: permission denied to apply discovery/,
	'EXECUTE granted does not make an administrator (42501)');
$node->safe_psql('fixture', 'REVOKE EXECUTE ON FUNCTION governance.apply_discovery(real, text) FROM intern');
is($node->safe_psql('fixture', q{SELECT count(*) FROM governance.column_labels}), '0',
	'and nothing was labelled');

my $proposed = $node->safe_psql('fixture', q{
	SELECT count(*) FROM governance.discover() WHERE confidence >= 0.8},
	extra_params => [ '-U', 'disc_admin' ]);
my $seq = $node->safe_psql('fixture', q{SELECT coalesce(max(seq), 0) FROM governance.audit_log});
my $applied = $node->safe_psql('fixture', q{SELECT governance.apply_discovery()},
	extra_params => [ '-U', 'disc_admin' ]);
is($applied, $proposed, "apply_discovery() labels each column proposed at 0.8 or more ($applied)");
is($node->safe_psql('fixture', q{
	SELECT count(*) FILTER (WHERE l.label = j.predicted) = count(*)
	  FROM discovery_truth.judged AS j
	  LEFT JOIN governance.column_labels AS l
		ON l.relation = format('%I.%I', j.schema_name, j.table_name)::regclass
	   AND l.column_name = j.column_name
	 WHERE j.predicted IS NOT NULL}),
	't', 'each fixture column proposed at 0.8 or more carries the label proposed');
ok($node->poll_query_until('fixture', qq{
	SELECT count(*) = $applied FROM governance.audit_log
	 WHERE seq > $seq AND type = 'label' AND action = 'column_labelled'
	   AND sub IS NULL AND db_role = 'disc_admin'
	   AND event->>'detail' LIKE 'apply_discovery: %'}),
	'each label put is a column_labelled audit event of the administrator');
is($node->safe_psql('fixture', q{SELECT governance.apply_discovery()}), '0',
	'applied again, it labels nothing more');

$node->safe_psql('fixture', q{
	GRANT USAGE ON SCHEMA crm, billing, app TO agent;
	GRANT SELECT ON ALL TABLES IN SCHEMA crm, billing, app TO agent;
});
my $agent_token = mint_token('sub=alice', 'act={"sub":"agent-7"}');
is($node->safe_psql('fixture', qq{
	SET governance.token = '$agent_token';
	SELECT email, ssn, left(phone, 2) FROM crm.customers WHERE id = 1},
	extra_params => [ '-U', 'agent' ]),
	'g***********@e******.com|********|+*', 'a masked identity reads what was labelled masked');
is($node->safe_psql('fixture', q{SELECT card_number FROM billing.payments WHERE id = 1},
	extra_params => [ '-U', 'agent' ]),
	'********', 'card numbers too');

# A masked identity's discover() reports the labels, and no value.
my $masked_found = $node->safe_psql('fixture', qq{
	SET governance.token = '$agent_token';
	SELECT string_agg(column_name || '=' || evidence, ';' ORDER BY column_name)
	  FROM governance.discover('crm') WHERE relation = 'crm.customers'::regclass},
	extra_params => [ '-U', 'agent' ]);
like($masked_found, qr/email=labelled/, 'a masked identity sees the column is labelled');
unlike($masked_found, qr/@|[0-9]{3}-[0-9]{2}/, 'and learns no value from the evidence');

#
# Privileges: a caller without SELECT on a table does not read it, and it
# is not reported; column privileges are honoured; row-level security
# hides rows from the sample.
#
$node->safe_psql('fixture', q{
	GRANT USAGE ON SCHEMA crm, logs TO intern;
	GRANT SELECT (id, password_hash, plan) ON crm.accounts TO intern;
	CREATE TABLE crm.tenant_notes (tenant name, body text);
	INSERT INTO crm.tenant_notes
	SELECT CASE WHEN i % 2 = 0 THEN 'intern' ELSE 'boss' END,
		   CASE WHEN i % 2 = 0 THEN 'remember the milk' ELSE 'boss' || i || '@example.com' END
	  FROM generate_series(1, 400) AS i;
	ALTER TABLE crm.tenant_notes ENABLE ROW LEVEL SECURITY;
	CREATE POLICY own ON crm.tenant_notes USING (tenant = current_user);
	GRANT SELECT ON crm.tenant_notes TO intern;
});
reset_stats();
my $intern = $node->safe_psql('fixture', q{
	SELECT string_agg(relation || '.' || column_name || '=' || label, ',' ORDER BY 1)
	  FROM governance.discover('crm');
	SELECT pg_stat_force_next_flush();
	SELECT string_agg(relname || '=' || (seq_scan + coalesce(idx_scan, 0)), ',' ORDER BY relname)
	  FROM pg_stat_user_tables
	 WHERE schemaname = 'crm' AND relname IN ('accounts', 'customers', 'contact_points')},
	extra_params => [ '-U', 'intern' ]);
my ($intern_found, undef, $intern_scans) = split /\n/, $intern;
is($intern_found, 'crm.accounts.password_hash=secret',
	'without SELECT on crm.customers nothing of it is reported; of crm.accounts only a column it may read');
is($intern_scans, 'accounts=1,contact_points=0,customers=0',
	'the tables it may not read were not read (and the one it may, once)');
like($node->safe_psql('fixture', q{
	SELECT label || ' ' || evidence FROM governance.discover('crm')
	 WHERE relation = 'crm.tenant_notes'::regclass}),
	qr/^email .*values: 50% email \(\d+\/\d+\)/, 'the superuser sees the other tenant\'s addresses');
($rc, $out, $err) = $node->psql('fixture', q{
	SELECT count(*) FROM governance.discover('crm') WHERE relation = 'crm.tenant_notes'::regclass},
	extra_params => [ '-U', 'intern' ]);
is($out, '0', 'row-level security: the intern\'s sample evaluates no policy, and the names propose nothing');
like($err, qr/NOTICE:  values of relation "tenant_notes" were not sampled: query would be affected by row-level security policy/,
	'row-level security: the values are not read, and a NOTICE says why');

#
# A huge table is sampled, never read whole, analyzed or not.
#
$node->safe_psql('fixture', q{
	CREATE SCHEMA big;
	CREATE TABLE big.visits (id bigint, visitor_email text, page text, filler text);
	INSERT INTO big.visits
	SELECT i, 'visitor' || i || '@example.com', '/p/' || (i % 1000), repeat('x', 60)
	  FROM generate_series(1, 400000) AS i;
	CREATE TABLE big.unanalyzed (LIKE big.visits);
	INSERT INTO big.unanalyzed SELECT * FROM big.visits;
	ANALYZE big.visits;
});
for my $table (qw(visits unanalyzed))
{
	my $pages = $node->safe_psql('fixture', "SELECT pg_relation_size('big.$table') / 8192");
	reset_stats();
	my ($found, undef, $touched, $seqscans) = split /\n/, $node->safe_psql('fixture', qq{
		SET governance.audit_sync = on;
		SELECT label || ' ' || evidence FROM governance.discover('big', 500)
		 WHERE relation = 'big.$table'::regclass AND column_name = 'visitor_email';
		SELECT pg_stat_force_next_flush();
		SELECT heap_blks_read + heap_blks_hit FROM pg_statio_user_tables
		 WHERE relid = 'big.$table'::regclass;
		SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'big.$table'::regclass});
	like($found, qr/^email .*values: 100% email \((\d+)\/\1\)/, "big.$table: the addresses are found");
	my ($n) = $found =~ /\((\d+)\//;
	cmp_ok($n, '<=', 500, "big.$table: at most sample_rows rows were read ($n)");
	cmp_ok($touched, '>', 0, "big.$table: it was sampled");
	cmp_ok($touched, '<', $pages / 20, "big.$table: $touched of its $pages pages were read, under 5%");
	is($seqscans, '0', "big.$table: no sequential scan");
}
like($node->safe_psql('fixture', q{
	SELECT statement FROM governance.audit_log
	 WHERE statement LIKE '%FROM big.visits TABLESAMPLE pg_catalog.system%' ORDER BY seq DESC LIMIT 1}),
	qr/TABLESAMPLE pg_catalog.system \([0-9.]+\) REPEATABLE \(0\) LIMIT 500/, 'the sample is a TABLESAMPLE, recorded in the audit trail');

#
# governance.auto_label.
#
$node->safe_psql('fixture', q{GRANT CREATE ON SCHEMA app TO agent});
($rc, $out, $err) = $node->psql('fixture', "SET governance.auto_label = off",
	extra_params => [ '-U', 'agent' ]);
like($err, qr/permission denied to set parameter "governance.auto_label"/,
	'an agent cannot turn auto_label off');

# suggest (the default): a NOTICE and a row, by the creating identity.
($rc, $out, $err) = $node->psql('fixture', qq{
	SET governance.token = '$agent_token';
	CREATE TABLE app.newsletter (id int, "subscriberEmail" text, phone text, "sentAt" timestamptz)},
	extra_params => [ '-U', 'agent' ]);
like($err, qr/NOTICE:  column "subscriberEmail" of relation "newsletter" should carry label "email" \(confidence [0-9.]+\)/,
	'suggest: a NOTICE names the column, the label and the confidence');
like($err, qr/HINT:  An administrator labels it with SELECT governance.label_column\('app.newsletter', 'subscriberEmail', 'email'\)/,
	'and how to apply it');
is($node->safe_psql('fixture', q{
	SELECT string_agg(column_name || ':' || label || ':' || suggested_by || ':' || actor, ',' ORDER BY column_name)
	  FROM governance.label_suggestions WHERE relation = 'app.newsletter'::regclass}),
	'phone:pii:sub:alice:agent-7,subscriberEmail:email:sub:alice:agent-7', 'and a row of label_suggestions');
is($node->safe_psql('fixture', q{SELECT count(*) FROM governance.column_labels WHERE relation = 'app.newsletter'::regclass}),
	'0', 'suggest labels nothing');

# apply: labelled at once, the creator as the audit's actor.
$node->safe_psql('fixture', q{ALTER SYSTEM SET governance.auto_label = apply; SELECT pg_reload_conf()});
$seq = $node->safe_psql('fixture', q{SELECT coalesce(max(seq), 0) FROM governance.audit_log});
($rc, $out, $err) = $node->psql('fixture', qq{
	SET governance.token = '$agent_token';
	CREATE TABLE app.leads ("leadEmail" text, "homeAddress" text, source text);
	INSERT INTO app.leads VALUES ('lead\@example.com', '1 Main St', 'web');
	SELECT "leadEmail", source FROM app.leads},
	extra_params => [ '-U', 'agent', '-v', 'ON_ERROR_STOP=1' ]);
is($rc, 0, 'apply: the CREATE TABLE succeeds');
like($err, qr/NOTICE:  column "leadEmail" of relation "leads" labelled "email"/, 'apply: a NOTICE says so');
is($out, 'l***@e******.com|web', 'apply: the creator, masked, reads its new column masked');
ok($node->poll_query_until('fixture', qq{
	SELECT count(*) = 2 FROM governance.audit_log
	 WHERE seq > $seq AND type = 'label' AND action = 'column_labelled'
	   AND sub = 'alice' AND actor = 'agent-7' AND event->>'detail' LIKE 'auto_label: %'}),
	'apply: each label is an audit event with the creating identity as its actor')
  or diag($node->safe_psql('fixture', qq{SELECT event FROM governance.audit_log WHERE seq > $seq AND type = 'label'}));

# off: nothing.
$node->safe_psql('fixture', q{ALTER SYSTEM SET governance.auto_label = off; SELECT pg_reload_conf()});
($rc, $out, $err) = $node->psql('fixture', q{CREATE TABLE app.quiet ("userEmail" text)},
	extra_params => [ '-U', 'agent' ]);
unlike($err, qr/NOTICE/, 'off: no NOTICE');
is($node->safe_psql('fixture', q{
	SELECT (SELECT count(*) FROM governance.column_labels WHERE relation = 'app.quiet'::regclass) +
		   (SELECT count(*) FROM governance.label_suggestions WHERE relation = 'app.quiet'::regclass)}),
	'0', 'off: no label, no suggestion');

#
# F10, and its class: discovery never evaluates code another role wrote
# while it reads.  An administrator who is not a superuser runs discover()
# and apply_discovery() over tables other roles own.
#
$node->safe_psql('fixture', q{
	ALTER SYSTEM SET governance.auto_label = suggest; SELECT pg_reload_conf();
	CREATE EXTENSION citext;
	CREATE SCHEMA trap;
	CREATE ROLE gadmin LOGIN IN ROLE governance_admin;
	CREATE ROLE mallory LOGIN;
	GRANT USAGE, CREATE ON SCHEMA trap TO mallory;
	GRANT USAGE ON SCHEMA trap TO gadmin;
	CREATE TABLE trap.customers (id int, email text);
	INSERT INTO trap.customers VALUES (1, 'a@example.com');
	GRANT SELECT ON trap.customers TO gadmin;
	SELECT governance.label_column('trap.customers', 'email', 'email');
	-- mallory owns a string type, and so may replace its cast to text
	-- (a type of an extension a superuser installed stands in for one)
	ALTER EXTENSION citext DROP CAST (citext AS text);
	ALTER EXTENSION citext DROP TYPE citext;
	ALTER TYPE citext OWNER TO mallory;
});
$node->safe_psql('fixture', q{
	SET ROLE mallory;
	CREATE TABLE trap.ran (who name, how text);
	GRANT INSERT ON trap.ran TO PUBLIC;
	-- the finding's trap: run as anyone else, it unmasks and unlabels
	CREATE FUNCTION trap.trap() RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN
	  INSERT INTO trap.ran VALUES (current_user, 'policy');
	  IF current_user <> 'mallory' THEN
	    PERFORM governance.grant_unmasked('email', 'db:mallory');
	    PERFORM governance.unlabel_column('trap.customers', 'email');
	  END IF;
	  RETURN true;
	END $$;
	CREATE TABLE trap.aaa_bait (contact_email text, note text);
	INSERT INTO trap.aaa_bait SELECT 'x' || i || '@example.com', 'hello' FROM generate_series(1, 50) AS i;
	ALTER TABLE trap.aaa_bait ENABLE ROW LEVEL SECURITY;
	CREATE POLICY p ON trap.aaa_bait USING (trap.trap());
	GRANT SELECT ON trap.aaa_bait TO PUBLIC;
	-- the same through a partitioned table's policy, and a FORCEd one
	CREATE TABLE trap.parted (email text) PARTITION BY LIST (email);
	CREATE TABLE trap.parted_all PARTITION OF trap.parted DEFAULT;
	INSERT INTO trap.parted VALUES ('p@example.com');
	ALTER TABLE trap.parted ENABLE ROW LEVEL SECURITY;
	ALTER TABLE trap.parted FORCE ROW LEVEL SECURITY;
	CREATE POLICY p ON trap.parted USING (trap.trap());
	GRANT SELECT ON trap.parted TO PUBLIC;
	-- a cast to text of a type mallory owns
	CREATE FUNCTION trap.cast_trap(citext) RETURNS text LANGUAGE plpgsql AS $$
	BEGIN
	  INSERT INTO trap.ran VALUES (current_user, 'cast');
	  RETURN $1::varchar;
	END $$;
	DROP CAST (citext AS text);
	CREATE CAST (citext AS text) WITH FUNCTION trap.cast_trap(citext);
	CREATE TABLE trap.ci (email citext);
	INSERT INTO trap.ci SELECT 'c' || i || '@example.com' FROM generate_series(1, 50) AS i;
	GRANT SELECT ON trap.ci TO PUBLIC;
	-- a view over the trap is not sampled either
	CREATE VIEW trap.v AS SELECT * FROM trap.aaa_bait WHERE trap.trap();
	GRANT SELECT ON trap.v TO PUBLIC;
});
is($node->safe_psql('fixture', q{SELECT count(*) FROM trap.ran}), '0', 'F10: the traps are set and have not run');

($rc, $out, $err) = $node->psql('fixture', q{
	SELECT string_agg(c.relname || '.' || d.column_name || '=' || d.label || ' ' || d.evidence, E'\n' ORDER BY 1)
	  FROM governance.discover('trap') AS d JOIN pg_class AS c ON c.oid = d.relation},
	extra_params => [ '-U', 'gadmin' ]);
is($rc, 0, 'F10: discover() as a governance_admin member succeeds') or diag($err);
like($err, qr/values of relation "aaa_bait" were not sampled: query would be affected by row-level security policy/,
	'F10: a table whose policies would apply is refused, not evaluated, with a NOTICE');
like($err, qr/values of relation "parted" were not sampled/, 'F10: so is a partitioned table with a policy');
like($out, qr/^aaa_bait\.contact_email=email name: email.*values: not read \(refused\)/m,
	'F10: the refused table is still reported by its names');
like($out, qr/^ci\.email=email name: email.*values: not read \(type not built in\)/m,
	'F10: a column of a type not built in is scored by name, its values not read');
($rc, $out, $err) = $node->psql('fixture', q{SELECT governance.apply_discovery(0.5, 'trap')},
	extra_params => [ '-U', 'gadmin' ]);
is($rc, 0, 'F10: apply_discovery() as a governance_admin member succeeds') or diag($err);
is($node->safe_psql('fixture', q{SELECT coalesce(string_agg(who || ':' || how, ','), 'none') FROM trap.ran}),
	'none', 'F10: neither the policy nor the cast ran');
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM governance.unmask_grants WHERE principal LIKE '%mallory%'}),
	'0', 'F10: mallory got no unmask grant');
is($node->safe_psql('fixture', q{
	SELECT label FROM governance.column_labels
	 WHERE relation = 'trap.customers'::regclass AND column_name = 'email'}),
	'email', 'F10: the labelled column kept its label');
is($node->safe_psql('fixture', q{
	SELECT string_agg(c.relname || '.' || l.column_name, ',' ORDER BY c.relname, l.column_name)
	  FROM governance.column_labels AS l JOIN pg_class AS c ON c.oid = l.relation
	 WHERE c.relnamespace = 'trap'::regnamespace AND c.relname <> 'customers'}),
	'aaa_bait.contact_email,parted.email',
	'F10: the refused tables were labelled by their names (not ci.email: the email mask cannot produce a citext)');
$node->safe_psql('fixture', q{
	SET ROLE mallory; DROP VIEW trap.v; DROP CAST (citext AS text); RESET ROLE;
	SELECT governance.unlabel_column('trap.aaa_bait', 'contact_email');
	SELECT governance.unlabel_column('trap.parted', 'email');
	ALTER TYPE citext OWNER TO CURRENT_USER;
	CREATE CAST (citext AS text) WITHOUT FUNCTION AS IMPLICIT;
});

#
# G2, and its class: what the planner runs of a table's definition runs as
# the table's owner, never as the caller.  Planning a sample loads each
# index's expressions and predicate, the expressions of the extended
# statistics and the partition key, and simplifies them: a constant call
# in one of them, to a function its author declared IMMUTABLE, runs then.
# mallory owns the tables and the trap; a superuser and a governance_admin
# member discover and apply over them.  Whenever the trap runs as someone
# else it tries to make mallory a superuser and to grant it an unmask;
# wherever it runs it sets a parameter of the session it runs in.
#
$node->safe_psql('fixture', q{
	CREATE SCHEMA owned;
	CREATE SCHEMA owned_failing;
	GRANT USAGE, CREATE ON SCHEMA owned, owned_failing TO mallory;
	GRANT USAGE ON SCHEMA owned, owned_failing TO gadmin;
	SET governance.auto_label = off;
	SET ROLE mallory;
	CREATE TABLE owned.ran (who name, site text);
	GRANT INSERT ON owned.ran TO PUBLIC;
	CREATE FUNCTION owned.evil(site text) RETURNS void LANGUAGE plpgsql AS $$
	BEGIN
	  INSERT INTO owned.ran VALUES (current_user, site);
	  PERFORM set_config('application_name', 'set by the trap', false);
	  IF current_user <> 'mallory' THEN
	    BEGIN
	      EXECUTE 'ALTER ROLE mallory SUPERUSER';
	    EXCEPTION WHEN insufficient_privilege THEN NULL;
	    END;
	    BEGIN
	      PERFORM governance.grant_unmasked('email', 'db:mallory');
	    EXCEPTION WHEN insufficient_privilege THEN NULL;
	    END;
	  END IF;
	END $$;
	CREATE FUNCTION owned.trap(site text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
	BEGIN PERFORM owned.evil(site); RETURN 1; END $$;
	CREATE DOMAIN owned.checked AS int CHECK (VALUE > owned.trap('domain constraint') - 1000000);

	CREATE TABLE owned.by_index (id int, email text);
	CREATE INDEX ON owned.by_index ((id + owned.trap('index expression')));
	CREATE TABLE owned.by_predicate (id int, email text);
	CREATE INDEX ON owned.by_predicate (id) WHERE owned.trap('index predicate') > 0;
	CREATE TABLE owned.by_statistics (id int, email text);
	CREATE STATISTICS owned.st ON (id + owned.trap('statistics expression')), email
	  FROM owned.by_statistics;
	CREATE TABLE owned.by_key (id int, email text)
	  PARTITION BY RANGE ((id + owned.trap('partition key')));
	CREATE TABLE owned.by_key_all PARTITION OF owned.by_key FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
	CREATE TABLE owned.by_partition (id int, email text) PARTITION BY LIST (id);
	CREATE TABLE owned.by_partition_all PARTITION OF owned.by_partition DEFAULT;
	CREATE INDEX ON owned.by_partition_all ((id + owned.trap('a partition''s index expression')));
	CREATE TABLE owned.by_domain (id int, email text);
	CREATE INDEX ON owned.by_domain ((id::owned.checked));
	CREATE TABLE owned.plain (id int, email text);

	-- the owner's code that fails once armed: a plain error, and one that
	-- claims to be a cancel
	CREATE TABLE owned_failing.armed (on_ boolean);
	GRANT SELECT ON owned_failing.armed TO PUBLIC;
	CREATE FUNCTION owned_failing.fail(code text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
	BEGIN
	  IF EXISTS (SELECT FROM owned_failing.armed) THEN
	    RAISE EXCEPTION 'the owner''s code fails' USING ERRCODE = code;
	  END IF;
	  RETURN 1;
	END $$;
	CREATE TABLE owned_failing.fails (id int, email text);
	CREATE INDEX ON owned_failing.fails ((id + owned_failing.fail('P0001')));
	CREATE TABLE owned_failing.fails_as_cancel (id int, email text);
	CREATE INDEX ON owned_failing.fails_as_cancel ((id + owned_failing.fail('57014')));
	CREATE TABLE owned_failing.works (id int, email text);

	DO $$
	DECLARE t text;
	BEGIN
	  FOR t IN SELECT c.oid::regclass::text FROM pg_class AS c
	            WHERE c.relnamespace IN ('owned'::regnamespace, 'owned_failing'::regnamespace)
	              AND c.relkind IN ('r', 'p') AND NOT c.relispartition
	              AND c.relname NOT IN ('ran', 'armed')
	  LOOP
	    EXECUTE format('INSERT INTO %s SELECT i, %L || i || %L FROM generate_series(1, 60) AS i',
	                   t, 'person', '@example.com');
	    EXECUTE format('GRANT SELECT ON %s TO PUBLIC', t);
	  END LOOP;
	END $$;
	INSERT INTO owned_failing.armed VALUES (true);
	TRUNCATE owned.ran;
});
my @g2_sites = ('a partition\'s index expression', 'domain constraint', 'index expression',
	'index predicate', 'partition key', 'statistics expression');
my $g2_who = q{SELECT coalesce(string_agg(DISTINCT who, ','), 'nobody') FROM owned.ran};
my $g2_sites = q{SELECT string_agg(DISTINCT site, ',' ORDER BY site) FROM owned.ran};
my $g2_discover = q{
	SELECT string_agg(c.relname || '.' || d.column_name || '=' || d.label || ' ' || d.evidence, E'\n' ORDER BY 1)
	  FROM governance.discover(%s) AS d JOIN pg_class AS c ON c.oid = d.relation;
	SELECT current_user || ' ' || current_setting('application_name');
};
my $g2_super = $node->safe_psql('fixture', q{SELECT current_user});

# A superuser runs discover().
($rc, $out, $err) = $node->psql('fixture', sprintf($g2_discover, q{'owned'}));
is($rc, 0, 'G2: discover() as a superuser succeeds') or diag($err);
is($node->safe_psql('fixture', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}), 'f',
	'G2: discover() by a superuser does not make the table owner a superuser');
is($node->safe_psql('fixture', $g2_who), 'mallory',
	'G2: the owner\'s expressions ran as the owner, never as the superuser');
is($node->safe_psql('fixture', $g2_sites), join(',', @g2_sites),
	'G2: index expressions and predicates, statistics, a partition key, a partition\'s index and a domain an index reaches all ran while the samples were planned');
like($out, qr/^\Q$g2_super\E \S+$/m, 'G2: after discover() the caller is the caller again');
unlike($out, qr/set by the trap/, 'G2: and the owner\'s code set nothing in the caller\'s session');
for my $t (qw(by_domain by_index by_key by_partition by_predicate by_statistics plain))
{
	like($out, qr/^$t\.email=email .*values: 100% email \(60\/60\)/m,
		"G2: $t is sampled, planned as its owner");
}

# The owner's code fails while a sample is planned: discovery goes on.
($rc, $out, $err) = $node->psql('fixture', sprintf($g2_discover, q{'owned_failing'}),
	extra_params => [ '-U', 'gadmin' ]);
is($rc, 0, 'G2: discover() goes on when the owner\'s code fails') or diag($err);
like($out, qr/^fails\.email=email name: email.*values: not read \(its owner's code failed\)/m,
	'G2: a table whose owner\'s code fails while its sample is planned is scored by name');
like($out, qr/^fails_as_cancel\.email=email name: email.*values: not read \(its owner's code failed\)/m,
	'G2: so is one whose owner\'s code raises a cancel of its own');
like($out, qr/^works\.email=email .*values: 100% email \(60\/60\)/m,
	'G2: the next table is sampled');
like($out, qr/^gadmin \S+$/m, 'G2: the caller is the caller again');
like($err, qr/NOTICE:  values of relation "fails" were not sampled: the owner's code fails/,
	'G2: a NOTICE says why');

# A governance_admin member runs apply_discovery().
$node->safe_psql('fixture', q{TRUNCATE owned.ran});
($rc, $out, $err) = $node->psql('fixture', q{
	SELECT governance.apply_discovery(0.8, 'owned');
	SELECT current_user || ' ' || current_setting('application_name');},
	extra_params => [ '-U', 'gadmin' ]);
is($rc, 0, 'G2: apply_discovery() as a governance_admin member succeeds') or diag($err);
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM governance.unmask_grants WHERE principal LIKE '%mallory%'}),
	'0', 'G2: apply_discovery() by a governance_admin member grants the table owner no unmask');
is($node->safe_psql('fixture', $g2_who), 'mallory',
	'G2: the owner\'s expressions ran as the owner, never as the administrator');
is($node->safe_psql('fixture', $g2_sites), join(',', @g2_sites),
	'G2: each of them ran while the samples were planned');
like($out, qr/^7\ngadmin \S+$/, 'G2: it labelled the seven tables; the administrator is itself again, its settings untouched');
is($node->safe_psql('fixture', q{
	SELECT string_agg(c.relname || '.' || l.column_name || '=' || l.label, ',' ORDER BY c.relname)
	  FROM governance.column_labels AS l JOIN pg_class AS c ON c.oid = l.relation
	 WHERE c.relnamespace = 'owned'::regnamespace}),
	'by_domain.email=email,by_index.email=email,by_key.email=email,by_partition.email=email,by_predicate.email=email,by_statistics.email=email,plain.email=email',
	'G2: the labels are on');
$node->safe_psql('fixture', q{
	SELECT governance.unlabel_column(l.relation, l.column_name)
	  FROM governance.column_labels AS l
	 WHERE l.relation::text LIKE 'owned.%';
});

#
# F11: an inheritance child's own columns (attinhcount = 0) are scored at
# CREATE, ADD COLUMN and RENAME COLUMN, and may be labelled; a parent may
# not merge a column into a labelled one.
#
$node->safe_psql('fixture', q{GRANT CREATE ON SCHEMA public TO agent});
($rc, $out, $err) = $node->psql('fixture', q{
	CREATE TABLE al_parent (id int, note text);
	CREATE TABLE al_child (ssn text, card_number text, email text) INHERITS (al_parent);
	ALTER TABLE al_child ADD COLUMN password text;
	ALTER TABLE al_child RENAME COLUMN ssn TO social_security_number;
	ALTER TABLE al_parent ADD COLUMN phone text;
	CREATE TABLE al_grandchild (home_address text) INHERITS (al_child)},
	extra_params => [ '-U', 'agent', '-v', 'ON_ERROR_STOP=1' ]);
is($rc, 0, 'F11: the child is created') or diag($err);
is($node->safe_psql('fixture', q{
	SELECT string_agg(relation::text || '.' || column_name || '=' || label, ',' ORDER BY relation::text, column_name)
	  FROM governance.label_suggestions
	 WHERE relation IN ('al_parent'::regclass, 'al_child'::regclass, 'al_grandchild'::regclass)}),
	'al_child.card_number=secret,al_child.email=email,al_child.password=secret,al_child.social_security_number=secret,al_child.ssn=secret,al_grandchild.home_address=pii,al_parent.phone=pii',
	'F11: the child\'s own columns are suggested at CREATE, ADD and RENAME; inherited ones are not');
($rc, $out, $err) = $node->psql('fixture', q{
	SELECT governance.label_column('al_child', 'email', 'email');
	SELECT governance.label_column('al_parent', 'phone', 'pii');
	INSERT INTO al_child (id, note, email, phone) VALUES (1, 'n', 'kid@example.com', '555-123-4567');
	GRANT SELECT ON al_parent, al_child TO agent}, extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
is($rc, 0, 'F11: a child\'s own column can be labelled') or diag($err);
is($node->safe_psql('fixture', q{SELECT email, phone FROM al_child}, extra_params => [ '-U', 'agent' ]),
	'k**@e******.com|5**********7', 'F11: reading the child masks its own column and the inherited one');
is($node->safe_psql('fixture', q{SELECT * FROM al_parent}, extra_params => [ '-U', 'agent' ]),
	'1|n|5**********7', 'F11: reading the parent never delivers the child\'s own column');
($rc, $out, $err) = $node->psql('fixture', q{SELECT governance.label_column('al_child', 'note', 'pii')});
like($err, qr/cannot label column "note" of "al_child", which it inherits from another table/,
	'F11: an inherited column still cannot be labelled apart');
($rc, $out, $err) = $node->psql('fixture', q{ALTER TABLE al_parent ADD COLUMN email text});
like($err, qr/cannot add column "email" to "al_parent": child "al_child" has a labelled column of that name/,
	'F11: the parent may not merge a column into the child\'s labelled one');
($rc, $out, $err) = $node->psql('fixture', q{
	CREATE TYPE al_ct2 AS (id int); CREATE TABLE al_typed2 OF al_ct2; CREATE TABLE al_typed2_kid (email text) INHERITS (al_typed2);
	SELECT governance.label_column('al_typed2_kid', 'email', 'email');
	ALTER TYPE al_ct2 ADD ATTRIBUTE email text CASCADE});
like($err, qr/cannot add column "email" to "al_typed2": child "al_typed2_kid"/,
	'F11: nor through ALTER TYPE ... ADD ATTRIBUTE ... CASCADE');

#
# F12, F13 and their class: auto_label learns what a statement created or
# renamed from the server, by oid, never by looking a name up again.
#
($rc, $out, $err) = $node->psql('fixture', q{
	SET search_path = public;
	CREATE TYPE al_ct AS (id int);
	CREATE TABLE al_typed OF al_ct;
	ALTER TYPE al_ct ADD ATTRIBUTE email text CASCADE;
	ALTER TYPE al_ct RENAME ATTRIBUTE email TO credit_card_number CASCADE;
	CREATE TEMP TABLE leads (x int);
	CREATE TABLE leads (id int, email text, ssn text);
	CREATE TEMP TABLE shadowed (x int);
	CREATE TABLE IF NOT EXISTS public.shadowed (passport_number text);
	CREATE TABLE public.renamed (id int);
	CREATE TEMP TABLE renamed (id int);
	ALTER TABLE public.renamed ADD COLUMN tax_id text;
	ALTER TABLE public.renamed RENAME COLUMN id TO date_of_birth;
	DO $$ BEGIN EXECUTE 'CREATE TABLE public.made_by_do (api_key text)'; END $$;
	DO $$ BEGIN CREATE TABLE public.rolled_back (iban text); RAISE EXCEPTION 'no';
	   EXCEPTION WHEN raise_exception THEN NULL; END $$;
	SELECT 1 AS cvv INTO public.selected_into;
	CREATE TABLE public.like_leads (LIKE public.leads);
	CREATE TEMP TABLE temp_only (email text);
	ALTER TABLE public.leads ADD COLUMN IF NOT EXISTS email text},
	extra_params => [ '-U', 'agent', '-v', 'ON_ERROR_STOP=1' ]);
is($rc, 0, 'F12/F13: the statements run') or diag($err);
is($node->safe_psql('fixture', q{
	SELECT string_agg(relation::text || '.' || column_name || '=' || label, ',' ORDER BY relation::text, column_name)
	  FROM governance.label_suggestions
	 WHERE relation::text IN ('al_typed', 'leads', 'shadowed', 'renamed', 'made_by_do',
							  'rolled_back', 'selected_into', 'like_leads', 'temp_only')}),
	'al_typed.credit_card_number=secret,al_typed.email=email,leads.email=email,leads.ssn=secret,'
	. 'like_leads.email=email,like_leads.ssn=secret,made_by_do.api_key=secret,'
	. 'renamed.date_of_birth=pii,renamed.tax_id=secret,selected_into.cvv=secret,shadowed.passport_number=secret',
	'F12/F13: typed tables through ALTER TYPE CASCADE, tables a temporary one shadows, a DO block\'s; not a rolled back or temporary one');
my $leads_notices = () = $err =~ /NOTICE:  column "email" of relation "leads" should carry/g;
is($leads_notices, 1,
	'F13: ADD COLUMN IF NOT EXISTS of a column there proposes nothing again');

# A copy of a labelled column still inherits its label, under apply too,
# while a temporary table of the same name exists.
$node->safe_psql('fixture', q{ALTER SYSTEM SET governance.auto_label = apply; SELECT pg_reload_conf()});
($rc, $out, $err) = $node->psql('fixture', q{
	SET search_path = public;
	CREATE TEMP TABLE copied (x int);
	CREATE TABLE public.copied AS SELECT id, email AS contact FROM trap.customers;
	CREATE TEMP TABLE applied (x int);
	CREATE TABLE public.applied (email text)});
is($rc, 0, 'apply: the statements run') or diag($err);
is($node->safe_psql('fixture', q{
	SELECT string_agg(relation::text || '.' || column_name || '=' || label, ',' ORDER BY relation::text, column_name)
	  FROM governance.column_labels WHERE relation::text IN ('copied', 'applied')}),
	'applied.email=email,copied.contact=email',
	'apply: the new table is labelled, not the temporary one its name finds first; a copy carries its source\'s label');
$node->safe_psql('fixture', q{ALTER SYSTEM SET governance.auto_label = off; SELECT pg_reload_conf()});

#
# F16: discover() holds a bounded number of sampled values at once, not
# sample_rows of them.  10,000 rows of two 8 kB values would be 160 MB.
#
$node->safe_psql('fixture', q{
	CREATE TABLE public.wide (a text, b text);
	INSERT INTO public.wide SELECT repeat(md5(i::text), 300), repeat(md5((-i)::text), 300)
	  FROM generate_series(1, 10000) AS i;
	ANALYZE public.wide});
my $pid_and_hwm = $node->safe_psql('fixture', q{
	SELECT pg_backend_pid();
	SELECT count(*) FROM governance.discover('public', 1000000) WHERE relation = 'public.wide'::regclass;
	SELECT pg_sleep(60)}, timeout => 5, on_error_stop => 0) if 0;
{
	my $h = $node->background_psql('fixture');
	my $pid = $h->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	my $hwm = sub {
		open my $f, '<', "/proc/$pid/status" or return -1;
		while (<$f>) { return $1 if /^VmHWM:\s+(\d+) kB/ }
		return -1;
	};
	$h->query_safe('SELECT 1');
	my $before = $hwm->();
	$h->query_safe(q{SELECT count(*) FROM governance.discover('public', 1000000)});
	my $grew = $hwm->() - $before;
	cmp_ok($grew, '<', 40 * 1024, "F16: discover(NULL, 1000000) over 160 MB of samples grew the backend by $grew kB, under 40 MB");
	$h->quit;
}

$node->stop;
done_testing();
