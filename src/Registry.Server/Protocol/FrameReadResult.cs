using System.Text.Json;

namespace Registry.Server.Protocol;

/// <summary>The result of <see cref="FrameReader.ReadAsync"/>: a parsed request, or why the connection must close.</summary>
/// <remarks>The caller owns <see cref="Document"/> and disposes it after the response is written.</remarks>
public readonly record struct FrameReadResult(FrameOutcome Outcome, JsonDocument? Document, int BodyLength)
{
    /// <summary>True when a request object was read; false means close the connection without replying.</summary>
    public bool IsRequest => Outcome == FrameOutcome.Request;
}
