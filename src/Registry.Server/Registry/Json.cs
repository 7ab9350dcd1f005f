using System.Text;
using System.Text.Json;

namespace Registry.Server.Registry;

/// <summary>Small readers and writers shared by the handlers: JSON document members of requests, arrays and times of responses.</summary>
internal static class Json
{
    /// <summary>Writes <paramref name="name"/> as an array of strings (an empty list stays an empty array, as Go marshals a non-nil slice).</summary>
    public static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>Unix seconds of a timestamp, as the protocol's <c>created</c>/<c>timestamp</c> members.</summary>
    public static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();

    /// <summary>A timestamp as Go's <c>time.RFC3339</c> text in UTC, whole seconds (<c>2026-05-12T08:00:00Z</c>): the same text deltas carry.</summary>
    public static string Rfc3339(DateTimeOffset time) => Persistence.Deltas.Payloads.DeltaPayload.FormatTimestamp(time);

    /// <summary>A JSON document member given either as a JSON string holding the document or as the object itself; null when absent or empty.</summary>
    /// <remarks>Used for <c>rules</c> and <c>expr_policy</c>, which Go accepts in both shapes.</remarks>
    public static ReadOnlyMemory<byte>? ReadDocument(JsonElement request, string name)
    {
        if (!request.TryGetProperty(name, out var member))
        {
            return null;
        }

        return member.ValueKind switch
        {
            JsonValueKind.String when member.GetString() is { Length: > 0 } text => Encoding.UTF8.GetBytes(text),
            JsonValueKind.Object => Encoding.UTF8.GetBytes(member.GetRawText()),
            _ => null,
        };
    }
}
