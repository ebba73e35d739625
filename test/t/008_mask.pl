#
# 008_mask.pl
#	  Labels across sessions and processes: a label or an unmask grant
#	  given in one session reaches sessions already connected, plans they
#	  prepared included; pg_dump and restore keep labels (the DBA's own
#	  labels too) and grants; a hot standby masks as its primary does.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use GovernanceTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = governance_node('mask', conf => "wal_level = replica\nmax_wal_senders = 4\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION governance;
	CREATE ROLE agent LOGIN;
	CREATE ROLE analyst LOGIN;
	CREATE TABLE users (id int PRIMARY KEY, email text, card text);
	INSERT INTO users VALUES (1, 'alice@example.com', '4111-1111-1111-1111');
	GRANT SELECT ON users TO agent, analyst;
});

# A session connected before the label, with a plan prepared before it.
my $agent = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'agent' ]);
$agent->query_safe('PREPARE q AS SELECT email FROM users WHERE id = 1');
is($agent->query_safe('EXECUTE q'), 'alice@example.com', 'before any label, the agent reads clear');

my $admin = $node->background_psql('postgres', on_error_stop => 0);
$admin->query_safe(q{BEGIN; SELECT governance.label_column('users', 'email', 'email')});
is($agent->query_safe('EXECUTE q'), 'alice@example.com',
	'an uncommitted label does not apply to other sessions');
$admin->query_safe('COMMIT');
is($agent->query_safe('EXECUTE q'), 'a****@e******.com',
	'once committed, the prepared plan of a connected session reads masked');
is($agent->query_safe('SELECT email FROM users'), 'a****@e******.com',
	'and so do new statements');

# An unmask grant reaches the connected analyst, and its removal too.
my $analyst = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'analyst' ]);
$analyst->query_safe('PREPARE q AS SELECT email FROM users WHERE id = 1');
is($analyst->query_safe('EXECUTE q'), 'a****@e******.com', 'the analyst reads masked');
$admin->query_safe(q{SELECT governance.grant_unmasked('email', 'db:analyst')});
is($analyst->query_safe('EXECUTE q'), 'alice@example.com', 'after the grant, clear');
$admin->query_safe(q{SELECT governance.revoke_unmasked('email', 'db:analyst')});
is($analyst->query_safe('EXECUTE q'), 'a****@e******.com', 'after the revoke, masked again');

# A prepared plan follows SET ROLE: db: principals name the current role.
$admin->query_safe(q{CREATE ROLE readers; GRANT SELECT ON users TO readers; SELECT governance.grant_unmasked('email', 'db:readers')});
$analyst->query_safe('SET ROLE analyst');
$admin->query_safe('GRANT readers TO analyst');
$analyst->query_safe('SET ROLE readers');
is($analyst->query_safe('EXECUTE q'), 'alice@example.com', 'after SET ROLE to a role with a grant, clear');
$analyst->query_safe('RESET ROLE');
is($analyst->query_safe('EXECUTE q'), 'a****@e******.com', 'back as itself, masked');

# pg_dump keeps labels, the DBA's own labels and grants; the shipped
# labels come back from CREATE EXTENSION without clashing.
$admin->query_safe(q{
	SELECT governance.define_label('card', 'partial', 'Card numbers');
	SELECT governance.label_column('users', 'card', 'card');
	SELECT governance.grant_unmasked('card', 'db:analyst')});
my $dump = $node->basedir . '/mask.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore without errors');
is($node->safe_psql('restored',
	q{SELECT string_agg(label, ',' ORDER BY label) FROM governance.labels}),
	'card,email,pii,pseudonym,secret', 'the restored taxonomy has the shipped labels and ours, once each');
is($node->safe_psql('restored',
	q{SELECT string_agg(column_name || ':' || label, ',' ORDER BY column_name) FROM governance.column_labels}),
	'card:card,email:email', 'column labels are restored');
is($node->safe_psql('restored', 'SELECT email, card FROM users', extra_params => [ '-U', 'agent' ]),
	'a****@e******.com|4*****************1', 'the restored labels mask');
is($node->safe_psql('restored', 'SELECT card FROM users', extra_params => [ '-U', 'analyst' ]),
	'4111-1111-1111-1111', 'the restored grant unmasks');

# A hot standby masks as its primary: labels and grants are catalog rows.
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('mask_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->safe_psql('postgres', q{SELECT governance.label_column('users', 'card', 'secret')});
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT email, card FROM users', extra_params => [ '-U', 'agent' ]),
	'a****@e******.com|********', 'the standby masks, and sees a label changed on the primary');
is($standby->safe_psql('postgres', 'SELECT email FROM users'), 'alice@example.com',
	'superusers read clear on the standby too');

$agent->quit;
$analyst->quit;
$admin->quit;
$standby->stop;
done_testing();
