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
is($node->safe_psql('fixture', q{
	SELECT count(*) FROM governance.discover('crm') WHERE relation = 'crm.tenant_notes'::regclass},
	extra_params => [ '-U', 'intern' ]),
	'0', 'row-level security hides them from the intern\'s sample');

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
	 WHERE statement LIKE '%FROM big.visits TABLESAMPLE SYSTEM%' ORDER BY seq DESC LIMIT 1}),
	qr/TABLESAMPLE SYSTEM \([0-9.]+\) REPEATABLE \(0\) LIMIT 500/, 'the sample is a TABLESAMPLE, recorded in the audit trail');

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

$node->stop;
done_testing();
