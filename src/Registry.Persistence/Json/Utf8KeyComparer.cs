namespace Registry.Persistence.Json;

/// <summary>
/// Orders strings by their UTF-8 bytes, which is code-point order and the order Go writes map keys in
/// (format-spec §6.5). <see cref="StringComparer.Ordinal"/> compares UTF-16 code units and puts U+FF71 after U+1F680.
/// </summary>
public sealed class Utf8KeyComparer : IComparer<string>
{
    private Utf8KeyComparer()
    {
    }

    /// <summary>The single instance.</summary>
    public static Utf8KeyComparer Instance { get; } = new();

    /// <summary>Compares two strings in code-point order; <see langword="null"/> sorts first.</summary>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var common = x.AsSpan().CommonPrefixLength(y);
        if (common == x.Length || common == y.Length)
        {
            return x.Length - y.Length;
        }

        return Fix(x[common]) - Fix(y[common]);
    }

    // Code-unit order equals code-point order except that surrogates (U+D800–DFFF, which stand for U+10000 and
    // above) must sort after U+E000–FFFF: shift the two ranges past each other.
    private static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
}
