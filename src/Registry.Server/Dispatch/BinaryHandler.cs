using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>Handles one binary message type (§1.3): reads <paramref name="payload"/> and returns the reply.</summary>
/// <remarks>
/// <paramref name="payload"/> is the frame after its type byte, valid only until the returned task completes.
/// A success reply is built with <see cref="Response.BuildBinary{TState}"/>; <see cref="Response.Failure"/> becomes
/// a 0xFF frame whose text is not sanitized (the binary protocol's rule).
/// </remarks>
public delegate ValueTask<Response> BinaryHandler(RequestContext context, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
