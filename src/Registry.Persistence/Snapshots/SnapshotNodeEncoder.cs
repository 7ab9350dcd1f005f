using Registry.Persistence.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>Writes a <see cref="SnapshotNode"/> in the Go member order of §4.2.</summary>
internal static class SnapshotNodeEncoder
{
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
