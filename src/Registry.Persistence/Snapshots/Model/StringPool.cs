using System.Text;
using System.Text.Json;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>
/// Shares one string instance between equal values while a snapshot is decoded. Used only for low-cardinality
/// members (versions, roles, join rules, tags, sample names, audit actions), which repeat thousands of times;
/// pooling mostly-unique values (keys, owners, times) was measured to cost more in lookup-table memory than it saved.
/// </summary>
/// <remarks>
/// Active only on the thread running <see cref="SnapshotReader"/> (set through <see cref="Enter"/>); outside a
/// read the converters allocate normally. Only short, unescaped values are pooled, and the pool stops growing at
/// <see cref="MaxEntries"/> so that a file of unique values costs a bounded lookup table.
/// </remarks>
internal sealed class StringPool
{
    private const int MaxEntries = 262_144;
    private const int MaxPooledBytes = 96;

    [ThreadStatic]
    private static StringPool? t_current;

    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Starts pooling on this thread until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        var previous = t_current;
        t_current = new StringPool();
        return new Scope(previous);
    }

    /// <summary>Reads the current string token, pooled when a pool is active; <paramref name="add"/> false only reuses existing entries.</summary>
    public static string ReadString(ref Utf8JsonReader reader, bool add = true)
    {
        var pool = t_current;
        if (pool is null || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxPooledBytes)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxPooledBytes];
        int length;
        try
        {
            length = Encoding.UTF8.GetChars(reader.ValueSpan, chars);
        }
        catch (DecoderFallbackException)
        {
            return reader.GetString()!;
        }

        var text = chars[..length];
        if (pool._lookup.TryGetValue(text, out var existing))
        {
            return existing;
        }

        var created = new string(text);
        if (add && pool._strings.Count < MaxEntries)
        {
            pool._strings[created] = created;
        }

        return created;
    }

    /// <summary>Restores the previous pool (normally none) when a read ends.</summary>
    public readonly struct Scope(StringPool? previous) : IDisposable
    {
        /// <summary>Ends pooling.</summary>
        public void Dispose() => t_current = previous;
    }
}
