using System.Text.Json;

namespace Registry.Server.Protocol;

/// <summary>Reads request members with the wire protocol's lenient rules (§1.2): a wrong-typed or missing member reads as its zero value.</summary>
/// <remarks>
/// Go decodes requests into <c>map[string]interface{}</c>, so numbers are doubles and a type mismatch is silently
/// zero. These helpers reproduce that instead of throwing, because handlers then report the domain error
/// ("node 0: node not found") exactly as the Go server does.
/// </remarks>
public static class RequestFields
{
    /// <summary>The member as a uint32 (node ids): a JSON number in [0, 4294967295], fraction truncated; anything else → 0.</summary>
    public static uint GetUInt32(JsonElement request, string name) =>
        TryGetNumber(request, name, uint.MaxValue, out var value) ? (uint)value : 0;

    /// <summary>The member as a uint16 (network ids): a JSON number in [0, 65535], fraction truncated; anything else → 0.</summary>
    public static ushort GetUInt16(JsonElement request, string name) =>
        TryGetNumber(request, name, ushort.MaxValue, out var value) ? (ushort)value : (ushort)0;

    /// <summary>The member as a non-negative integer up to <paramref name="max"/> (limits, counts); anything else → 0.</summary>
    public static long GetInt64(JsonElement request, string name, long max) =>
        TryGetNumber(request, name, max, out var value) ? (long)value : 0;

    /// <summary>The member as an unsigned 64-bit integer (sequence numbers), or null when it is missing or not an integer in range.</summary>
    public static ulong? GetOptionalUInt64(JsonElement request, string name) =>
        TryGet(request, name, out var member) && member.ValueKind == JsonValueKind.Number && member.TryGetUInt64(out var value) ? value : null;

    /// <summary>The member as a string; missing or non-string → empty.</summary>
    public static string GetString(JsonElement request, string name) =>
        TryGet(request, name, out var member) && member.ValueKind == JsonValueKind.String ? member.GetString()! : string.Empty;

    /// <summary>True when the member is present and is a string (so "" can be told apart from missing).</summary>
    public static bool HasString(JsonElement request, string name) =>
        TryGet(request, name, out var member) && member.ValueKind == JsonValueKind.String;

    /// <summary>The member as a bool; missing or non-bool → false.</summary>
    public static bool GetBool(JsonElement request, string name) =>
        TryGet(request, name, out var member) && member.ValueKind == JsonValueKind.True;

    /// <summary>The member as a list of strings; missing or non-array → empty; non-string elements are skipped, as a Go type assertion per element would.</summary>
    public static IReadOnlyList<string> GetStringArray(JsonElement request, string name)
    {
        if (!TryGet(request, name, out var member) || member.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<string>(member.GetArrayLength());
        foreach (var item in member.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                list.Add(item.GetString()!);
            }
        }

        return list;
    }

    /// <summary>The member as a list of non-negative integers (ports): elements that are JSON numbers in [0, 2147483647], fractions truncated; other elements are skipped, as a per-element type assertion would.</summary>
    /// <remarks>Out-of-range values that fit (0, 70000) are kept so the domain check can name them in its error.</remarks>
    public static IReadOnlyList<int> GetInt32Array(JsonElement request, string name)
    {
        if (!TryGet(request, name, out var member) || member.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<int>(member.GetArrayLength());
        foreach (var item in member.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var number) && number >= 0 && number <= int.MaxValue)
            {
                list.Add((int)Math.Truncate(number));
            }
        }

        return list;
    }

    /// <summary>The request's <c>type</c> member, or empty when missing or not a string.</summary>
    public static string GetRequestType(JsonElement request) => GetString(request, "type");

    private static bool TryGetNumber(JsonElement request, string name, double max, out double value)
    {
        value = 0;
        if (!TryGet(request, name, out var member) || member.ValueKind != JsonValueKind.Number || !member.TryGetDouble(out var number))
        {
            return false;
        }

        if (double.IsNaN(number) || number < 0 || number > max)
        {
            return false;
        }

        value = Math.Truncate(number);
        return true;
    }

    private static bool TryGet(JsonElement request, string name, out JsonElement member)
    {
        if (request.ValueKind == JsonValueKind.Object && request.TryGetProperty(name, out member))
        {
            return true;
        }

        member = default;
        return false;
    }
}
