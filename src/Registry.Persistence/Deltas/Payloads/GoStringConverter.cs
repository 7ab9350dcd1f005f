using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Reads a string member as Go's <c>json.Unmarshal</c> does: JSON <c>null</c> leaves the empty string; any other token must be a string.</summary>
/// <remarks>System.Text.Json would store <c>null</c>, which Go never produces for a string; writing <c>null</c> likewise gives <c>""</c>.</remarks>
internal sealed class GoStringConverter : JsonConverter<string>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => string.Empty,
            JsonTokenType.String => reader.GetString()!,
            _ => throw new JsonException("expected a string"),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value ?? string.Empty);
    }
}
