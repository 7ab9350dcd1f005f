using Registry.Server.Replication;

namespace Registry.Server.Registry;

/// <summary>What a synchronous primary waits for after a mutation is durable here: a standby's confirmation, up to <see cref="Timeout"/>.</summary>
internal sealed record SynchronousReplication(StandbyConfirmations Confirmations, TimeSpan Timeout, TimeProvider Time);

/// <summary>A mutation that is durable on this primary but that no standby confirmed within the synchronous replication timeout.</summary>
/// <remarks>The text passes the protocol's error filter ("cannot"), so the client learns its change may not survive the loss of this server.</remarks>
public sealed class ReplicationTimeoutException(TimeSpan timeout) : TimeoutException(
    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"synchronous replication: no standby confirmed the change within {timeout.TotalSeconds:0.###} s; it is durable on this server, which cannot promise it survives this server's loss"));

/// <summary>What a primary with <c>MinStandbysToWrite</c> checks before each mutation: that enough standbys confirmed within <see cref="MaxLag"/>.</summary>
internal sealed record MinimumStandbys(StandbyConfirmations Confirmations, int Required, TimeSpan MaxLag)
{
    /// <summary>How many standbys count now.</summary>
    public int Heard => Confirmations.HeardWithin(MaxLag);
}

/// <summary>A mutation refused before it changed anything because fewer standbys than <c>MinStandbysToWrite</c> were heard from recently.</summary>
/// <remarks>The text passes the protocol's error filter ("cannot"); a client may retry once the standbys are back.</remarks>
public sealed class NotEnoughStandbysException(int heard, int required, TimeSpan maxLag) : InvalidOperationException(
    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"write refused: this primary cannot confirm enough standbys ({heard} of {required} heard from within {maxLag.TotalSeconds:0.###} s), so it takes no write a failover could lose; nothing changed"));
