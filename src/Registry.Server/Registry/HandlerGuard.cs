using Microsoft.Extensions.Logging;
using Registry.Core;
using Registry.Persistence.Wal;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Registry;

/// <summary>Turns the expected failures of a handler into error responses, so the dispatcher only sees bugs.</summary>
/// <remarks>
/// A <see cref="RegistryException"/> carries the protocol's error text (the sanitizer decides what reaches the wire).
/// A poisoned or full log is an operator problem, logged once per request at Error and answered with a generic text
/// (sanitized to "request failed"); the connection and the server keep serving reads.
/// </remarks>
internal sealed partial class HandlerGuard(ILogger logger)
{
    /// <summary>The reply to a mutation the log failed to make durable.</summary>
    public const string StorageFailure = "storage failure: mutation not persisted";

    /// <summary>Wraps <paramref name="handler"/>.</summary>
    public RequestHandler Wrap(RequestHandler handler) =>
        (context, request, cancellationToken) => RunAsync((handler, request), static (s, c, ct) => s.handler(c, s.request, ct), context, cancellationToken);

    /// <summary>Wraps a binary-protocol <paramref name="handler"/>.</summary>
    public BinaryHandler Wrap(BinaryHandler handler) =>
        (context, payload, cancellationToken) => RunAsync((handler, payload), static (s, c, ct) => s.handler(c, s.payload, ct), context, cancellationToken);

    private async ValueTask<Response> RunAsync<TState>(
        TState state, Func<TState, RequestContext, CancellationToken, ValueTask<Response>> call, RequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await call(state, context, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException ex)
        {
            return Response.Failure(ex.Message);
        }
        catch (WritesClosedException ex)
        {
            return Response.Failure(ex.Message);
        }
        catch (WalPoisonedException ex)
        {
            StorageFailed(logger, context.RequestType, ex.Message);
            return Response.Failure(StorageFailure);
        }
        catch (WalFullException ex)
        {
            StorageFailed(logger, context.RequestType, ex.Message);
            return Response.Failure("storage full: mutation not persisted");
        }
        catch (ReplicationTimeoutException ex)
        {
            NotConfirmed(logger, context.RequestType, ex.Message);
            return Response.Failure(ex.Message);
        }
        catch (NotEnoughStandbysException ex)
        {
            // Not logged per request: /readyz and the standbys gauge say it once, for as long as it lasts.
            return Response.Failure(ex.Message);
        }
    }

    [LoggerMessage(31, LogLevel.Warning, "{Type} not confirmed by a standby: {Reason}")]
    private static partial void NotConfirmed(ILogger logger, string type, string reason);

    [LoggerMessage(30, LogLevel.Error, "{Type} refused: the log cannot take it ({Reason})")]
    private static partial void StorageFailed(ILogger logger, string type, string reason);
}
