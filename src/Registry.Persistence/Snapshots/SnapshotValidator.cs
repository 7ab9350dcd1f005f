using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>The checks Go's decoder or loader makes that System.Text.Json does not: null entries, time syntax, version.</summary>
internal static class SnapshotValidator
{
    public static void Validate(Snapshot s, string path)
    {
        if (s.Version is < 0 or > SnapshotEncoder.CurrentVersion)
        {
            throw new SnapshotCorruptException(SnapshotProblem.UnknownVersion, $"unknown snapshot version {s.Version}", path);
        }

        CheckNoNulls(s.Nodes, "nodes", path);
        CheckNoNulls(s.Networks, "networks", path);
        if (s.Checksum is { Length: > 0 } checksum && checksum.Length != SnapshotChecksum.HexLength)
        {
            throw new SnapshotCorruptException(SnapshotProblem.MalformedChecksum, "checksum is not 64 hex digits", path);
        }

        CheckTimes(s.HandshakeInbox, static m => m?.Timestamp, "handshake_inbox", path);
        CheckTimes(s.HandshakeResponses, static m => m?.Timestamp, "handshake_responses", path);
        CheckTimes(s.InviteInbox, static m => m?.Timestamp, "invite_inbox", path);
    }

    private static void CheckNoNulls<T>(Dictionary<string, T>? map, string member, string path)
        where T : class
    {
        if (map is null)
        {
            return;
        }

        foreach (var (key, value) in map)
        {
            if (value is null)
            {
                throw new SnapshotCorruptException(SnapshotProblem.NullEntry, $"{member}[\"{key}\"] is null", path);
            }
        }
    }

    private static void CheckTimes<T>(Dictionary<string, List<T>?>? map, Func<T, string?> time, string member, string path)
    {
        if (map is null)
        {
            return;
        }

        foreach (var (key, list) in map)
        {
            if (list is null)
            {
                continue;
            }

            for (var i = 0; i < list.Count; i++)
            {
                // null is the zero time (Go leaves the field unchanged); any text must be RFC 3339.
                if (time(list[i]) is { } text && !GoTime.IsRfc3339(text))
                {
                    throw new SnapshotCorruptException(SnapshotProblem.InvalidTime, $"{member}[\"{key}\"][{i}].timestamp \"{text}\" is not RFC 3339", path);
                }
            }
        }
    }
}
