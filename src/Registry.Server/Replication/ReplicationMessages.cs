using System.Buffers;
using System.Text;
using System.Text.Json;
using Registry.Persistence.Replication;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Server.Replication;

/// <summary>The messages of the replication stream (docs/replication.md): Go's snapshot and heartbeat, and our deltas.</summary>
public static class ReplicationMessages
{
    /// <summary>The type of a full snapshot message (Go's).</summary>
    public const string SnapshotType = "replication_snapshot";

    /// <summary>The type of a run of log records (ours).</summary>
    public const string DeltasType = "replication_deltas";

    /// <summary>The type of the primary's timeline, sent to a standby of ours right after its subscription is accepted (ours).</summary>
    public const string TimelineType = "replication_timeline";

    /// <summary>The type of a standby's confirmation that it durably holds every record up to <c>sequence</c> (ours; only when the primary asked for them).</summary>
    public const string AckType = "replication_ack";

    /// <summary>The type of a keep-alive (Go's).</summary>
    public const string HeartbeatType = "heartbeat";

    /// <summary>Go's heartbeat, exactly: <c>{"type":"heartbeat"}</c>.</summary>
    public static ReadOnlyMemory<byte> GoHeartbeat { get; } = Encoding.UTF8.GetBytes("{\"type\":\"heartbeat\"}");

    /// <summary>
    /// Writes <c>{"snapshot":{…},"type":"replication_snapshot"}</c>, the snapshot in our file encoding (checksummed, with
    /// <c>wal_seq</c>), into <paramref name="output"/>; a Go standby reads it too. <see cref="SnapshotLength"/> bytes.
    /// </summary>
    public static void WriteSnapshot(Snapshot snapshot, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(SnapshotMessagePrefix.Span);
        SnapshotEncoder.Encode(snapshot, output);
        output.Write(SnapshotMessageSuffix.Span);
    }

    /// <summary>The length of the message <see cref="WriteSnapshot"/> writes, found by encoding the snapshot without keeping it; throws as encoding does.</summary>
    public static long SnapshotLength(Snapshot snapshot) =>
        SnapshotMessagePrefix.Length + SnapshotEncoder.EncodedLength(snapshot) + SnapshotMessageSuffix.Length;

    /// <summary>How a snapshot message begins, from us and from Go (whose encoder sorts the keys and adds no space): <c>{"snapshot":</c>.</summary>
    public static ReadOnlyMemory<byte> SnapshotMessagePrefix { get; } = "{\"snapshot\":"u8.ToArray();

    /// <summary>How a snapshot message ends, right after the snapshot object: <c>,"type":"replication_snapshot"}</c>.</summary>
    public static ReadOnlyMemory<byte> SnapshotMessageSuffix { get; } = ",\"type\":\"replication_snapshot\"}"u8.ToArray();

