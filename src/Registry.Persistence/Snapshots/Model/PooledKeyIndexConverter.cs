using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>
/// <c>pub_key_idx</c>: its keys are the nodes' <c>public_key</c> values, already pooled while the nodes (written
/// earlier in the file) were decoded, so the keys reuse those instances. Duplicate keys: the last wins, as in Go.
/// </summary>
internal sealed class PooledKeyIndexConverter : JsonConverter<Dictionary<string, uint>>
{
    public override Dictionary<string, uint>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object, found {reader.TokenType}");
        }

        var map = new Dictionary<string, uint>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringPool.ReadString(ref reader, add: false);
            _ = reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                // Go leaves the zero value for a null map element.
                map[key] = 0;
                continue;
            }

            map[key] = reader.TokenType == JsonTokenType.Number ? reader.GetUInt32() : throw new JsonException($"expected a node id, found {reader.TokenType}");
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, uint> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (key, id) in value)
        {
            writer.WriteNumber(key, id);
        }

        writer.WriteEndObject();
    }
}
