using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Reads a uint32 member as Go's <c>json.Unmarshal</c> does: JSON <c>null</c> leaves 0; any other token must be an integer literal from 0 to 4294967295.</summary>
/// <remarks>System.Text.Json would reject <c>null</c> here, so a payload Go accepts would fail to decode without it.</remarks>
internal sealed class GoUInt32Converter : JsonConverter<uint>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override uint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => 0,
            JsonTokenType.Number when reader.TryGetUInt32(out var value) => value,
            _ => throw new JsonException("expected an integer from 0 to 4294967295"),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, uint value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }
}
