using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>Reads a Go <c>[2]int64</c> as Go does: extra elements are ignored, missing ones are 0, <c>null</c> is (0, 0).</summary>
internal sealed class MillisIntervalConverter : JsonConverter<MillisInterval>
{
    public override bool HandleNull => true;

    public override MillisInterval Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected a [2]int64 array");
        }

        Span<long> values = stackalloc long[2];
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // Go still type-checks the extra elements it drops, so every element must be an integer or null.
            var value = reader.TokenType switch
            {
                JsonTokenType.Number => reader.GetInt64(),
                JsonTokenType.Null => 0,
                _ => throw new JsonException("expected an integer in a [2]int64 array"),
            };
            if (index < 2)
            {
                values[index] = value;
            }

            index++;
        }

        return new MillisInterval(values[0], values[1]);
    }

    public override void Write(Utf8JsonWriter writer, MillisInterval value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Start);
        writer.WriteNumberValue(value.End);
        writer.WriteEndArray();
    }
}
