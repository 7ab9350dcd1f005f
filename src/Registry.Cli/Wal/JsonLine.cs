using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary>Writes the compact JSON objects the wal tools print.</summary>
internal static class JsonLine
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds one compact JSON object with <paramref name="body"/> and returns it as text.</summary>
    public static string Object(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <paramref name="raw"/> as the value of <paramref name="name"/> when it is valid JSON, else null plus a note.</summary>
    public static void WriteRawOrNull(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> raw, bool present)
    {
        writer.WritePropertyName(name);
        if (!present)
        {
            writer.WriteNullValue();
            return;
        }

        var reader = new Utf8JsonReader(raw);
        try
        {
            reader.Read();
            reader.Skip();
            if (reader.Read())
            {
                throw new JsonException("trailing bytes");
            }
        }
        catch (JsonException)
        {
            writer.WriteNullValue();
            writer.WriteString("data_error", "payload is not valid JSON");
            return;
        }

        writer.WriteRawValue(raw, skipInputValidation: true);
    }

    /// <summary>Writes the problems array every tool shares (under <paramref name="name"/>).</summary>
    public static void WriteProblems(Utf8JsonWriter writer, IEnumerable<WalProblem> problems, string name = "problems")
    {
        writer.WriteStartArray(name);
        foreach (var problem in problems)
        {
            writer.WriteStartObject();
            writer.WriteNumber("offset", problem.Offset);
            writer.WriteString("kind", KindName(problem.Kind));
            writer.WriteString("message", problem.Message);
            if (problem.FilePath is not null)
            {
                writer.WriteString("file", problem.FilePath);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The snake_case name of a problem kind.</summary>
    public static string KindName(WalProblemKind kind) => kind switch
    {
        WalProblemKind.SkippedRecord => "skipped_record",
        WalProblemKind.TornTail => "torn_tail",
        WalProblemKind.Oversize => "oversize",
        WalProblemKind.Corruption => "corruption",
        WalProblemKind.UnusedSpaceDamage => "unused_space_damage",
        WalProblemKind.BadHeader => "bad_header",
        WalProblemKind.SequenceGap => "sequence_gap",
        _ => kind.ToString(),
    };
}
