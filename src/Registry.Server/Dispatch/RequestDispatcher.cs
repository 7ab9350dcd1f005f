using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>Routes a request to the handler registered for its <c>type</c>, applying the standby gate first.</summary>
/// <remarks>
/// Threading: handlers are registered while the server is being set up, then <see cref="Freeze"/> turns the table
/// into a <see cref="FrozenDictionary{TKey, TValue}"/> that every connection reads without locks. Registering after
/// freezing throws, so a half-built table can never serve traffic.
/// Handlers not registered as bounded continue on the thread pool when called on a socket engine thread
/// (<see cref="Transport.EngineThread"/>).
/// Failure policy: an unknown type, a standby refusal and a throwing handler all answer with an error response the
/// sanitizer turns into "request failed"; the connection stays open. Only cancellation propagates.
/// </remarks>
public sealed partial class RequestDispatcher
{
    private readonly Dictionary<string, Route> _building = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private FrozenDictionary<string, Route>? _handlers;
    private readonly BinaryHandler?[] _binary = new BinaryHandler?[BinaryWire.ReplyBit];
    private Func<bool> _isStandby = static () => false;

    /// <summary>Creates an empty dispatcher that logs handler faults to <paramref name="logger"/>.</summary>
    public RequestDispatcher(ILogger<RequestDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    /// <summary>The registered request types (after <see cref="Freeze"/>).</summary>
    public IEnumerable<string> Types => _handlers?.Keys ?? (IEnumerable<string>)_building.Keys;

    /// <summary>True once the table is frozen and serving.</summary>
    public bool IsFrozen => _handlers is not null;

    /// <summary>Registers <paramref name="handler"/> for request type <paramref name="type"/>; a type can be registered once.</summary>
    /// <param name="type">The request type.</param>
    /// <param name="handler">Its handler.</param>
    /// <param name="bounded">
    /// The handler's work is small and bounded (one node: a lookup, a mutation, at most one signature check), so it may
    /// run on the socket engine's thread; other handlers continue on the thread pool first.
    /// </param>
    public RequestDispatcher Map(string type, RequestHandler handler, bool bounded = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(handler);
        if (_handlers is not null)
        {
            throw new InvalidOperationException("The dispatcher is frozen; map handlers before the server starts.");
        }

        if (string.Equals(type, ReplicationHandshake.SubscribeType, StringComparison.Ordinal))
        {
            throw new ArgumentException("subscribe_replication is handled by the transport, not by a handler.", nameof(type));
        }

        if (!_building.TryAdd(type, new Route(handler, bounded)))
        {
            throw new ArgumentException($"A handler for '{type}' is already registered.", nameof(type));
        }

        return this;
    }

    /// <summary>Registers <paramref name="handler"/> for binary message type <paramref name="type"/> (0x01–0x7F); a type can be registered once.</summary>
    /// <remarks>Binary handlers bypass the standby gate (§1.3): only read-only and heartbeat types exist, and each handles standby itself.</remarks>
    public RequestDispatcher MapBinary(byte type, BinaryHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfZero(type);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(type, BinaryWire.ReplyBit);
        if (_handlers is not null)
        {
            throw new InvalidOperationException("The dispatcher is frozen; map handlers before the server starts.");
        }

        if (_binary[type] is not null)
        {
            throw new ArgumentException($"A handler for binary type 0x{type:x2} is already registered.", nameof(type));
        }

        _binary[type] = handler;
        return this;
    }

    /// <summary>Sets the standby test consulted before every request (default: never standby).</summary>
    public RequestDispatcher UseStandbyGate(Func<bool> isStandby)
    {
        ArgumentNullException.ThrowIfNull(isStandby);
        _isStandby = isStandby;
        return this;
    }

    /// <summary>Freezes the handler table; called once by the server before it accepts connections. Idempotent.</summary>
    public void Freeze() => _handlers ??= _building.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether the handler of <paramref name="type"/> was registered as bounded (after <see cref="Freeze"/>).</summary>
    public bool IsBounded(string type) => _handlers is not null && _handlers.TryGetValue(type, out var route) && route.Bounded;

    /// <summary>Dispatches one request of type <paramref name="type"/>; never throws except on cancellation.</summary>
    public async ValueTask<(Response Response, DispatchOutcome Outcome)> DispatchAsync(
        RequestContext context, string type, JsonElement request, CancellationToken cancellationToken)
    {
        var handlers = _handlers ?? throw new InvalidOperationException("Freeze the dispatcher before dispatching.");
        if (!handlers.TryGetValue(type, out var route))
        {
            // Go's text is `unknown message type: "x"`; the sanitizer reduces it to "request failed" either way.
            return (Response.Failure($"unknown message type: \"{type}\""), DispatchOutcome.Unknown);
        }

        if (!StandbyPolicy.IsAllowedOnStandby(type) && _isStandby())
        {
            return (Response.Failure(StandbyPolicy.RejectionMessage), DispatchOutcome.Standby);
        }

        if (!route.Bounded)
        {
            await Transport.EngineThread.Leave();
        }

        return await InvokeAsync((route.Handler, request), static (s, c, ct) => s.Handler(c, s.request, ct), context, type, cancellationToken);
    }

    /// <summary>Dispatches one binary request of message type <paramref name="type"/> (not 0x00, which is JSON); never throws except on cancellation.</summary>
    public async ValueTask<(Response Response, DispatchOutcome Outcome)> DispatchBinaryAsync(
        RequestContext context, byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_handlers is null)
        {
            throw new InvalidOperationException("Freeze the dispatcher before dispatching.");
        }

        var handler = type < _binary.Length ? _binary[type] : null;
        if (handler is null)
        {
            return (Response.Failure(BinaryWire.UnknownType(type)), DispatchOutcome.Unknown);
        }

        return await InvokeAsync((handler, payload), static (s, c, ct) => s.handler(c, s.payload, ct), context, context.RequestType, cancellationToken);
    }

    private async ValueTask<(Response Response, DispatchOutcome Outcome)> InvokeAsync<TState>(
        TState state, Func<TState, RequestContext, CancellationToken, ValueTask<Response>> call, RequestContext context, string type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await call(state, context, cancellationToken);
            return (response, response.IsError ? DispatchOutcome.Error : DispatchOutcome.Ok);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A handler bug must cost one request, not the connection or the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            HandlerFailed(_logger, ex, type, context.ConnectionId);
            return (Response.Failure(ErrorSanitizer.RequestFailed), DispatchOutcome.Fault);
        }
    }

    [LoggerMessage(20, LogLevel.Error, "Handler for {Type} failed on connection {ConnectionId}")]
    private static partial void HandlerFailed(ILogger logger, Exception exception, string type, long connectionId);

    /// <summary>A request type's handler, and whether it may run on a socket engine thread.</summary>
    private readonly record struct Route(RequestHandler Handler, bool Bounded);
}
