using System.Text.Json;
using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>Handles one request type: reads <paramref name="request"/> and returns the reply.</summary>
/// <remarks>
/// <paramref name="request"/> is valid only until the returned task completes (the frame's buffer is reused).
/// Return <see cref="Response.Failure"/> for expected errors; an exception is logged and answered "request failed".
/// Completing synchronously is expected for reads, so the delegate returns a <see cref="ValueTask{TResult}"/>.
/// </remarks>
public delegate ValueTask<Response> RequestHandler(RequestContext context, JsonElement request, CancellationToken cancellationToken);
