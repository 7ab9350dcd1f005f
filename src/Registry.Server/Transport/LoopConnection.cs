using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;

namespace Registry.Server.Transport;

/// <summary>The state of one plaintext JSON connection served by an <see cref="EventLoop"/>; touched only by its loop's thread.</summary>
/// <remarks>
/// Bytes received accumulate in <see cref="Input"/> between <see cref="InputStart"/> and <see cref="InputEnd"/>. A
/// request's <see cref="JsonDocument"/> points into that array, so while a request is in flight the array is neither
/// compacted nor reused (it may be replaced by a larger copy). Replies are encoded into <see cref="Output"/> and sent
/// from <see cref="OutputSent"/> on.
/// </remarks>
internal sealed class LoopConnection
{
    public LoopConnection(long id, Socket socket, RequestContext context, ConnectionRateLimiter limiter, long now)
    {
        Id = id;
        Socket = socket;
        Descriptor = socket.SafeHandle.DangerousGetHandle();
        Context = context;
        Limiter = limiter;
        LastActivity = now;
    }

    public long Id { get; }

    public Socket Socket { get; }

    public nint Descriptor { get; }

    public RequestContext Context { get; }

    public ConnectionRateLimiter Limiter { get; }

    /// <summary>What this connection's reply waits for (<see cref="DurabilityTicket"/>).</summary>
    public DurabilityTicket Ticket { get; } = new();

    /// <summary>The execution context its requests run in: the loop's, with <see cref="Ticket"/> as <see cref="DeferredDurability.Current"/>; set on adoption.</summary>
    /// <remarks>Captured once: setting the async-local per request made a new context (and its value map) per request.</remarks>
    public ExecutionContext? Flow { get; set; }

    public byte[] Input { get; set; } = new byte[1024];

    public int InputStart { get; set; }

    public int InputEnd { get; set; }

    public ArrayBufferWriter<byte> Output { get; private set; } = new(256);

    public int OutputSent { get; set; }

    /// <summary>True once the first bytes showed a JSON-protocol client (§1.3).</summary>
    public bool Detected { get; set; }

    /// <summary>A request was dispatched and its reply is not yet written.</summary>
    public bool InFlight { get; set; }

    /// <summary>The peer closed its side; the connection ends once nothing is in flight.</summary>
    public bool PeerClosed { get; set; }

    /// <summary>Close once the output is sent (a reply that asked for it, or shutdown).</summary>
    public bool CloseAfterSend { get; set; }

    /// <summary>Why, when <see cref="CloseAfterSend"/> is set.</summary>
    public CloseReason CloseReason { get; set; } = CloseReason.Requested;

    public bool Closed { get; set; }

    /// <summary>Whether the descriptor is registered for writability (a reply did not fit in the socket buffer).</summary>
    public bool WantsWrite { get; set; }

    /// <summary>Whether the descriptor is registered for readability (reading pauses while the buffer is full with a request in flight).</summary>
    public bool WantsRead { get; set; } = true;

    public JsonDocument? Document { get; set; }

    public long Started { get; set; }

    public Response Reply { get; set; }

    public DispatchOutcome Outcome { get; set; }

    /// <summary>The timestamp of the last request or connect, for the idle timeout.</summary>
    public long LastActivity { get; set; }

    /// <summary>When a blocked send began; 0 while nothing waits to be sent.</summary>
    public long WriteBlockedSince { get; set; }

    public IPEndPoint Remote => Context.RemoteEndPoint;

    public int Buffered => InputEnd - InputStart;

    public bool HasOutput => OutputSent < Output.WrittenCount;

    /// <summary>Forgets the sent output; a buffer grown by one large reply is not kept for the connection's life.</summary>
    public void ResetOutput()
    {
        OutputSent = 0;
        if (Output.Capacity > 64 * 1024)
        {
            Output = new ArrayBufferWriter<byte>(256);
        }
        else
        {
            Output.ResetWrittenCount();
        }
    }
}
