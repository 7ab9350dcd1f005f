using System.Globalization;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Cli.Bench;

/// <summary>Builds a deterministic, realistically shaped registry snapshot for the benchmark (about 400 bytes of JSON per node).</summary>
internal static class SnapshotBenchData
{
    public static Snapshot Build(int nodeCount, int networkCount, int seed = 42)
    {
        var random = new Random(seed);
        var inv = CultureInfo.InvariantCulture;
        var baseTime = new DateTime(2026, 5, 12, 0, 0, 0, DateTimeKind.Utc);
        string Time(int secondsAgo) => baseTime.AddSeconds(-secondsAgo).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", inv);

        var nodes = new Dictionary<string, SnapshotNode>(nodeCount, StringComparer.Ordinal);
        var pubKeys = new Dictionary<string, uint>(nodeCount, StringComparer.Ordinal);
        var networks = new Dictionary<string, SnapshotNet>(networkCount, StringComparer.Ordinal);
        var key = new byte[32];
        for (var n = 0; n < networkCount; n++)
        {
            var id = (ushort)n;
            networks[id.ToString(inv)] = new SnapshotNet
            {
                Id = id,
                Name = n == 0 ? "backbone" : $"net-{n:D4}",
                JoinRule = n == 0 ? "open" : (n % 3) switch { 0 => "open", 1 => "token", _ => "invite" },
                Token = n % 3 == 1 ? $"tok-{random.Next():x8}" : null,
                Members = [],
                MemberRoles = n == 0 ? null : new Dictionary<string, string?>(StringComparer.Ordinal),
                AdminToken = n % 5 == 0 && n > 0 ? $"adm-{random.Next():x8}" : null,
                RequestCount = random.Next(0, 1_000_000),
                Created = Time(random.Next(1, 10_000_000)),
                Enterprise = n % 10 == 0 && n > 0,
            };
        }

        for (var i = 1; i <= nodeCount; i++)
        {
            var id = (uint)i;
            random.NextBytes(key);
            var publicKey = Convert.ToBase64String(key);
            var member = (ushort)(1 + random.Next(Math.Max(1, networkCount - 1)));
            var node = new SnapshotNode
            {
                Id = id,
                Owner = i % 4 == 0 ? null : $"user{i}@example.com",
                PublicKey = publicKey,
                RealAddr = $"203.0.{(i >> 8) & 0xFF}.{i & 0xFF}:4000",
                Networks = networkCount > 1 ? [0, member] : [0],
                Public = i % 7 == 0,
                LastSeen = Time(random.Next(0, 86_400)),
                Hostname = $"host-{i:D6}.lab",
                Tags = i % 3 == 0 ? ["gpu", "edge"] : null,
                TaskExec = i % 11 == 0,
                LanAddrs = [$"192.168.{(i >> 8) & 0xFF}.{i & 0xFF}:4000"],
                KeyCreated = Time(random.Next(86_400, 9_000_000)),
                KeyRotCount = i % 13 == 0 ? 1 : 0,
                KeyRotated = i % 13 == 0 ? Time(random.Next(0, 86_400)) : null,
                ExternalId = i % 5 == 0 ? $"ext-{i}" : null,
                Version = "v1.10.0",
            };
            var key10 = id.ToString(inv);
            nodes[key10] = node;
            pubKeys[publicKey] = id;
            networks["0"].Members!.Add(id);
            if (networkCount > 1)
            {
                var net = networks[member.ToString(inv)];
                net.Members!.Add(id);
                net.MemberRoles![key10] = net.Members.Count == 1 ? "owner" : "member";
            }
        }

        var trustPairs = new List<string>(nodeCount);
        for (var i = 0; i < nodeCount; i++)
        {
            var a = 1 + random.Next(nodeCount);
            var b = 1 + random.Next(nodeCount);
            trustPairs.Add($"{Math.Min(a, b)}:{Math.Max(a, b)}");
        }

        return new Snapshot
        {
            Version = 1,
            NextNode = (uint)nodeCount + 1,
            NextNet = (ushort)networkCount,
            Nodes = nodes,
            Networks = networks,
            TrustPairs = trustPairs,
            PubKeyIdx = pubKeys,
            HandshakeInbox = Inbox(random, nodeCount, 500, inv),
            TotalRequests = 987_654_321,
            TotalNodes = nodeCount,
            OnlineNodes = nodeCount * 3 / 4,
            TrustLinks = trustPairs.Count,
            UniqueTags = 2,
            TaskExecutors = nodeCount / 11,
            StartTime = Time(3_600),
            RestartEvents = [1_777_780_800_000, 1_778_385_600_000],
            LastHeartbeat = 1_778_579_998_000,
            HourlyHistory = Samples(24, 3_600),
            DailyHistory = Samples(30, 86_400),
            NetHourlyHistory = NetSamples(networks, 24, 3_600),
            NetDailyHistory = NetSamples(networks, 30, 86_400),
            AuditLog = [.. Enumerable.Range(0, 1000).Select(i => new AuditEntry
            {
                Timestamp = Time(i * 60),
                Action = i % 2 == 0 ? "node.registered" : "network.joined",
                NodeId = (uint)(1 + (i % nodeCount)),
                NetworkId = (ushort)(i % networkCount),
                Details = "mode=new_node",
            })],
            WalSeq = (ulong)nodeCount * 3,
        };
    }

    private static Dictionary<string, List<HandshakeRelayMsg>?> Inbox(Random random, int nodeCount, int count, CultureInfo inv)
    {
        var inbox = new Dictionary<string, List<HandshakeRelayMsg>?>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var to = (1 + random.Next(nodeCount)).ToString(inv);
            if (!inbox.TryGetValue(to, out var list) || list is null)
            {
                inbox[to] = list = [];
            }

            list.Add(new HandshakeRelayMsg { FromNodeId = (uint)(1 + random.Next(nodeCount)), Justification = "please <trust> me", Timestamp = "2026-05-12T09:30:00.123456789Z" });
        }

        return inbox;
    }

    private static List<StatsSample> Samples(int count, int step) =>
        [.. Enumerable.Range(0, count).Select(i => new StatsSample { Timestamp = 1_778_500_000 + ((long)i * step), TotalNodes = 100_000, OnlineNodes = 75_000, TrustLinks = 100_000, TotalRequests = 987_000_000 + i })];

    private static Dictionary<string, List<NetworkSampleEntry>?> NetSamples(Dictionary<string, SnapshotNet> networks, int count, int step)
    {
        var result = new Dictionary<string, List<NetworkSampleEntry>?>(networks.Count, StringComparer.Ordinal);
        foreach (var (key, net) in networks)
        {
            result[key] = [.. Enumerable.Range(0, count).Select(i => new NetworkSampleEntry
            {
                Timestamp = 1_778_500_000 + ((long)i * step),
                Id = net.Id,
                Name = net.Name,
                Members = net.Members?.Count ?? 0,
                Online = (net.Members?.Count ?? 0) / 2,
                Requests = net.RequestCount,
            })];
        }

        return result;
    }
}
