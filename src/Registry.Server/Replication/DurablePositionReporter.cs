using System.Threading.Channels;
using Registry.Server.Protocol;

namespace Registry.Server.Replication;

/// <summary>A standby's side of synchronous replication and of <c>MinStandbysToWrite</c>: tells the primary, on the replication connection, how far it holds records durably.</summary>
/// <remarks>
/// <see cref="Signal"/> after anything became durable (a chunk's sync, a snapshot install); <see cref="RunAsync"/> then
/// sends one <c>replication_ack</c> with the position at that moment, so a burst of syncs costs one frame (only when
/// asked for every change: synchronous replication). Every <see cref="KeepAliveInterval"/> it sends one anyway, so the
/// primary can tell a quiet standby from one it has lost. Only this type writes to the connection once the subscription is sent. It runs only when the primary
/// asked for acks.
/// </remarks>
internal sealed class DurablePositionReporter(FrameWriter writer, Func<ulong> durableSequence, TimeProvider time, bool everyChange = true)
{
    /// <summary>The longest a standby that was asked for acks stays silent.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(1);

    // One pending wake-up at most (its value means nothing): a signal while one waits adds nothing, as the report reads
    // the position when it runs.
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    // Set by a keep-alive tick, taken by the next report. Apart from the signal, which a tick cannot add while another
    // waits: a tick that came while the reporter was still sending the previous frame would otherwise be lost, and the
    // primary would hear nothing for two intervals.
    private int _keepAliveDue;

    /// <summary>Something became durable: report the position soon. Cheap and thread-safe; repeated signals coalesce.</summary>
    public void Signal() => _signals.Writer.TryWrite(false);

    /// <summary>Reports the durable position after each signal, and at least every <see cref="KeepAliveInterval"/>, until cancelled or the connection fails.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var ticks = time.CreateTimer(static state => ((DurablePositionReporter)state!).Tick(), this, KeepAliveInterval, KeepAliveInterval);
        ulong? sent = null;
        while (true)
        {
            await _signals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var keepAlive = Interlocked.Exchange(ref _keepAliveDue, 0) != 0;
            var durable = durableSequence();

            // The first report goes out even at 0 (an empty standby of an empty primary): it is what makes the
            // primary count this standby as confirming, and so ready for writes.
            if (sent is null || keepAlive || (everyChange && durable > sent))
            {
                await writer.WriteAsync(Response.FromJson(ReplicationMessages.Ack(durable)), cancellationToken).ConfigureAwait(false);
                sent = durable;
            }
        }
    }

    private void Tick()
    {
        Volatile.Write(ref _keepAliveDue, 1);
        _signals.Writer.TryWrite(false);
    }
}
