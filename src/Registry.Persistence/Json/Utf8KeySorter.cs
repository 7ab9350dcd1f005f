using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace Registry.Persistence.Json;

/// <summary>
/// Sorts map keys into Go's order (UTF-8 bytes, §6.5) fast: keys are ordered by their first eight UTF-8 bytes as one
/// integer (a primitive sort, no comparer calls), then runs that share those bytes are finished with
/// <see cref="Utf8KeyComparer"/>. Sorting the 100,000 node ids this way is several times faster than a comparer sort.
/// </summary>
public static class Utf8KeySorter
{
    /// <summary>Sorts <paramref name="keys"/> in place in UTF-8 byte order.</summary>
    public static void Sort(string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var order = new int[keys.Length];
        Order(keys, order);
        var original = (string[])keys.Clone();
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = original[order[i]];
        }
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the indices of <paramref name="keys"/> in UTF-8 byte order of the keys.
    /// Callers holding parallel key and value arrays (a copied map) then walk them without any lookups.
    /// </summary>
    /// <remarks>Works in pooled buffers: a 100,000-entry map would otherwise allocate on the large-object heap at
    /// every save, which provokes full collections of the whole registry.</remarks>
    public static void Order(ReadOnlySpan<string> keys, Span<int> order)
    {
        if (order.Length < keys.Length)
        {
            throw new ArgumentException("order must be as long as keys", nameof(order));
        }

        // Sort (prefix, index) pairs as plain 128-bit integers: no comparer calls and no reference swaps.
        var rented = ArrayPool<UInt128>.Shared.Rent(keys.Length);
        try
        {
            var packed = rented.AsSpan(0, keys.Length);
            for (var i = 0; i < keys.Length; i++)
            {
                packed[i] = new UInt128(Prefix(keys[i]), (ulong)i);
            }

            packed.Sort();
            for (var i = 0; i < packed.Length; i++)
            {
                order[i] = (int)(ulong)packed[i];
            }

            // Keys sharing their first 8 bytes are adjacent; finish those runs with the exact comparer.
            var start = 0;
            for (var i = 1; i <= packed.Length; i++)
            {
                if (i == packed.Length || (ulong)(packed[i] >> 64) != (ulong)(packed[start] >> 64))
                {
                    SortRun(keys, order.Slice(start, i - start));
                    start = i;
                }
            }
        }
        finally
        {
            ArrayPool<UInt128>.Shared.Return(rented);
        }
    }

    private static void SortRun(ReadOnlySpan<string> keys, Span<int> run)
    {
        if (run.Length < 2)
        {
            return;
        }

        // Runs are short in practice (keys rarely share 8 bytes); insertion sort keeps them stable and allocation-free.
        for (var i = 1; i < run.Length; i++)
        {
            var item = run[i];
            var j = i - 1;
            while (j >= 0 && Utf8KeyComparer.Instance.Compare(keys[run[j]], keys[item]) > 0)
            {
                run[j + 1] = run[j];
                j--;
            }

            run[j + 1] = item;
        }
    }

    // The first 8 UTF-8 bytes, big-endian, zero-padded: comparing these integers compares the byte prefixes.
    // Equal prefixes (including keys that differ only after byte 8, or by trailing U+0000) go to the full comparer.
    private static ulong Prefix(string key)
    {
        // Encode 9 chars (at most 27 bytes) so that neither a character nor a surrogate pair is cut before byte 8.
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        _ = Utf8.FromUtf16(key.AsSpan(0, Math.Min(key.Length, 9)), bytes, out _, out _, replaceInvalidSequences: true, isFinalBlock: false);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }
}
