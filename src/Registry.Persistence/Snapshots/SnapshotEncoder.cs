using System.Buffers;
using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// Writes a <see cref="Snapshot"/> byte for byte as the Go registry's save path does (format-spec §4.1, §4.3, §6):
/// members in declaration order, omitempty, map keys in UTF-8 order, version 1, then our <c>wal_seq</c>, then the
/// SHA-256 checksum spliced in place of the final <c>}</c>. The body is encoded once and hashed as it streams out.
/// </summary>
public static class SnapshotEncoder
{
    /// <summary>The version this encoder writes.</summary>
    public const long CurrentVersion = 1;

    /// <summary>
    /// Encodes <paramref name="snapshot"/> with <c>version</c> 1 and its checksum into <paramref name="output"/>
    /// and returns the checksum (64 lowercase hex). <see cref="Snapshot.Version"/> and <see cref="Snapshot.Checksum"/>
    /// are ignored. Throws <see cref="GoJsonException"/> when Go's marshal would fail (invalid raw JSON).
    /// </summary>
    public static string Encode(Snapshot snapshot, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        using var hashing = new HashingBufferWriter(output);
        var w = new GoJsonWriter(hashing);
        w.WriteStartObject();
        WriteBody(w, snapshot);
        w.Flush();

        // §4.3: the checksum is the hash of the body with the checksum member left out, i.e. ending in "}".
        hashing.HashOnly("}"u8);
        var checksum = hashing.FinishHex();
        var tail = output.GetSpan(SnapshotChecksum.TrailerLength);
        var length = SnapshotChecksum.WriteTrailer(checksum, tail);
        output.Advance(length);
        return checksum;
    }

    /// <summary>
    /// The number of bytes <see cref="Encode"/> writes for <paramref name="snapshot"/>, found by encoding it without keeping
    /// or hashing the bytes. Throws as <see cref="Encode"/> does.
    /// </summary>
    /// <remarks>
    /// For a frame whose length leads it (a replication snapshot message): knowing the length first lets the document be
    /// encoded a second time straight to the peer instead of held whole. The checksum trailer has one length whatever
    /// the checksum, so the body alone decides.
    /// </remarks>
    public static long EncodedLength(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var counter = new CountingBufferWriter();
        var w = new GoJsonWriter(counter);
        w.WriteStartObject();
        WriteBody(w, snapshot);
        w.Flush();
        return counter.Count + SnapshotChecksum.TrailerLength;
    }

    /// <summary>Encodes to a new byte array; convenient for tests and small documents.</summary>
    public static byte[] EncodeToArray(Snapshot snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        _ = Encode(snapshot, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteBody(GoJsonWriter w, Snapshot s)
    {
        w.WritePropertyName("version"u8);
        w.WriteNumberValue(CurrentVersion);
        w.WritePropertyName("next_node"u8);
        w.WriteNumberValue((ulong)s.NextNode);
        w.WritePropertyName("next_net"u8);
        w.WriteNumberValue((ulong)s.NextNet);

        w.WritePropertyName("nodes"u8);
        if (s.NodeSource is { } source)
        {
            SnapshotNodeEncoder.WriteAll(w, source);
        }
        else
        {
            GoMap.Write(w, s.Nodes, SnapshotNodeEncoder.Write);
        }
        w.WritePropertyName("networks"u8);
        GoMap.Write(w, s.Networks, SnapshotNetEncoder.Write);

        if (s.TrustPairs is { Count: > 0 } pairs)
        {
            w.WritePropertyName("trust_pairs"u8);
            GoMap.WriteStrings(w, pairs);
        }

        if (s.PubKeyIdx is { Count: > 0 } keys)
        {
            w.WritePropertyName("pub_key_idx"u8);
            GoMap.Write(w, keys, static (w, id) => w.WriteNumberValue((ulong)id));
        }

        WriteListMap(w, "handshake_inbox"u8, s.HandshakeInbox, NestedEncoder.Write);
        WriteListMap(w, "handshake_responses"u8, s.HandshakeResponses, NestedEncoder.Write);
        WriteListMap(w, "invite_inbox"u8, s.InviteInbox, NestedEncoder.Write);

        GoFields.Int(w, "total_requests"u8, s.TotalRequests);
        GoFields.Int(w, "total_nodes"u8, s.TotalNodes);
        GoFields.Int(w, "online_nodes"u8, s.OnlineNodes);
        GoFields.Int(w, "trust_links"u8, s.TrustLinks);
        GoFields.Int(w, "unique_tags"u8, s.UniqueTags);
        GoFields.Int(w, "task_executors"u8, s.TaskExecutors);
        GoFields.String(w, "start_time"u8, s.StartTime);

        if (s.RestartEvents is { Count: > 0 } restarts)
        {
            w.WritePropertyName("restart_events"u8);
            w.WriteStartArray();
            foreach (var t in restarts)
            {
                w.WriteNumberValue(t);
            }

            w.WriteEndArray();
        }

        GoFields.Intervals(w, "downtime_intervals"u8, s.DowntimeIntervals);
        GoFields.Int(w, "last_heartbeat"u8, s.LastHeartbeat);

        if (s.ProbeStates is { Count: > 0 } probes)
        {
            w.WritePropertyName("probe_states"u8);
            GoMap.Write(w, probes, NestedEncoder.Write);
        }

        WriteList(w, "hourly_history"u8, s.HourlyHistory, NestedEncoder.Write);
        WriteList(w, "daily_history"u8, s.DailyHistory, NestedEncoder.Write);
        WriteListMap(w, "net_hourly_history"u8, s.NetHourlyHistory, NestedEncoder.Write);
        WriteListMap(w, "net_daily_history"u8, s.NetDailyHistory, NestedEncoder.Write);
        WriteList(w, "audit_log"u8, s.AuditLog, NestedEncoder.Write);

        if (s.IdpConfig is { } idp)
        {
            w.WritePropertyName("idp_config"u8);
            NestedEncoder.Write(w, idp);
        }

        if (s.AuditExportConfig is { } export)
        {
            w.WritePropertyName("audit_export_config"u8);
            NestedEncoder.Write(w, export);
        }

        WriteListMap(w, "rbac_pre_assign"u8, s.RbacPreAssign, NestedEncoder.Write);

        // Ours, after every Go member and before the checksum so that the checksum stays last (§4.3 splice).
        if (s.WalSeq != 0)
        {
            w.WritePropertyName("wal_seq"u8);
            w.WriteNumberValue(s.WalSeq);
        }
    }

    private static void WriteList<T>(GoJsonWriter w, ReadOnlySpan<byte> name, List<T>? list, Action<GoJsonWriter, T> write)
    {
        if (list is not { Count: > 0 })
        {
            return;
        }

        w.WritePropertyName(name);
        GoMap.WriteList(w, list, write);
    }

    private static void WriteListMap<T>(GoJsonWriter w, ReadOnlySpan<byte> name, Dictionary<string, List<T>?>? map, Action<GoJsonWriter, T> write)
    {
        if (map is not { Count: > 0 })
        {
            return;
        }

        w.WritePropertyName(name);
        GoMap.Write(w, map, (w, list) => GoMap.WriteList(w, list, write));
    }
}
