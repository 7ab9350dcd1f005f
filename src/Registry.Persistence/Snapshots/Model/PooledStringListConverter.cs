using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A list of repeating strings (tags); <c>null</c> stays <see langword="null"/>, <c>[]</c> stays empty; a <c>null</c> element is <c>""</c> as in Go.</summary>
internal sealed class PooledStringListConverter : JsonConverter<List<string>>
{
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of strings, found {reader.TokenType}");
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.TokenType switch
            {
                JsonTokenType.String => StringPool.ReadString(ref reader),
                JsonTokenType.Null => string.Empty,
                _ => throw new JsonException($"expected a string, found {reader.TokenType}"),
            });
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