    /// <summary>Our heartbeat, which also tells the standby how far the primary is: <c>{"type":"heartbeat","primary_seq":N}</c>.</summary>
    public static byte[] HeartbeatWith(ulong primarySequence) =>
        Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"type\":\"heartbeat\",\"primary_seq\":{primarySequence}}}"));

    /// <summary><c>{"type":"replication_deltas","from_seq":F,"to_seq":L,"primary_seq":P,"frames":"base64"}</c>: encoded records, checksums included end to end.</summary>
    public static byte[] Deltas(ReplicationChunk chunk, ulong primarySequence)
    {
        var body = new ArrayBufferWriter<byte>(chunk.Frames.Length * 4 / 3 + 128);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("type", DeltasType);
            writer.WriteNumber("from_seq", chunk.FirstSeq);
            writer.WriteNumber("to_seq", chunk.LastSeq);
            writer.WriteNumber("primary_seq", primarySequence);
            writer.WriteBase64String("frames", chunk.Frames.Span);
            writer.WriteEndObject();
        }

        return body.WrittenSpan.ToArray();
    }

    /// <summary>
    /// <c>{"type":"replication_timeline","epochs":[{"epoch":N,"start":S},…]}</c>: the epochs of the primary's history, which
    /// the standby adopts; with <paramref name="acks"/> also asking the standby to confirm what it holds durably
    /// (<see cref="AckType"/>): <c>"acks":true</c> after every durable change and at least once a second (a synchronous
    /// primary waits for them), or <c>"keepalive_acks":true</c> once a second only (a primary with MinStandbysToWrite).
    /// </summary>
    public static byte[] TimelineOf(Timeline timeline, AckRequest acks = AckRequest.None, ulong? primarySequence = null)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var body = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TimelineType);
            timeline.WriteEpochs(writer, "epochs");
            if (primarySequence is { } sequence)
            {
                // Where the primary is as the stream starts: the standby is catching up until it holds this much.
                writer.WriteNumber("primary_seq", sequence);
            }

            if (acks == AckRequest.EveryChange)
            {
                writer.WriteBoolean("acks", true);
            }
            else if (acks == AckRequest.KeepAlive)
            {
                writer.WriteBoolean("keepalive_acks", true);
            }

            writer.WriteEndObject();
        }

        return body.WrittenSpan.ToArray();
    }

    /// <summary>What a <see cref="TimelineType"/> message asks the standby to confirm.</summary>
    public static AckRequest ReadAckRequest(JsonElement message) =>
        message.TryGetProperty("acks", out var acks) && acks.ValueKind == JsonValueKind.True ? AckRequest.EveryChange
        : message.TryGetProperty("keepalive_acks", out var keepAlive) && keepAlive.ValueKind == JsonValueKind.True ? AckRequest.KeepAlive
        : AckRequest.None;

    /// <summary><c>{"type":"replication_ack","sequence":N}</c>: this standby durably holds every record up to N.</summary>
    public static byte[] Ack(ulong sequence) =>
        Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"type\":\"replication_ack\",\"sequence\":{sequence}}}"));

    /// <summary>The sequence of a <see cref="AckType"/> message, or null when the message is not one.</summary>
    public static ulong? ReadAck(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object
        && message.TryGetProperty("type", out var type) && type.ValueEquals(AckType)
        && message.TryGetProperty("sequence", out var sequence) && sequence.TryGetUInt64(out var value)
            ? value : null;

    /// <summary>Reads the epochs of a <see cref="TimelineType"/> message as the timeline a standby adopts.</summary>
    /// <exception cref="FormatException">The epochs are malformed.</exception>
    public static Timeline ReadTimeline(JsonElement message) =>
        Timeline.Adopt(message.TryGetProperty("epochs", out var epochs) ? Timeline.ReadEpochs(epochs) : throw new FormatException("replication_timeline without epochs"));

    /// <summary>The error a primary sends a standby whose epoch is newer than its own: the primary was superseded by a promotion it did not see.</summary>
    public static string Superseded(ulong standbyEpoch, ulong ownEpoch) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"replication refused: the standby is on epoch {standbyEpoch}, newer than this server's epoch {ownEpoch}; this server was superseded by a promotion");

    /// <summary>The start of the error a primary sends instead of streaming when the standby's history differs from its own (<see cref="Persistence.Replication.HistoryDivergedException"/>).</summary>
    public const string DivergedPrefix = "replication history diverged at sequence ";

    /// <summary>
    /// The subscribe message a standby sends: <paramref name="fromSequence"/> 0 asks for a snapshot then deltas, null for
    /// snapshots only (Go's behaviour); <paramref name="previousChecksum"/> (<c>prev_crc</c>) is the CRC-32C of the
    /// standby's record <paramref name="fromSequence"/> - 1, which the primary compares with its own before streaming.
    /// </summary>
    public static byte[] Subscribe(string token, ulong? fromSequence, uint? previousChecksum = null, ulong? epoch = null, string? standbyId = null)
    {
        var body = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "subscribe_replication");
            writer.WriteString("token", token);
            if (fromSequence is { } from)
            {
                writer.WriteNumber("from_seq", from);
            }

            if (previousChecksum is { } checksum)
            {
                writer.WriteNumber("prev_crc", checksum);
            }

            if (epoch is { } number)
            {
                writer.WriteNumber("epoch", number);
            }

            if (standbyId is not null)
            {
                writer.WriteString("standby_id", standbyId);
            }

            writer.WriteEndObject();
        }

        return body.WrittenSpan.ToArray();
    }

    /// <summary>Reads the snapshot of a <see cref="SnapshotType"/> message, verifying its checksum over the exact bytes received.</summary>
    public static Snapshot ReadSnapshot(JsonElement message)
    {
        // The member's bytes as they arrived, copied once: through GetRawText they were a UTF-16 string (twice the size)
        // and then a UTF-8 copy of it, ~250 MB on top of the frame for a registry of 350k nodes.
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(message.GetProperty("snapshot")).ToArray();
        using var stream = new MemoryStream(raw, writable: false);
        return SnapshotReader.Read(stream, raw.Length, "replication stream").Snapshot;
    }

    /// <summary>The primary's sequence number a message carries (<c>primary_seq</c>), or null.</summary>
    public static ulong? PrimarySequence(JsonElement message) =>
        message.TryGetProperty("primary_seq", out var value) && value.TryGetUInt64(out var sequence) ? sequence : null;

    /// <summary>The sequence number a primary's divergence error names (see <see cref="DivergedPrefix"/>), or null for any other error text.</summary>
    public static ulong? DivergedAt(string? error) =>
        error is not null && error.StartsWith(DivergedPrefix, StringComparison.Ordinal)
        && ulong.TryParse(error.AsSpan(DivergedPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : null;

    /// <summary>Reads the records of a <see cref="DeltasType"/> message.</summary>
    public static ReplicationChunk ReadDeltas(JsonElement message) =>
        new(message.GetProperty("from_seq").GetUInt64(), message.GetProperty("to_seq").GetUInt64(), message.GetProperty("frames").GetBytesFromBase64());
}

/// <summary>Which <c>replication_ack</c> frames a primary asks its standbys for.</summary>
public enum AckRequest
{
    /// <summary>None (the default; a Go primary never asks).</summary>
    None,

    /// <summary>One after every durable change, and at least one a second: synchronous replication waits for them.</summary>
    EveryChange,

    /// <summary>One a second, to show the standby is there and how far it holds: MinStandbysToWrite counts them.</summary>
    KeepAlive,
}
