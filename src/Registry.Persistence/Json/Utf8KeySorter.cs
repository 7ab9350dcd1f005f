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
        if (keys.Length < 2)
        {
            return;
        }

        // Sort (prefix, original index) pairs as plain 128-bit integers: no comparer calls and no reference swaps
        // (each reference store into a large array pays a GC write barrier); the strings are placed once afterwards.
        var packed = new UInt128[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            packed[i] = new UInt128(Prefix(keys[i]), (ulong)i);
        }

        Array.Sort(packed);
        var original = (string[])keys.Clone();
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = original[(int)(ulong)packed[i]];
        }

        var start = 0;
        for (var i = 1; i <= keys.Length; i++)
        {
            if (i == keys.Length || (ulong)(packed[i] >> 64) != (ulong)(packed[start] >> 64))
            {
                if (i - start > 1)
                {
                    Array.Sort(keys, start, i - start, Utf8KeyComparer.Instance);
                }

                start = i;
            }
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
