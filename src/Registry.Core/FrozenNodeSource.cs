using Registry.Persistence.Snapshots.Model;

namespace Registry.Core;

/// <summary>Nodes frozen by a capture, converted to the snapshot schema one at a time while the snapshot is encoded.</summary>
/// <remarks>Frozen nodes never change (a mutation clones them first), so reading them outside the registry lock is safe.</remarks>
internal sealed class FrozenNodeSource(NodeState[] nodes) : ISnapshotNodeSource
{
    private readonly List<ushort> _networks = [];
    private readonly List<string> _tags = [];
    private readonly List<string> _lanAddrs = [];
    private readonly TimeTexts _times = new();

    public int Count => nodes.Length;

    public uint IdAt(int index) => nodes[index].Id;

    public void Fill(int index, SnapshotNode target) => Fill(nodes[index], target, _networks, _tags, _lanAddrs, _times);

    /// <summary>Sets every member of <paramref name="target"/> from <paramref name="n"/> (format-spec §4.4); each list given is cleared and reused, a null one is made anew; times come from <paramref name="times"/> when given.</summary>
    internal static void Fill(NodeState n, SnapshotNode target, List<ushort>? networks, List<string>? tags, List<string>? lanAddrs, TimeTexts? times = null)
    {
        target.Id = n.Id;
        target.Owner = n.Owner;
        target.PublicKey = n.PublicKey;
        target.RealAddr = n.RealAddr;
        target.Networks = Refill(networks, n.Networks);
        target.Public = n.Public;
        target.LastSeen = Text(n.LastSeen, times);
        target.Hostname = n.Hostname;
        target.Tags = Refill(tags, n.Tags);
        target.TaskExec = n.TaskExec;
        target.LanAddrs = Refill(lanAddrs, n.LanAddrs);
        target.KeyCreated = Text(n.KeyCreated, times);
        target.KeyRotated = Text(n.KeyRotated, times);
        target.KeyRotCount = n.KeyRotateCount;
        target.KeyExpires = Text(n.KeyExpires, times);
        target.ExternalId = n.ExternalId;
        target.Version = n.Version;
        target.RelayOnly = n.RelayOnly;
    }

    /// <summary>Null for no items (Go's nil slice, written as <c>null</c>), else <paramref name="list"/> (or a new one) holding them.</summary>
    private static List<T>? Refill<T>(List<T>? list, IReadOnlyList<T> items)
    {
        if (items.Count == 0)
        {
            return null;
        }

        list ??= new List<T>(items.Count);
        list.Clear();
        for (var i = 0; i < items.Count; i++)
        {
            list.Add(items[i]);
        }

        return list;
    }

    /// <summary>A time's text (shared through <paramref name="times"/> when given), or null for none (an omitted member).</summary>
    private static string? Text(DateTimeOffset? time, TimeTexts? times) =>
        time is { } value ? times?.Format(value) ?? Times.Format(value) : null;

    /// <summary>Time texts by value: nodes registered or heard from in the same second share one text, so a save formats each second once, not once per node.</summary>
    /// <remarks>At 400k nodes the two texts per node (last seen, key created) were most of what a save still allocated. Bounded: a state with more distinct seconds than this starts over.</remarks>
    internal sealed class TimeTexts
    {
        private const int MaxEntries = 4096;
        private readonly Dictionary<long, string> _texts = [];

        public string Format(DateTimeOffset time)
        {
            if (_texts.TryGetValue(time.UtcTicks, out var text))
            {
                return text;
            }

            if (_texts.Count >= MaxEntries)
            {
                _texts.Clear();
            }

            text = Times.Format(time);
            _texts.Add(time.UtcTicks, text);
            return text;
        }
    }
}
