using System.Text.Json;

namespace Registry.Core;

/// <summary>The request validation rules of wire-protocol §2.3, with the protocol's exact error texts.</summary>
/// <remarks>Check methods return the error text, or null when the value is acceptable; callers choose the error code and any prefix.</remarks>
internal static class Validation
{
    public const int MaxHostnameLength = 63;
    public const int MaxNetworkNameLength = 63;
    public const int MaxTags = 10;
    public const int MaxTagLength = 32;
    public const int PublicKeyLength = 32;

    private static readonly HashSet<string> _reservedHostnames = new(StringComparer.Ordinal) { "localhost", "backbone", "broadcast" };

    /// <summary>Checks a non-empty hostname (empty clears and is checked by the caller).</summary>
    public static string? CheckHostname(string hostname)
    {
        if (hostname.Length > MaxHostnameLength)
        {
            return "hostname too long (max 63 chars)";
        }

        if (!IsLabel(hostname))
        {
            return "hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric";
        }

        return _reservedHostnames.Contains(hostname) ? $"hostname \"{hostname}\" is reserved" : null;
    }

    public static string? CheckNetworkName(string name)
    {
        if (name.Length == 0)
        {
            return "network name required";
        }

        if (name.Length > MaxNetworkNameLength)
        {
            return "network name too long (max 63 chars)";
        }

        if (!IsLabel(name))
        {
            return "network name must be lowercase alphanumeric with hyphens, start/end with alphanumeric";
        }

        return string.Equals(name, "backbone", StringComparison.Ordinal) ? "network name \"backbone\" is reserved" : null;
    }

    /// <summary>Normalizes a tag list (one leading <c>#</c> stripped, duplicates dropped, order kept) and checks it.</summary>
    public static List<string> NormalizeTags(IEnumerable<string> tags, out string? error)
    {
        var result = new List<string>();
        error = null;
        foreach (var raw in tags)
        {
            var tag = raw.StartsWith('#') ? raw[1..] : raw;
            if (tag.Length == 0)
            {
                error = "empty tag not allowed";
                return result;
            }

            if (tag.Length > MaxTagLength)
            {
                error = $"tag \"{tag}\" too long (max 32 chars)";
                return result;
            }

            if (!IsLabel(tag))
            {
                error = $"tag \"{tag}\" must be lowercase alphanumeric with hyphens";
                return result;
            }

            if (!result.Contains(tag, StringComparer.Ordinal))
            {
                result.Add(tag);
            }
        }

        if (result.Count > MaxTags)
        {
            error = "too many tags (max 10)";
        }

        return result;
    }

    /// <summary>Checks that text is standard base64 of a 32-byte key; returns the reason otherwise.</summary>
    public static string? CheckPublicKey(string key)
    {
        if (DecodedBase64Length(key) is not { } written)
        {
            return "illegal base64 data";
        }

        return written == PublicKeyLength ? null : $"key must be {PublicKeyLength} bytes, got {written}";
    }

    /// <summary>Whether text is valid standard base64 (any length); replay of Go kinds only requires this.</summary>
    public static bool IsBase64(string text) => DecodedBase64Length(text) is not null;

    /// <summary>The number of bytes <paramref name="text"/> decodes to, or null when it is not base64 (the rules of <see cref="Convert.TryFromBase64String"/>).</summary>
    /// <remarks>Decodes into the stack for texts of keys and signatures: every register checks a key twice, and a heap buffer each time was ~150 bytes of garbage per request.</remarks>
    private static int? DecodedBase64Length(string text)
    {
        var size = (text.Length * 3 / 4) + 3;
        Span<byte> bytes = size <= 256 ? stackalloc byte[256] : new byte[size];
        return Convert.TryFromBase64String(text, bytes, out var written) ? written : null;
    }

    /// <summary>Checks an expression policy document: a JSON object whose <c>version</c> is 1.</summary>
    public static string? CheckExprPolicy(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "invalid expr_policy: must be a JSON object";
            }

            return doc.RootElement.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number
                && version.TryGetInt32(out var v) && v == 1
                ? null
                : "invalid expr_policy: version must be 1";
        }
        catch (JsonException ex)
        {
            return "invalid expr_policy: " + ex.Message;
        }
    }

    /// <summary>The shared shape of hostnames, network names and tags: <c>^[a-z0-9]([a-z0-9-]*[a-z0-9])?$</c> (lengths checked by callers).</summary>
    private static bool IsLabel(string text)
    {
        if (text.Length == 0 || !IsAlnum(text[0]) || !IsAlnum(text[^1]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsAlnum(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
