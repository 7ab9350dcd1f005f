using System.Collections;

namespace Registry.Core;

/// <summary>A network's members: a set that remembers join order.</summary>
/// <remarks>
/// Go keeps a slice, which makes every membership test and removal linear; with a million backbone members
/// that is a million steps per register or reap. Here add, remove and contains are O(1); enumeration, which
/// only list_nodes, snapshots and role backfill need, sorts by join order once and caches the result until
/// the next change. Adding a present member keeps its place, as Go's "append if absent" does.
/// </remarks>
internal sealed class MemberList : IEnumerable<uint>
{
    private readonly Dictionary<uint, long> _joinOrder;
    private long _next;
    private uint[]? _ordered;

    public MemberList()
    {
        _joinOrder = [];
    }

    private MemberList(MemberList other)
    {
        _joinOrder = new Dictionary<uint, long>(other._joinOrder);
        _next = other._next;
        _ordered = other._ordered;
    }

    public int Count => _joinOrder.Count;

    /// <summary>An independent copy (the cached order array is shared: it is replaced, never changed, on the next change).</summary>
    public MemberList Clone() => new(this);

    public bool Contains(uint nodeId) => _joinOrder.ContainsKey(nodeId);

    /// <summary>Appends the member unless present; returns whether it was added.</summary>
    public bool Add(uint nodeId)
    {
        if (!_joinOrder.TryAdd(nodeId, _next))
        {
            return false;
        }

        _next++;
        _ordered = null;
        return true;
    }

    public bool Remove(uint nodeId)
    {
        if (!_joinOrder.Remove(nodeId))
        {
            return false;
        }

        _ordered = null;
        return true;
    }

    /// <summary>The members in join order (cached until the next change).</summary>
    public IReadOnlyList<uint> InOrder() =>
        _ordered ??= [.. _joinOrder.OrderBy(p => p.Value).Select(p => p.Key)];

    public IEnumerator<uint> GetEnumerator() => InOrder().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
