using System.Collections;

namespace Registry.Core;

/// <summary>A network's members: a set that remembers join order.</summary>
/// <remarks>
/// Go keeps a slice, which makes every membership test and removal linear; with a million backbone members
/// that is a million steps per register or reap. Here add, remove and contains are O(1), and the join order is kept
/// as it happens: members sit in an array in the order they joined, a removal leaves a hole (a bit in a map of
/// holes) and the array is compacted once holes are the majority. Enumeration, which only list_nodes, snapshots and
/// role backfill need, copies the array without its holes once and caches the copy until the next change. Adding a
/// present member keeps its place, as Go's "append if absent" does.
/// Why not sort by a join stamp on enumeration (the first version): the backbone holds every node, and each
/// snapshot capture copied a map of all of them under the registry lock and then sorted them, hundreds of thousands
/// of entries on the large-object heap per save.
/// </remarks>
internal sealed class MemberList : IEnumerable<uint>
{
    private const int MinHolesToCompact = 32;

    /// <summary>Each member's position in <see cref="_order"/>; built on first need in a copy made by <see cref="Clone"/>.</summary>
    private Dictionary<uint, int>? _slots;
    private uint[] _order;
    private ulong[] _holes;
    private int _used;
    private int _holeCount;
    private uint[]? _ordered;

    public MemberList()
    {
        _slots = [];
        _order = [];
        _holes = [];
    }

    private MemberList(uint[] ordered)
    {
        _order = ordered;
        _used = ordered.Length;
        _holes = new ulong[(ordered.Length + 63) / 64];
        _ordered = ordered;
    }

    public int Count => _used - _holeCount;

    /// <summary>An independent copy, made from the members in join order (shared with this list's cache, which is replaced, never changed).</summary>
    public MemberList Clone() => new(_ordered ??= Live());

    public bool Contains(uint nodeId) => Slots.ContainsKey(nodeId);

    /// <summary>Appends the member unless present; returns whether it was added.</summary>
    public bool Add(uint nodeId)
    {
        if (!Slots.TryAdd(nodeId, _used))
        {
            return false;
        }

        if (_used == _order.Length)
        {
            // A new array, never a write into one that a copy may share.
            Array.Resize(ref _order, Math.Max(4, _order.Length * 2));
            Array.Resize(ref _holes, (_order.Length + 63) / 64);
        }

        _order[_used++] = nodeId;
        _ordered = null;
        return true;
    }

    public bool Remove(uint nodeId)
    {
        if (!Slots.Remove(nodeId, out var slot))
        {
            return false;
        }

        _holes[slot / 64] |= 1UL << (slot % 64);
        _holeCount++;
        _ordered = null;
        if (_holeCount >= MinHolesToCompact && _holeCount * 2 > _used)
        {
            Compact();
        }

        return true;
    }

    /// <summary>The members in join order (cached until the next change).</summary>
    public IReadOnlyList<uint> InOrder() => _ordered ??= Live();

    public IEnumerator<uint> GetEnumerator() => InOrder().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<uint, int> Slots => _slots ??= BuildSlots();

    private uint[] Live()
    {
        var live = new uint[Count];
        var n = 0;
        for (var slot = 0; slot < _used; slot++)
        {
            if ((_holes[slot / 64] & (1UL << (slot % 64))) == 0)
            {
                live[n++] = _order[slot];
            }
        }

        return live;
    }

    /// <summary>Drops the holes: new arrays (a copy may share the old order array) and every member's new position.</summary>
    private void Compact()
    {
        var live = Live();
        _order = live;
        _used = live.Length;
        _holes = new ulong[(live.Length + 63) / 64];
        _holeCount = 0;
        _slots = BuildSlots();
    }

    private Dictionary<uint, int> BuildSlots()
    {
        var slots = new Dictionary<uint, int>(Count);
        for (var slot = 0; slot < _used; slot++)
        {
            if ((_holes[slot / 64] & (1UL << (slot % 64))) == 0)
            {
                slots.Add(_order[slot], slot);
            }
        }

        return slots;
    }
}
