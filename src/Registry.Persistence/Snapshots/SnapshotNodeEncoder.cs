using System.Buffers;
using System.Buffers.Text;
using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>Writes a <see cref="SnapshotNode"/> in the Go member order of §4.2.</summary>
internal static class SnapshotNodeEncoder
{
    /// <summary>The <c>nodes</c> map from <paramref name="source"/>, in the key order <see cref="GoMap.Write{T}"/> gives the decimal ids of a map.</summary>
    public static void WriteAll(GoJsonWriter w, ISnapshotNodeSource source)
    {
        var count = source.Count;
        var keys = ArrayPool<ulong>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                keys[i] = DecimalOrderKey(source.IdAt(i));
                order[i] = i;
            }

            Array.Sort(keys, order, 0, count);
            var node = new SnapshotNode();
            Span<byte> name = stackalloc byte[10];
            w.WriteStartObject();
            for (var i = 0; i < count; i++)
            {
                _ = Utf8Formatter.TryFormat(source.IdAt(order[i]), name, out var length);
                source.Fill(order[i], node);
                w.WritePropertyName(name[..length]);
                Write(w, node);
            }

            w.WriteEndObject();
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>A number that orders ids as their decimal texts order byte by byte (Go's map key order): "10" &lt; "9".</summary>
    /// <remarks>Each of the at most ten digits d counts as d + 1 in base 11, left-aligned, so a text that ends sorts before any digit.</remarks>
    internal static ulong DecimalOrderKey(uint id)
    {
        Span<byte> digits = stackalloc byte[10];
        _ = Utf8Formatter.TryFormat(id, digits, out var length);
        ulong key = 0;
        for (var i = 0; i < 10; i++)
        {
            key = (key * 11) + (i < length ? (ulong)(digits[i] - '0' + 1) : 0);
        }

        return key;
    }

    public static void Write(GoJsonWriter w, SnapshotNode? n)
    {
        if (n is null)
        {
            // A nil *SnapshotNode; the Go loader panics on it, so the decoder refuses such files (§4.5).
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        GoFields.RequiredUInt(w, "id"u8, n.Id);
        GoFields.String(w, "owner"u8, n.Owner);
        GoFields.RequiredString(w, "public_key"u8, n.PublicKey);
        GoFields.String(w, "real_addr"u8, n.RealAddr);
        w.WritePropertyName("networks"u8);
        GoMap.WriteNumbers(w, n.Networks);
        GoFields.Bool(w, "public"u8, n.Public);
        GoFields.String(w, "last_seen"u8, n.LastSeen);
        GoFields.String(w, "hostname"u8, n.Hostname);
        GoFields.Strings(w, "tags"u8, n.Tags);
        GoFields.Bool(w, "task_exec"u8, n.TaskExec);
        GoFields.Strings(w, "lan_addrs"u8, n.LanAddrs);
        GoFields.String(w, "key_created"u8, n.KeyCreated);
        GoFields.String(w, "key_rotated"u8, n.KeyRotated);
        GoFields.Int(w, "key_rot_count"u8, n.KeyRotCount);
        GoFields.String(w, "key_expires"u8, n.KeyExpires);
        GoFields.String(w, "external_id"u8, n.ExternalId);
        GoFields.String(w, "version"u8, n.Version);
        GoFields.Bool(w, "relay_only"u8, n.RelayOnly);
        w.WriteEndObject();
    }
}
