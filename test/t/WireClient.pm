#
# WireClient.pm
#	  A client of PostgreSQL's frontend/backend protocol (version 3.0)
#	  over the Unix socket, for what libpq-based tools do not let a test
#	  say: results in binary format, Execute of a portal by name (a cursor
#	  declared in SQL, a refcursor a function returned), Execute with a row
#	  limit.  Trust authentication only.
#
#	  my $c = WireClient->connect($node, 'postgres', user => 'agent');
#	  my $r = $c->query('SELECT 1');            # simple protocol
#	  $r = $c->extended('SELECT $1::text', params => ['x'], binary => 1);
#	  $r = $c->execute_portal('c', 10);         # Execute of an open portal
#	  # $r->{rows}: arrayrefs of raw values (undef for NULL), $r->{error}:
#	  # "SQLSTATE message" or undef, $r->{tags}: the command tags,
#	  # $r->{copy}: what COPY TO STDOUT sent; the raw bodies of the
#	  # messages that carry text: $r->{errors} (ErrorResponse),
#	  # $r->{notices} (NoticeResponse), $r->{notifications}
#	  # (NotificationResponse), $r->{parameters} (ParameterStatus),
#	  # $r->{descriptions} (RowDescription).
#
# test/t/WireClient.pm
#
package WireClient;

use strict;
use warnings;

use IO::Socket::UNIX;

sub connect
{
	my ($class, $node, $db, %opts) = @_;
	my $path = $node->host . '/.s.PGSQL.' . $node->port;
	my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
	  or die "cannot connect to $path: $!";
	my $self = bless { sock => $sock }, $class;
	my $user = $opts{user} // 'postgres';
	my $params = join('', map { "$_\0$opts{params}{$_}\0" } sort keys %{ $opts{params} // {} });
	my $body = pack('N', 196608) . "user\0$user\0database\0$db\0$params\0";
	syswrite($sock, pack('N', length($body) + 4) . $body) or die "write: $!";
	my $r = $self->_collect;
	die "connection refused: $r->{error}" if defined $r->{error};
	return $self;
}

sub _read_exact
{
	my ($self, $n) = @_;
	my $buf = '';
	while (length($buf) < $n)
	{
		my $got = sysread($self->{sock}, $buf, $n - length($buf), length($buf));
		die "connection closed" unless $got;
	}
	return $buf;
}

sub _message
{
	my ($self) = @_;
	my $type = $self->_read_exact(1);
	my $len = unpack('N', $self->_read_exact(4));
	return ($type, $len > 4 ? $self->_read_exact($len - 4) : '');
}

sub _send
{
	my ($self, $type, $body) = @_;
	syswrite($self->{sock}, $type . pack('N', length($body) + 4) . $body)
	  or die "write: $!";
}

# Read messages up to ReadyForQuery: rows, command tags, the first error.
sub _collect
{
	my ($self) = @_;
	my %r = (rows => [], tags => [], copy => '', error => undef, suspended => 0,
		errors => [], notices => [], notifications => [], parameters => []);
	while (1)
	{
		my ($type, $body) = $self->_message;
		if ($type eq 'R')
		{
			my $code = unpack('N', $body);
			die "authentication $code is not supported" if $code != 0;
		}
		elsif ($type eq 'D')
		{
			my $n = unpack('n', $body);
			my $pos = 2;
			my @row;
			for (1 .. $n)
			{
				my $len = unpack('l>', substr($body, $pos, 4));
				$pos += 4;
				if ($len < 0) { push @row, undef; next; }
				push @row, substr($body, $pos, $len);
				$pos += $len;
			}
			push @{ $r{rows} }, \@row;
		}
		elsif ($type eq 'C')
		{
			(my $tag = $body) =~ s/\0$//;
			push @{ $r{tags} }, $tag;
		}
		elsif ($type eq 'd')
		{
			$r{copy} .= $body;
		}
		elsif ($type eq 's')
		{
			$r{suspended} = 1;
		}
		elsif ($type eq 'N')
		{
			push @{ $r{notices} }, $body;
		}
		elsif ($type eq 'A')
		{
			push @{ $r{notifications} }, $body;
		}
		elsif ($type eq 'S')
		{
			push @{ $r{parameters} }, $body;
		}
		elsif ($type eq 'T')
		{
			push @{ $r{descriptions} }, $body;
		}
		elsif ($type eq 'E')
		{
			push @{ $r{errors} }, $body;
			my %f;
			for my $field (split /\0/, $body)
			{
				next if $field eq '';
				$f{ substr($field, 0, 1) } = substr($field, 1);
			}
			$r{error} //= ($f{C} // '?????') . ' ' . ($f{M} // '');
		}
		elsif ($type eq 'Z')
		{
			last;
		}
	}
	return \%r;
}

# A statement by the simple protocol.
sub query
{
	my ($self, $sql) = @_;
	$self->_send('Q', "$sql\0");
	return $self->_collect;
}

# A statement by the extended protocol: Parse, Bind (text parameters,
# results in binary if binary => 1), Execute (max_rows, 0: all), Sync.
sub extended
{
	my ($self, $sql, %opts) = @_;
	my @params = @{ $opts{params} // [] };
	my $portal = $opts{portal} // '';
	my $bind = "$portal\0\0" . pack('n', 0) . pack('n', scalar @params);
	$bind .= defined $_ ? pack('N', length $_) . $_ : pack('l>', -1) for @params;
	$bind .= $opts{binary} ? pack('nn', 1, 1) : pack('n', 0);
	$self->_send('P', "\0$sql\0" . pack('n', 0));
	$self->_send('B', $bind);
	$self->_send('E', "$portal\0" . pack('N', $opts{max_rows} // 0));
	$self->_send('S', '');
	return $self->_collect;
}

# Execute of a portal that is already open (a cursor by its name), up to
# max_rows rows (0: all), then Sync.
sub execute_portal
{
	my ($self, $portal, $max_rows) = @_;
	$self->_send('E', "$portal\0" . pack('N', $max_rows // 0));
	$self->_send('S', '');
	return $self->_collect;
}

sub close
{
	my ($self) = @_;
	$self->_send('X', '');
	close($self->{sock});
}

1;
