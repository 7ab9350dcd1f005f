using System.Text.Json;

namespace Registry.Server.Protocol;

/// <summary>The result of <see cref="FrameReader.ReadAsync"/> or <see cref="FrameReader.ReadBinaryAsync"/>: a request, or why the connection must close.</summary>
/// <remarks>The caller owns <see cref="Document"/> and disposes it after the response is written.</remarks>
public readonly record struct FrameReadResult(FrameOutcome Outcome, JsonDocument? Document, int BodyLength)
{
    /// <summary>True when a request object was read; false means close the connection without replying.</summary>
    public bool IsRequest => Outcome == FrameOutcome.Request;

    /// <summary>The binary protocol's message type (§1.3); 0x00 (JSON) for a JSON-protocol frame.</summary>
    public byte MessageType { get; init; }

    /// <summary>A binary request's payload after the type byte, valid until the next read; empty for JSON.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }
}
