using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary><c>member_roles</c>: decimal node id to one of a few role names, which are pooled. Duplicate keys: the last wins.</summary>
internal sealed class PooledRoleMapConverter : JsonConverter<Dictionary<string, string?>>
{
    public override Dictionary<string, string?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object, found {reader.TokenType}");
        }

        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            _ = reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.String => StringPool.ReadString(ref reader),
                JsonTokenType.Null => null,
                _ => throw new JsonException($"expected a role string, found {reader.TokenType}"),
            };
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string?> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (key, role) in value)
        {
            writer.WriteString(key, role);
        }

        writer.WriteEndObject();
    }
}
