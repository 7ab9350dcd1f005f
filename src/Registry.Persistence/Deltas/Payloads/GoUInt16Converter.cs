using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Reads a uint16 member as Go's <c>json.Unmarshal</c> does: JSON <c>null</c> leaves 0; any other token must be an integer literal from 0 to 65535.</summary>
/// <remarks>System.Text.Json would reject <c>null</c> here, so a payload Go accepts would fail to decode without it.</remarks>
internal sealed class GoUInt16Converter : JsonConverter<ushort>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override ushort Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => 0,
            JsonTokenType.Number when reader.TryGetUInt16(out var value) => value,
            _ => throw new JsonException("expected an integer from 0 to 65535"),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ushort value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }
}
