namespace Registry.Server.Protocol;

/// <summary>How reading one frame ended.</summary>
public enum FrameOutcome
{
    /// <summary>A complete frame holding a JSON object was read.</summary>
    Request,

    /// <summary>The peer closed the stream cleanly between two frames.</summary>
    EndOfStream,

    /// <summary>The length prefix was 0.</summary>
    EmptyFrame,

    /// <summary>The length prefix exceeded the configured maximum body size.</summary>
    Oversize,

    /// <summary>The stream ended inside the prefix or the body.</summary>
    Truncated,

    /// <summary>The body is not valid UTF-8 JSON.</summary>
    InvalidJson,

    /// <summary>The body is valid JSON but not an object.</summary>
    NotAnObject,
}
