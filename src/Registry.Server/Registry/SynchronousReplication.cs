using Registry.Server.Replication;

namespace Registry.Server.Registry;

/// <summary>What a synchronous primary waits for after a mutation is durable here: a standby's confirmation, up to <see cref="Timeout"/>.</summary>
internal sealed record SynchronousReplication(StandbyConfirmations Confirmations, TimeSpan Timeout, TimeProvider Time);

/// <summary>A mutation that is durable on this primary but that no standby confirmed within the synchronous replication timeout.</summary>
/// <remarks>The text passes the protocol's error filter ("cannot"), so the client learns its change may not survive the loss of this server.</remarks>
public sealed class ReplicationTimeoutException(TimeSpan timeout, int quorum = 1) : TimeoutException(
    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"synchronous replication: {(quorum == 1 ? "no standby" : $"fewer than {quorum} standbys")} confirmed the change within {timeout.TotalSeconds:0.###} s; it is durable on this server, which cannot promise it survives this server's loss"));
