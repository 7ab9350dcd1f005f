using System.Globalization;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Cli;

/// <summary>The human-readable summary printed by <c>registry snapshot show</c>.</summary>
internal static class SnapshotSummary
{
    private const int ListLimit = 20;

    public static void Write(TextWriter o, VerifiedSnapshot file)
    {
        var s = file.Snapshot;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"file:          {file.Path} ({file.Length} bytes)"));
        o.WriteLine(string.Create(inv, $"version:       {file.Version}{(file.IsLegacy ? " (legacy, no checksum)" : string.Empty)}"));
        o.WriteLine(string.Create(inv, $"checksum:      {file.Checksum ?? "-"}"));
        o.WriteLine(string.Create(inv, $"wal_seq:       {s.WalSeq}"));
        o.WriteLine(string.Create(inv, $"next_node:     {s.NextNode}"));
        o.WriteLine(string.Create(inv, $"next_net:      {s.NextNet}"));
        o.WriteLine(string.Create(inv, $"start_time:    {s.StartTime ?? "-"}"));
        o.WriteLine(string.Create(inv, $"nodes:         {s.Nodes?.Count ?? 0}  ids: {Ids(s.Nodes?.Values.Select(n => (ulong)n.Id))}"));
        o.WriteLine(string.Create(inv, $"networks:      {s.Networks?.Count ?? 0}  ids: {Ids(s.Networks?.Values.Select(n => (ulong)n.Id))}"));
        o.WriteLine(string.Create(inv, $"trust pairs:   {s.TrustPairs?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"pub_key_idx:   {s.PubKeyIdx?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"inboxes:       handshakes {Sum(s.HandshakeInbox)} in {s.HandshakeInbox?.Count ?? 0}, responses {Sum(s.HandshakeResponses)} in {s.HandshakeResponses?.Count ?? 0}, invites {Sum(s.InviteInbox)} in {s.InviteInbox?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"history:       hourly {s.HourlyHistory?.Count ?? 0}, daily {s.DailyHistory?.Count ?? 0}, per-network hourly {Sum(s.NetHourlyHistory)} in {s.NetHourlyHistory?.Count ?? 0}, daily {Sum(s.NetDailyHistory)} in {s.NetDailyHistory?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"audit log:     {s.AuditLog?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"probes:        {s.ProbeStates?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"restarts:      {s.RestartEvents?.Count ?? 0}, downtime intervals {s.DowntimeIntervals?.Count ?? 0}"));
        o.WriteLine(string.Create(inv, $"config:        idp {(s.IdpConfig is null ? "no" : s.IdpConfig.Type)}, audit export {(s.AuditExportConfig is null ? "no" : s.AuditExportConfig.Format)}, rbac pre-assign {Sum(s.RbacPreAssign)}"));
        o.WriteLine("largest networks:");
        var largest = (s.Networks?.Values ?? Enumerable.Empty<SnapshotNet>())
            .OrderByDescending(n => n.Members?.Count ?? 0)
            .ThenBy(n => n.Id)
            .Take(5);
        foreach (var n in largest)
        {
            o.WriteLine(string.Create(inv, $"  {n.Id,5}  {n.Members?.Count ?? 0,7} members  {n.JoinRule}  {n.Name}"));
        }
    }

    private static string Ids(IEnumerable<ulong>? ids)
    {
        if (ids is null)
        {
            return "-";
        }

        var sorted = ids.Order().ToList();
        var shown = string.Join(",", sorted.Take(ListLimit).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        return sorted.Count > ListLimit ? $"{shown},... (max {sorted[^1].ToString(CultureInfo.InvariantCulture)})" : shown;
    }

    private static int Sum<T>(Dictionary<string, List<T>?>? map) => map?.Values.Sum(l => l?.Count ?? 0) ?? 0;
}
