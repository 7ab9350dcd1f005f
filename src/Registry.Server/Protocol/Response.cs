using System.Buffers;
using System.Text;
using System.Text.Json;
using Registry.Persistence.Json;

namespace Registry.Server.Protocol;

/// <summary>One reply frame: either a handler's pre-encoded JSON object or an error text, plus whether to close afterwards.</summary>
/// <remarks>
/// A value type so that returning it through <c>ValueTask&lt;Response&gt;</c> allocates nothing beyond the body.
/// Error texts are raw handler messages; <see cref="ErrorSanitizer"/> is applied when the frame is written.
/// </remarks>
public readonly struct Response
{
    private const int MaxRetainedScratchBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>The JSON writer over <see cref="t_scratch"/>, reset per reply: a new one per reply was ~150 bytes of garbage per request.</summary>
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private Response(ReadOnlyMemory<byte> body, string? error, bool closeAfter)
    {
        Body = body;
        Error = error;
        CloseAfter = closeAfter;
    }

    /// <summary>The UTF-8 JSON object to send, when this is not an error.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The unsanitized error text, or null for a success response.</summary>
    public string? Error { get; }

    /// <summary>True when the connection is closed after this response is written.</summary>
    public bool CloseAfter { get; }

    /// <summary>True when this is an error response.</summary>
    public bool IsError => Error is not null;

    /// <summary>An error response; the text reaches the client only if the sanitizer lets it through.</summary>
    public static Response Failure(string error) => new(default, error ?? throw new ArgumentNullException(nameof(error)), closeAfter: false);

    /// <summary>A response whose body is an already encoded UTF-8 JSON object.</summary>
    public static Response FromJson(ReadOnlyMemory<byte> utf8Object) => new(utf8Object, null, closeAfter: false);

    /// <summary>The success response <c>{"type":"&lt;okType&gt;"}</c> with no other field.</summary>
    public static Response Ok(string okType) => Build(okType, 0, static (_, _) => { });

    /// <summary>A success response <c>{"type":"&lt;okType&gt;", …}</c> whose other members <paramref name="writeFields"/> writes.</summary>
    /// <remarks>
    /// Encodes into a per-thread scratch buffer and copies out one exact-size array, so only the body is allocated.
    /// <paramref name="writeFields"/> must not call <see cref="Build{TState}"/> itself (it would reuse the same scratch buffer).
    /// </remarks>
    public static Response Build<TState>(string okType, TState state, Action<Utf8JsonWriter, TState> writeFields)
    {
        ArgumentNullException.ThrowIfNull(okType);
        ArgumentNullException.ThrowIfNull(writeFields);
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(scratch);
        writer.Reset(scratch);
        writer.WriteStartObject();
        writeFields(writer, state);
        writer.WriteString("type"u8, okType);
        writer.WriteEndObject();
        writer.Flush();
        return new Response(Detach(scratch), null, closeAfter: false);
    }

    /// <summary>A success response in Go's exact JSON bytes, with <c>type</c> placed where it sorts among the members.</summary>
    /// <remarks>
    /// Members whose names sort before "type" go in <paramref name="writeBeforeType"/>, the rest in <paramref name="writeAfterType"/>,
    /// which reproduces <c>json.Marshal</c> of a Go map byte for byte. Use it where a reply must match the Go server exactly.
    /// </remarks>
    public static Response BuildGo<TState>(string okType, TState state, Action<GoJsonWriter, TState>? writeBeforeType, Action<GoJsonWriter, TState>? writeAfterType)
    {
        ArgumentNullException.ThrowIfNull(okType);
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        var writer = new GoJsonWriter(scratch);
        writer.WriteStartObject();
        writeBeforeType?.Invoke(writer, state);
        writer.WritePropertyName("type"u8);
        writer.WriteStringValue(okType);
        writeAfterType?.Invoke(writer, state);
        writer.WriteEndObject();
        writer.Flush();
        return new Response(Detach(scratch), null, closeAfter: false);
    }

    /// <summary>A binary success reply (§1.3): the message type <paramref name="replyType"/> followed by the fields <paramref name="writeFields"/> writes.</summary>
    /// <remarks>Written by <see cref="FrameWriter.WriteBinaryAsync"/>; the same scratch-buffer rule as <see cref="Build{TState}"/> applies.</remarks>
    public static Response BuildBinary<TState>(byte replyType, TState state, Action<BinaryPayloadWriter, TState> writeFields)
    {
        ArgumentNullException.ThrowIfNull(writeFields);
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        var writer = new BinaryPayloadWriter(scratch);
        writer.U8(replyType);
        writeFields(writer, state);
        return new Response(Detach(scratch), null, closeAfter: false);
    }

    /// <summary>This response, with the connection closed after it is written.</summary>
    public Response ThenClose() => new(Body, Error, closeAfter: true);

    private static byte[] Detach(ArrayBufferWriter<byte> scratch)
    {
        var body = scratch.WrittenSpan.ToArray();
        if (scratch.Capacity > MaxRetainedScratchBytes)
        {
            // One huge reply (a big list_nodes) must not pin its buffer on this thread forever.
            t_scratch = null;
        }

        return body;
    }

    /// <summary>The body as text, for logs and tests.</summary>
    public override string ToString() => Error is null ? Encoding.UTF8.GetString(Body.Span) : "error: " + Error;
}
