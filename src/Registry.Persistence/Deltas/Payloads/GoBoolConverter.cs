using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Reads a bool member as Go's <c>json.Unmarshal</c> does: JSON <c>null</c> leaves false; any other token must be true or false.</summary>
/// <remarks>System.Text.Json would reject <c>null</c> here, so a payload Go accepts would fail to decode without it.</remarks>
internal sealed class GoBoolConverter : JsonConverter<bool>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => false,
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw new JsonException("expected true or false"),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBooleanValue(value);
    }
}
