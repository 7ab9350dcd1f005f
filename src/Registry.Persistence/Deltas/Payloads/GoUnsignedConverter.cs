using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Reads an unsigned member (uint16, uint32) as Go's <c>json.Unmarshal</c> does: JSON <c>null</c> leaves 0; any other token must be an integer literal from 0 to the type's maximum.</summary>
/// <remarks>System.Text.Json would reject <c>null</c> here, so a payload Go accepts would fail to decode without it.</remarks>
internal sealed class GoUnsignedConverter<T> : JsonConverter<T>
    where T : struct, IUnsignedNumber<T>, IBinaryInteger<T>, IMinMaxValue<T>
{
    private static readonly ulong Max = ulong.CreateTruncating(T.MaxValue);

    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => T.Zero,
            JsonTokenType.Number when reader.TryGetUInt64(out var value) && value <= Max => T.CreateTruncating(value),
            _ => throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"expected an integer from 0 to {Max}")),
        };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(ulong.CreateTruncating(value));
    }
}
