using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>Keeps a member's exact source bytes, inner whitespace included, as Go's <c>json.RawMessage</c> does; <c>null</c> is kept as the 4 bytes <c>null</c>.</summary>
internal sealed class RawJsonConverter : JsonConverter<byte[]>
{
    public override bool HandleNull => true;

    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray();
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value, skipInputValidation: false);
    }
}
