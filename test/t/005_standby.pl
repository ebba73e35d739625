#
# 005_standby.pl
#	  On a hot standby, the audit worker runs and the trail is readable in
#	  SQL: the standby's own sessions are audited and their events queried
#	  there, though the standby cannot write a table.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = governance_node('primary', no_start => 1);
$primary->append_conf('postgresql.conf', "wal_level = replica\nmax_wal_senders = 4\n");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION governance; CREATE TABLE t (a int); INSERT INTO t VALUES (1)');
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

my $token = mint_token('sub=standby-reader');
$standby->safe_psql('postgres', "SET governance.token = '$token'; SELECT count(*) AS standby_marker FROM t");
my $events = $standby->safe_psql('postgres', q{
	SELECT string_agg(type || '/' || action || '/' || coalesce(sub, '-'), ',' ORDER BY seq)
	  FROM governance.audit_events(now() - interval '1 hour', NULL, 'standby-reader')});
like($events, qr{identity/token_accepted/standby-reader}, 'the token accepted on the standby is in its trail');
like($standby->safe_psql('postgres', q{
	SELECT statement FROM governance.audit_log WHERE statement LIKE '%standby_marker%' AND statement NOT LIKE '%audit_log%'}),
	qr/standby_marker/, "the standby's statement is in its trail");
is($standby->safe_psql('postgres', 'SELECT ok FROM governance.verify_audit()'), 't',
	"the standby's chain verifies");
is($standby->safe_psql('postgres', 'SELECT dropped + lost FROM governance.audit_stats()'), '0',
	'nothing dropped or lost on the standby');

done_testing();
