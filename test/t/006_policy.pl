#
# 006_policy.pl
#	  The policy across sessions and processes: a rule change reaches
#	  sessions already connected at their next statement; an approval
#	  request is announced with NOTIFY although its statement rolls back;
#	  pg_dump and restore keep the policy and the approvals.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('policy');
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
	CREATE TABLE orders (id int PRIMARY KEY, status text);
	INSERT INTO orders SELECT g, 'open' FROM generate_series(1, 10) g;
	GRANT ALL ON orders TO agent;
	GRANT CREATE ON SCHEMA public TO agent;
});

# A session that is already connected sees rule changes at its next
# statement, and only once they commit.
my $agent = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'agent' ]);
is($agent->query_safe('SELECT count(*) FROM orders'), '10', 'the agent reads orders');

my $admin = $node->background_psql('postgres', on_error_stop => 0);
$admin->query_safe(q{BEGIN; SELECT governance.add_rule('no-orders', '{select}', 'deny', principals => '{db:agent}', objects => '{public.orders}')});
is($agent->query('SELECT count(*) FROM orders'), '10',
	'an uncommitted rule does not apply to other sessions');
$admin->query_safe('COMMIT');
$agent->{stderr} = '';
$agent->query('SELECT count(*) FROM orders');
like($agent->{stderr}, qr/select on public\.orders is denied by governance rule "no-orders"/,
	'a committed rule applies to a connected session at its next statement');
$admin->query_safe(q{SELECT governance.drop_rule('no-orders')});
$agent->{stderr} = '';
is($agent->query('SELECT count(*) FROM orders'), '10', 'a dropped rule stops applying');
is($agent->{stderr}, '', 'without an error');

# Approval requests are announced on channel governance_approvals by a
# worker, because the requesting transaction rolls back.
$node->safe_psql('postgres', q{ALTER SYSTEM SET governance.environment = 'production'});
$node->reload;
$node->poll_query_until('postgres', 'SHOW governance.environment', 'production');
my $listener = $node->background_psql('postgres', on_error_stop => 0);
$listener->query_safe('LISTEN governance_approvals');
$agent->query_safe('CREATE TABLE scratch (a int)');
$agent->{stderr} = '';
$agent->query('BEGIN; DROP TABLE scratch; COMMIT');
my ($request) = $agent->{stderr} =~ /requires approval \(request (\d+)\)/;
ok(defined $request, 'DROP in production needs approval and names its request');
my $heard = '';
for (1 .. 100)
{
	$heard .= $listener->query('SELECT 1');
	last if $heard =~ /governance_approvals/;
	sleep 0.1;
}
like($heard, qr/"governance_approvals" with payload "\{"request_id":$request\}"/,
	'the request was announced with its id');
is($node->safe_psql('postgres',
	"SELECT status FROM governance.approval_requests WHERE request_id = $request"),
	'pending', 'the request is pending although its transaction rolled back');
$node->safe_psql('postgres', "SELECT governance.approve($request, 'ok')");
$agent->{stderr} = '';
$agent->query('DROP TABLE scratch');
is($agent->{stderr}, '', 'the approved DROP runs');
is($node->safe_psql('postgres', "SELECT to_regclass('scratch') IS NULL"), 't', 'the table is gone');

# pg_dump keeps the policy and the approvals; the shipped rules come back
# from CREATE EXTENSION without clashing.
$node->safe_psql('postgres', q{
	SELECT governance.add_rule('limit-agent', '{write}', 'limit_rows',
		principals => '{db:agent}', max_rows => 3, priority => 10)});
my $dump = $node->basedir . '/policy.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore without errors');
is($node->safe_psql('restored', 'SELECT string_agg(name, \',\' ORDER BY name) FROM governance.rules'),
	'approve-destructive-ddl-in-production,deny-unfiltered-writes,limit-agent',
	'the restored database has the shipped rules and ours, once each');
is($node->safe_psql('restored', "SELECT decision FROM governance.approvals WHERE request_id = $request"),
	'approved', 'approvals are restored');
my ($ret, $out, $err) = $node->psql('restored', 'UPDATE orders SET status = $$x$$ WHERE id <= 5',
	extra_params => [ '-U', 'agent' ]);
like($err, qr/limit of governance rule "limit-agent"/, 'the restored rule is enforced');

$agent->quit;
$admin->quit;
$listener->quit;
done_testing();
