using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;
using Registry.Server.Protocol;

namespace Registry.Server.Replication;

/// <summary>Takes a snapshot message off the replication stream while it arrives, decoding the snapshot as its bytes come.</summary>
/// <remarks>
/// A snapshot message of a large registry is one frame of hundreds of megabytes (250-500 MB at Go's cap of a million
/// nodes). Held whole, with its parse and a copy of the snapshot member, it cost the standby three to four times that
/// during its first sync; decoded as it arrives, what stays is the decoded snapshot and a read buffer. This relies on
/// the layout every primary sends (ours, and Go's, whose encoder sorts the keys): the snapshot object first, the type
/// last, no space. A frame in any other layout is left to the frame reader and parsed whole, as before.
/// </remarks>
internal static class StreamedSnapshot
{
    /// <summary>
    /// Reads the next frame as a snapshot message when it starts like one, verifying the snapshot (and its checksum) and
    /// the end of the message; returns null, having taken nothing, when the next frame is something else.
    /// </summary>
    /// <exception cref="Persistence.Snapshots.SnapshotCorruptException">The snapshot does not decode, validate or match its checksum.</exception>
    /// <exception cref="FormatException">The message does not end right after the snapshot object.</exception>
    /// <exception cref="IOException">The connection ended within the frame.</exception>
    public static async Task<Snapshot?> TryReceiveAsync(FrameReader reader, CancellationToken cancellationToken)
    {
        var minimum = ReplicationMessages.SnapshotMessagePrefix.Length + ReplicationMessages.SnapshotMessageSuffix.Length + 2;
        if (await reader.TryTakeFrameStartingWithAsync(ReplicationMessages.SnapshotMessagePrefix, minimum, cancellationToken) is not { } rest)
        {
            return null;
        }

        // The decoder reads a stream synchronously, and each read waits for the network: a thread of its own, not the pool's.
        return await Task.Factory.StartNew(() => Decode(reader, rest, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static Snapshot Decode(FrameReader reader, long rest, CancellationToken cancellationToken)
    {
        var suffix = ReplicationMessages.SnapshotMessageSuffix.Span;
        var length = rest - suffix.Length;
        Snapshot snapshot;
        using (var body = reader.OpenBody(length, cancellationToken))
        {
            snapshot = SnapshotReader.Read(body, length, "replication stream").Snapshot;
        }

        Span<byte> end = stackalloc byte[suffix.Length];
        using (var tail = reader.OpenBody(suffix.Length, cancellationToken))
        {
            tail.ReadExactly(end);
        }

        return end.SequenceEqual(suffix)
            ? snapshot
            : throw new FormatException("a replication_snapshot message does not end right after its snapshot object");
    }
}
