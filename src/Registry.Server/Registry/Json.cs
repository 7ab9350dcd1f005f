using System.Text.Json;

namespace Registry.Server.Registry;

/// <summary>Small writers shared by the handlers' responses.</summary>
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
}
