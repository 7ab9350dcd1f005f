namespace Registry.Server.Observability;

/// <summary>An allocation-free dictionary key for a measurement's tags (up to three), so recording a request never formats label text.</summary>
/// <remarks>
/// Built straight from the tag span the instrument hands the listener; compares keys ordinally and values with
/// <see cref="object.Equals(object?, object?)"/> (boxed numbers compare by value). More than three tags fall back to the
/// formatted label string, which is correct but allocates.
/// </remarks>
internal readonly struct TagKey : IEquatable<TagKey>
{
    private readonly string? _k0;
    private readonly object? _v0;
    private readonly string? _k1;
    private readonly object? _v1;
    private readonly string? _k2;
    private readonly object? _v2;
    private readonly string? _overflow;

    public TagKey(ReadOnlySpan<KeyValuePair<string, object?>> tags, string? overflowLabels)
    {
        this = default;
        switch (tags.Length)
        {
            case 0:
                break;
            case <= 3:
                (_k0, _v0) = (tags[0].Key, tags[0].Value);
                if (tags.Length > 1)
                {
                    (_k1, _v1) = (tags[1].Key, tags[1].Value);
                }

                if (tags.Length > 2)
                {
                    (_k2, _v2) = (tags[2].Key, tags[2].Value);
                }

                break;
            default:
                _overflow = overflowLabels ?? throw new ArgumentNullException(nameof(overflowLabels));
                break;
        }
    }

    public bool Equals(TagKey other) =>
        string.Equals(_k0, other._k0, StringComparison.Ordinal) && Equals(_v0, other._v0)
        && string.Equals(_k1, other._k1, StringComparison.Ordinal) && Equals(_v1, other._v1)
        && string.Equals(_k2, other._k2, StringComparison.Ordinal) && Equals(_v2, other._v2)
        && string.Equals(_overflow, other._overflow, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is TagKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(
        _k0 is null ? 0 : StringComparer.Ordinal.GetHashCode(_k0), _v0,
        _k1 is null ? 0 : StringComparer.Ordinal.GetHashCode(_k1), _v1,
        _k2 is null ? 0 : StringComparer.Ordinal.GetHashCode(_k2), _v2,
        _overflow is null ? 0 : StringComparer.Ordinal.GetHashCode(_overflow));
}
